"""The demo company's product catalog: ~45 products with national, regional and customer prices.

The company is a 招商 (investment-promotion) company: it is the marketing authorisation
holder (上市许可持有人) of its own line, made by contract manufacturers, and the general agent
of other makers' products. Manufacturers, trade names and approval numbers are invented but
well-formed (国药准字 + H/Z/S/J + 8 digits); the generic names, dosage forms and specs are what
such a portfolio really holds, so orders, quotations and agreements built on it look right.

Prices (written through ``catalog.services``, so they carry the audit trail and obey the overlap
rule): for every product a national retail guide (零售指导价), supply price (供货价), agency price
(招商价) and floor price (底价) in force since January 1st; last year's prices for a third of the
line (ended December 31st); price changes that start next month for a few; provincial
volume-based-procurement (集采) supply prices in 广东 and 浙江, a city price in 杭州, a district
price in 浦东; customer prices for a few large distributors; one voided price and one
discontinued product. Dates are relative to today, so the demo always has current prices.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from pharmcrm.catalog import services
from pharmcrm.catalog.models import Product

OWN_MAH = "上海康瑞医药科技有限公司"


@dataclass(frozen=True)
class DemoProduct:
    generic_name: str
    trade_name: str
    dosage_form: str
    spec: str
    packing_unit: str
    case_quantity: int
    manufacturer: str
    approval_number: str
    insurance_class: str
    rx_class: str
    storage: str
    therapeutic_area: str
    retail: str  # 零售指导价, yuan per packing unit
    own: bool = False  # our own line: we are the MAH, the manufacturer is a contract maker
    notes: str = ""

    def data(self) -> dict:
        return {
            "generic_name": self.generic_name, "trade_name": self.trade_name, "dosage_form": self.dosage_form,
            "spec": self.spec, "packing_unit": self.packing_unit, "case_quantity": self.case_quantity,
            "manufacturer": self.manufacturer, "mah": OWN_MAH if self.own else "",
            "approval_number": self.approval_number, "insurance_class": self.insurance_class,
            "rx_class": self.rx_class, "storage": self.storage,
            # biological products may use the 3% simple levy; everything else 13%
            "tax_rate": Decimal("3") if self.approval_number[4] == "S" else Decimal("13"),
            "therapeutic_area": self.therapeutic_area, "status": "active", "notes": self.notes,
        }


P = DemoProduct
# fmt: off
PRODUCTS: list[DemoProduct] = [
    # 心脑血管
    P("阿托伐他汀钙片", "瑞脂宁", "tablet", "20mg×14片", "box", 400, "浙江瑞康制药有限公司", "国药准字H20193105",
      "b", "rx", "normal", "cardio", "42.80", own=True, notes="一致性评价品种；主推三级医院心内科。"),
    P("苯磺酸氨氯地平片", "康平达", "tablet", "5mg×28片", "box", 300, "江苏恒康药业股份有限公司", "国药准字H20103258",
      "a", "rx", "normal", "cardio", "26.50"),
    P("硫酸氢氯吡格雷片", "瑞通格", "tablet", "75mg×7片", "box", 500, "四川蜀康制药有限公司", "国药准字H20203376",
      "b", "rx", "normal", "cardio", "33.60", own=True),
    P("缬沙坦胶囊", "安压宁", "capsule", "80mg×14粒", "box", 400, "山东鲁华制药有限公司", "国药准字H20064021",
      "b", "rx", "normal", "cardio", "29.90"),
    P("注射用丹参多酚酸盐", "丹康", "injection", "100mg×1支", "ampoule", 200, "吉林长白山药业有限公司",
      "国药准字Z20050248", "b", "rx", "cool", "cardio", "58.00", notes="冻干粉针；限二级及以上医院使用。"),
    P("银杏叶片", "舒络康", "tablet", "19.2mg×24片", "box", 300, "贵州百灵草药业有限公司", "国药准字Z20027054",
      "b", "rx", "normal", "cardio", "35.00"),
    P("复方丹参滴丸", "丹心宁", "pill", "27mg×180丸", "bottle", 200, "天津津泰现代中药有限公司", "国药准字Z10950111",
      "a", "rx", "normal", "cardio", "28.80"),
    # 抗感染
    P("阿莫西林胶囊", "阿莫康", "capsule", "0.25g×24粒", "box", 400, "华北联康制药有限公司", "国药准字H13023964",
      "a", "rx", "normal", "anti_infective", "12.50"),
    P("阿莫西林胶囊", "阿莫康", "capsule", "0.25g×36粒", "box", 300, "华北联康制药有限公司", "国药准字H13023964",
      "a", "rx", "normal", "anti_infective", "17.80", notes="与24粒装为同一批准文号，供连锁药店渠道。"),
    P("头孢克肟胶囊", "世福康", "capsule", "0.1g×6粒", "box", 500, "广东岭康制药有限公司", "国药准字H20083519",
      "b", "rx", "normal", "anti_infective", "32.00"),
    P("左氧氟沙星片", "可立康", "tablet", "0.5g×4片", "box", 600, "浙江瑞康制药有限公司", "国药准字H20213288",
      "a", "rx", "normal", "anti_infective", "24.60", own=True),
    P("注射用头孢曲松钠", "罗康欣", "injection", "1.0g×10支", "box", 50, "华北联康制药有限公司", "国药准字H13022613",
      "a", "rx", "normal", "anti_infective", "68.00"),
    P("阿奇霉素颗粒", "舒奇", "granule", "0.1g×6袋", "box", 400, "四川蜀康制药有限公司", "国药准字H20093361",
      "b", "rx", "normal", "anti_infective", "22.00"),
    P("注射用头孢呋辛钠", "西力康", "injection", "0.75g×10支", "box", 50, "华北联康制药有限公司", "国药准字H13024417",
      "a", "rx", "normal", "anti_infective", "58.00", notes="已由头孢曲松钠替代，停售。"),
    # 肿瘤
    P("卡培他滨片", "希康达", "tablet", "0.5g×12片", "box", 200, "江苏恒康药业股份有限公司", "国药准字H20133365",
      "b", "rx", "normal", "oncology", "168.00"),
    P("注射用紫杉醇（白蛋白结合型）", "康素宁", "injection", "100mg×1瓶", "bottle", 40, "山东鲁华制药有限公司",
      "国药准字H20183044", "b", "rx", "cool", "oncology", "780.00"),
    P("甲磺酸伊马替尼片", "格立康", "tablet", "0.1g×60片", "box", 100, "浙江瑞康制药有限公司", "国药准字H20163295",
      "b", "rx", "normal", "oncology", "598.00", own=True),
    P("注射用重组人粒细胞刺激因子", "瑞白康", "injection", "150μg×1支", "ampoule", 200, "长春华康生物制药有限公司",
      "国药准字S20040019", "b", "rx", "cold", "oncology", "145.00"),
    # 消化
    P("奥美拉唑肠溶胶囊", "洛康", "capsule", "20mg×14粒", "box", 400, "广东岭康制药有限公司", "国药准字H20045638",
      "a", "rx", "normal", "digestive", "18.60"),
    P("雷贝拉唑钠肠溶片", "瑞波康", "tablet", "10mg×14片", "box", 400, "浙江瑞康制药有限公司", "国药准字H20223187",
      "b", "rx", "normal", "digestive", "39.80", own=True),
    P("枯草杆菌二联活菌颗粒", "妈咪康", "granule", "1g×10袋", "box", 120, "北京韩康生物制药有限公司",
      "国药准字S20020037", "b", "otc_a", "cool", "digestive", "32.80"),
    P("蒙脱石散", "思康达", "powder", "3g×10袋", "box", 100, "湖北华中药业有限公司", "国药准字H20000690",
      "a", "otc_a", "normal", "digestive", "16.80"),
    # 呼吸
    P("盐酸氨溴索口服溶液", "沐舒康", "oral_liquid", "100ml:0.6g×1瓶", "bottle", 80, "山东鲁华制药有限公司",
      "国药准字H20113142", "b", "rx", "normal", "respiratory", "26.00"),
    P("孟鲁司特钠咀嚼片", "顺康尔", "tablet", "4mg×10片", "box", 500, "四川蜀康制药有限公司", "国药准字H20083372",
      "b", "rx", "normal", "respiratory", "45.00"),
    P("吸入用布地奈德混悬液", "普康特", "other", "2ml:1mg×5支", "box", 120, "江苏恒康药业股份有限公司",
      "国药准字H20203578", "b", "rx", "normal", "respiratory", "52.00"),
    P("苏黄止咳胶囊", "咳康宁", "capsule", "0.45g×12粒", "box", 200, "扬州中康药业有限公司", "国药准字Z20060218",
      "b", "rx", "normal", "tcm", "38.50"),
    P("蓝芩口服液", "清咽康", "oral_liquid", "10ml×12支", "box", 60, "江苏恒康药业股份有限公司", "国药准字Z20030071",
      "b", "otc_a", "normal", "tcm", "36.00"),
    # 内分泌 / 糖尿病
    P("盐酸二甲双胍缓释片", "康格平", "tablet", "0.5g×30片", "box", 300, "华北联康制药有限公司", "国药准字H20143182",
      "a", "rx", "normal", "endocrine", "19.90"),
    P("阿卡波糖片", "卡康平", "tablet", "50mg×30片", "box", 300, "四川蜀康制药有限公司", "国药准字H20133097",
      "a", "rx", "normal", "endocrine", "42.00"),
    P("甘精胰岛素注射液", "长康素", "injection", "3ml:300单位×1支", "ampoule", 100, "通化华康生物制药有限公司",
      "国药准字S20190025", "b", "rx", "cold", "endocrine", "178.00", notes="预填充注射笔；冷链运输。"),
    P("格列美脲片", "美康平", "tablet", "2mg×30片", "box", 400, "广东岭康制药有限公司", "国药准字H20083281",
      "b", "rx", "normal", "endocrine", "28.00"),
    # 神经精神
    P("盐酸度洛西汀肠溶胶囊", "欣康达", "capsule", "30mg×14粒", "box", 300, "浙江瑞康制药有限公司",
      "国药准字H20233041", "b", "rx", "normal", "neuro", "86.00", own=True),
    P("甲钴胺片", "弥康宁", "tablet", "0.5mg×20片", "box", 400, "湖北华中药业有限公司", "国药准字H20143267",
      "b", "rx", "normal", "neuro", "24.50"),
    P("天麻素注射液", "天康宁", "injection", "2ml:0.2g×10支", "box", 60, "贵州百灵草药业有限公司", "国药准字H20053117",
      "b", "rx", "normal", "neuro", "45.00"),
    # 骨科
    P("塞来昔布胶囊", "西乐康", "capsule", "0.2g×6粒", "box", 400, "山东鲁华制药有限公司", "国药准字H20183211",
      "b", "rx", "normal", "orthopedics", "32.00"),
    P("盐酸氨基葡萄糖片", "维骨康", "tablet", "0.75g×30片", "box", 200, "江苏恒康药业股份有限公司",
      "国药准字H20051986", "b", "otc_b", "normal", "orthopedics", "68.00"),
    P("复方南星止痛膏", "南星康", "patch", "10cm×13cm×4贴", "box", 200, "吉林长白山药业有限公司",
      "国药准字Z20025283", "b", "otc_a", "normal", "orthopedics", "29.80"),
    # 妇儿
    P("小儿豉翘清热颗粒", "儿康清", "granule", "2g×6袋", "box", 120, "济南华康中药有限公司", "国药准字Z20050152",
      "b", "rx", "normal", "women_children", "27.60"),
    P("保妇康栓", "妇康宁", "suppository", "1.74g×8粒", "box", 200, "海南碧康制药有限公司", "国药准字Z46020058",
      "b", "otc_a", "cool", "women_children", "36.00"),
    P("小儿布洛芬混悬液", "美林康", "syrup", "100ml:2g×1瓶", "bottle", 80, "广东岭康制药有限公司",
      "国药准字H20113457", "b", "otc_a", "normal", "women_children", "23.50"),
    # 皮肤
    P("卤米松乳膏", "康美适", "ointment", "15g:7.5mg×1支", "box", 300, "广东岭康制药有限公司", "国药准字H20213417",
      "b", "rx", "normal", "dermatology", "39.00"),
    P("重组人表皮生长因子凝胶", "金因康", "other", "5g:10万IU×1支", "box", 200, "桂林华康生物技术有限公司",
      "国药准字S20100005", "b", "rx", "cold", "dermatology", "56.00"),
    # 眼科 / 其他
    P("玻璃酸钠滴眼液", "润康", "eye_drops", "0.4ml:0.4mg×20支", "box", 200, "山东鲁华制药有限公司",
      "国药准字H20203496", "b", "rx", "normal", "other", "48.00"),
    P("布洛芬缓释胶囊", "芬康", "capsule", "0.3g×20粒", "box", 400, "湖北华中药业有限公司", "国药准字H20013062",
      "a", "otc_b", "normal", "other", "15.80"),
    # 中成药
    P("六味地黄丸（浓缩丸）", "康泰", "pill", "0.18g×200丸", "bottle", 200, "河南宛康中药有限公司",
      "国药准字Z41021905", "a", "otc_a", "normal", "tcm", "22.00"),
    P("安宫牛黄丸", "华康堂", "pill", "3g×1丸", "box", 200, "北京华康堂制药有限公司", "国药准字Z11020766",
      "none", "rx", "cool", "tcm", "780.00", notes="贵细药材品种，按丸计价；不参与招商返利。"),
]
# fmt: on

DISCONTINUED = "注射用头孢呋辛钠"
# share of retail for each kind (before a small per-product jitter)
RATIOS = {"supply": Decimal("0.62"), "agency": Decimal("0.47"), "floor": Decimal("0.40")}
# (region code, label for the notes, share of the national supply price, how many products)
PROVINCE_DEALS = [("440000", "广东省联盟带量采购中选价", Decimal("0.82"), 8),
                  ("330000", "浙江省集采执行价", Decimal("0.88"), 6)]


def _money(value: Decimal) -> Decimal:
    step = Decimal("0.10") if value >= 20 else Decimal("0.01")
    return (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step


def catalog_load(*, seed: int, admin, sales_admin, customers: list, customer_ids: list[int], deleted: set[int],
                 today: datetime.date | None = None) -> dict[str, int]:
    """Create the products and their prices. ``customers``/``customer_ids``: the demo plan's
    customers and their ids (customer prices go to a few large active distributors)."""
    rng = random.Random(f"{seed}:catalog")
    today = today or timezone.localdate()
    year_start = datetime.date(today.year, 1, 1)
    last_year = datetime.date(today.year - 1, 1, 1)
    next_month = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    n_prices = 0

    def price(product, kind, value, start, **kw):
        nonlocal n_prices
        n_prices += 1
        return services.price_create(actor=kw.pop("actor", sales_admin), product_id=product.pk, kind=kind,
                                     price=value, valid_from=start, **kw)

    products: list[tuple[Product, DemoProduct, dict[str, Decimal]]] = []
    for item in PRODUCTS:
        product = services.product_create(actor=sales_admin, data=item.data())
        retail = Decimal(item.retail)
        national = {"retail": retail}
        for kind, ratio in RATIOS.items():
            national[kind] = _money(retail * (ratio + Decimal(rng.randint(-3, 3)) / 100))
        products.append((product, item, national))

    # last year's prices for a third of the line: a little higher, ended on December 31st
    history = [p for i, p in enumerate(products) if i % 3 == 0]
    for product, _item, national in history:
        for kind in ("retail", "supply", "agency", "floor"):
            price(product, kind, _money(national[kind] * Decimal("1.06")), last_year,
                  valid_to=year_start - datetime.timedelta(days=1), notes=f"{today.year - 1}年价格")
    # this year's national prices
    for product, item, national in products:
        gone = item.generic_name == DISCONTINUED  # sold last year only
        start = last_year if gone else year_start
        end = year_start - datetime.timedelta(days=1) if gone else None
        for kind in ("retail", "supply", "agency", "floor"):
            price(product, kind, national[kind], start, valid_to=end)

    # price changes from next month for a few products (the current price ends the day before)
    for product, _item, national in products[1:25:8]:
        price(product, "supply", _money(national["supply"] * Decimal("0.95")), next_month, replace_current=True,
              notes="下月起执行新供货价")

    active = [(p, i, n) for p, i, n in products if i.generic_name != DISCONTINUED]
    # provincial procurement prices, a city and a district price
    for code, label, share, count in PROVINCE_DEALS:
        for product, _item, national in rng.sample(active, count):
            price(product, "supply", _money(national["supply"] * share), year_start, region_code=code, notes=label)
    hz_product, _i, hz_national = active[2]
    price(hz_product, "supply", _money(hz_national["supply"] * Decimal("0.80")), year_start, region_code="330100",
          notes="杭州市医联体配送价")
    pd_product, _i, pd_national = active[5]
    price(pd_product, "agency", _money(pd_national["agency"] * Decimal("0.93")), year_start, region_code="310115",
          notes="浦东新区独家代理价")
    price(pd_product, "agency", _money(pd_national["agency"] * Decimal("0.96")), year_start, region_code="310000",
          notes="上海市代理价")

    # customer prices for the largest active distributors (the administrator sees every customer)
    distributors = [cid for c, cid, i in zip(customers, customer_ids, range(len(customer_ids)), strict=True)
                    if c.data["type"] == "distributor" and c.data["status"] == "active" and i not in deleted][:3]
    for n, cid in enumerate(distributors):
        for product, _item, national in active[n * 4: n * 4 + 4]:
            price(product, "supply", _money(national["supply"] * Decimal("0.97")), year_start, customer_id=cid,
                  actor=admin, notes="年度协议价（量大从优）")

    # a price entered by mistake (the case price instead of the box price), voided
    wrong_product, wrong_item, wrong_national = active[10]
    wrong = price(wrong_product, "retail", wrong_national["retail"] * wrong_item.case_quantity, next_month,
                  region_code="440000", notes="误录：整件价格")
    services.price_void(actor=sales_admin, price_id=wrong.pk, reason="误将整件价格录为单盒价格")

    # the product replaced by another one: discontinued, keeping its price history
    for product, item, _n in products:
        if item.generic_name == DISCONTINUED:
            services.product_set_status(actor=sales_admin, product_id=product.pk, status="discontinued")
    return {"products": len(products), "prices": n_prices}
