"""Plausible Chinese names, places and identifiers for the demo company and the benchmark.

Everything here is plain data plus small pure functions taking a ``random.Random``, so the
generators that use it are deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from pharmcrm.core.validators import credit_code_check_char


@dataclass(frozen=True)
class City:
    name: str  # 上海
    province: str  # 上海市 / 江苏省
    code: str  # GB/T 2260 city (or municipality) code
    area_code: str  # telephone area code
    districts: tuple[tuple[str, str], ...]  # (name, code)
    roads: tuple[str, ...]

    @property
    def full_name(self) -> str:
        """上海市 for municipalities, 南京市 for prefecture-level cities."""
        return self.name + "市"

    def prefix(self) -> str:
        """How an address starts: 上海市 / 江苏省南京市."""
        return self.full_name if self.province == self.full_name else self.province + self.full_name


# fmt: off
CITIES: dict[str, City] = {
    c.name: c
    for c in [
        City("上海", "上海市", "310000", "021",
             (("浦东新区", "310115"), ("黄浦区", "310101"), ("徐汇区", "310104"), ("长宁区", "310105"),
              ("静安区", "310106"), ("普陀区", "310107"), ("杨浦区", "310110"), ("闵行区", "310112")),
             ("张江路", "世纪大道", "淮海中路", "肇嘉浜路", "延安西路", "南京西路", "长寿路", "四平路",
              "虹梅路", "浦东南路", "龙阳路", "宜山路")),
        City("南京", "江苏省", "320100", "025",
             (("玄武区", "320102"), ("秦淮区", "320104"), ("鼓楼区", "320106"), ("江宁区", "320115")),
             ("中山路", "汉中路", "龙蟠路", "中央路", "双龙大道", "珠江路")),
        City("苏州", "江苏省", "320500", "0512",
             (("姑苏区", "320508"), ("吴中区", "320506"), ("相城区", "320507"), ("昆山市", "320583")),
             ("干将路", "人民路", "东环路", "金鸡湖大道", "长江路")),
        City("无锡", "江苏省", "320200", "0510",
             (("梁溪区", "320213"), ("滨湖区", "320211"), ("新吴区", "320214")),
             ("中山路", "解放西路", "太湖大道", "清扬路")),
        City("杭州", "浙江省", "330100", "0571",
             (("西湖区", "330106"), ("上城区", "330102"), ("拱墅区", "330105"), ("余杭区", "330110")),
             ("文三路", "延安路", "庆春路", "体育场路", "莫干山路", "文一西路")),
        City("宁波", "浙江省", "330200", "0574",
             (("海曙区", "330203"), ("鄞州区", "330212"), ("江北区", "330205")),
             ("中山西路", "天童南路", "柳汀街", "四明中路")),
        City("广州", "广东省", "440100", "020",
             (("越秀区", "440104"), ("海珠区", "440105"), ("天河区", "440106"), ("白云区", "440111")),
             ("中山二路", "环市东路", "天河路", "江南大道中", "广州大道北", "东风西路")),
        City("深圳", "广东省", "440300", "0755",
             (("福田区", "440304"), ("罗湖区", "440303"), ("南山区", "440305"), ("宝安区", "440306")),
             ("深南大道", "华强北路", "科技园南路", "宝安大道", "红荔路", "桃园路")),
        City("佛山", "广东省", "440600", "0757",
             (("禅城区", "440604"), ("南海区", "440605"), ("顺德区", "440606")),
             ("季华路", "岭南大道", "南海大道", "佛山大道")),
        City("东莞", "广东省", "441900", "0769",
             (("长安镇", "441900"), ("虎门镇", "441900"), ("塘厦镇", "441900")),
             ("鸿福路", "东城路", "莞太路", "长安路")),
        City("福州", "福建省", "350100", "0591",
             (("鼓楼区", "350102"), ("台江区", "350103"), ("仓山区", "350104")),
             ("五四路", "八一七路", "工业路", "华林路")),
        City("厦门", "福建省", "350200", "0592",
             (("思明区", "350203"), ("湖里区", "350206"), ("集美区", "350211")),
             ("湖滨南路", "厦禾路", "嘉禾路", "仙岳路")),
        City("北京", "北京市", "110000", "010",
             (("东城区", "110101"), ("西城区", "110102"), ("朝阳区", "110105"), ("丰台区", "110106"),
              ("海淀区", "110108")),
             ("西直门外大街", "建国路", "中关村大街", "朝阳北路", "东三环中路", "复兴路", "学院路")),
        City("济南", "山东省", "370100", "0531",
             (("历下区", "370102"), ("市中区", "370103"), ("槐荫区", "370104")),
             ("经十路", "泉城路", "解放路", "英雄山路")),
        City("青岛", "山东省", "370200", "0532",
             (("市南区", "370202"), ("市北区", "370203"), ("崂山区", "370212")),
             ("香港中路", "延安三路", "辽阳西路", "山东路")),
        City("成都", "四川省", "510100", "028",
             (("锦江区", "510104"), ("青羊区", "510105"), ("武侯区", "510107"), ("成华区", "510108")),
             ("人民南路", "蜀都大道", "一环路南三段", "天府大道", "青华路", "建设路")),
        City("绵阳", "四川省", "510700", "0816",
             (("涪城区", "510703"), ("游仙区", "510704")),
             ("临园路", "剑南路", "绵兴东路")),
        City("重庆", "重庆市", "500000", "023",
             (("渝中区", "500103"), ("江北区", "500105"), ("沙坪坝区", "500106"), ("九龙坡区", "500107"),
              ("南岸区", "500108")),
             ("解放碑", "北城天街", "三峡广场", "杨家坪正街", "南坪西路", "上清寺路")),
    ]
}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_NAMES = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
    "霞", "平", "刚", "桂英", "建华", "文杰", "晓燕", "海峰", "志强", "国栋", "佳怡", "子豪", "雨欣", "思远",
    "浩然", "婷婷", "俊杰", "晨", "博文", "欣怡", "宇航", "梦瑶", "建国", "春梅", "丹", "琳", "倩", "鹏", "凯",
    "慧", "颖", "帆", "骏", "宁", "晴", "斌", "亮", "红梅", "玉兰", "志明", "永刚", "立新",
)

# Two-character trade names (字号) of pharma companies; many share characters, like real ones.
TRADE_NAMES = (
    "康泰", "华润", "仁和", "百草", "恒康", "济民", "瑞康", "永安", "同济", "益民", "安泰", "德仁", "天和",
    "金康", "健民", "华康", "国药", "新特", "正大", "弘泰", "博康", "信达", "惠民", "中瑞", "海王", "九州",
    "康宁", "泰和", "长城", "东方", "鑫源", "佳禾", "众生", "普康", "圣元", "华东", "南方", "嘉和", "吉祥",
    "福康", "万和", "明德", "睿康", "通达", "远大", "君安", "恒瑞", "康缘", "汇仁", "春天", "润泽", "致和",
    "立信", "昌盛", "同仁", "敬德", "康乐", "泰康", "美康", "雅康", "一心", "百姓", "老百姓", "大参林",
    "怡康", "德生", "永康", "仁心", "和平", "天天", "好药师", "养和", "星辰", "华美", "鹏程", "景和",
)

AGENT_COMPANY_SUFFIXES = ("医药有限公司", "医药科技有限公司", "医药贸易有限公司", "药业有限公司", "生物科技有限公司")
DISTRIBUTOR_SUFFIXES = ("医药股份有限公司", "医药公司", "医药集团有限公司", "医药物流有限公司")
CHAIN_SUFFIXES = ("大药房连锁有限公司", "大药房连锁股份有限公司", "医药连锁有限公司")
PHARMACY_SUFFIXES = ("大药房", "药店", "堂大药房", "医药商店")
OTHER_SUFFIXES = ("医药行业协会", "医药信息咨询有限公司", "健康管理有限公司", "医疗器械有限公司")

HOSPITAL_PATTERNS = (
    ("{city}市第{n}人民医院", "三级甲等"),
    ("{city}市中医医院", "三级甲等"),
    ("{city}市中西医结合医院", "三级乙等"),
    ("{city}市妇幼保健院", "三级乙等"),
    ("{city}市儿童医院", "三级甲等"),
    ("{city}市肿瘤医院", "三级甲等"),
    ("{city}市胸科医院", "三级甲等"),
    ("{city}市精神卫生中心", "三级甲等"),
    ("{district}人民医院", "二级甲等"),
    ("{district}中医医院", "二级甲等"),
    ("{district}妇幼保健院", "二级乙等"),
    ("{city}{trade}医院", "二级乙等"),
    ("{city}{trade}骨科医院", "一级甲等"),
)
CLINIC_PATTERNS = ("{district}{street}社区卫生服务中心", "{district}{street}街道卫生院", "{city}{trade}门诊部",
                   "{city}{trade}诊所")
STREETS = ("花木", "潍坊", "陆家嘴", "周家渡", "湖南", "天平", "枫林", "江苏路", "新华", "石门二路", "南京东路",
           "五里桥", "长风", "曹杨", "殷行", "江川", "古美", "东湖", "城南", "新街口", "光华路", "华新", "建设",
           "西湖", "东门", "新城", "府前", "红旗", "和平")

# fmt: on


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


def mobile(rng: random.Random) -> str:
    return rng.choice(
        ("138", "139", "137", "136", "135", "150", "151", "158", "186", "188", "189", "177")
    ) + "".join(str(rng.randrange(10)) for _ in range(8))


def landline(rng: random.Random, city: City) -> str:
    first = str(rng.randrange(2, 9))
    return f"{city.area_code}-{first}{''.join(str(rng.randrange(10)) for _ in range(7))}"


def address(rng: random.Random, city: City, district: tuple[str, str]) -> str:
    return f"{city.prefix()}{district[0]}{rng.choice(city.roads)}{rng.randrange(1, 1200)}号"


_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # the credit-code alphabet; body chars stay in it
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_code_check(body: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""

    def value(c: str) -> int:
        return int(c) if c.isdigit() else ord(c) - 55  # A=10 ... Z=35

    rest = 11 - sum(value(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(rest, str(rest))


def credit_code(rng: random.Random, region_code: str, kind: str = "91") -> str:
    """A well-formed 统一社会信用代码 (GB 32100-2015).

    ``kind`` is the registration authority + organisation type: "91" enterprise, "92"
    individual business (个体工商户), "12" public institution (public hospitals), "52" private
    non-enterprise unit (many private clinics). Characters 3-8 are the registering region,
    9-17 an organisation code with its own GB 11714 check, 18 the GB 32100 check.
    """
    while True:
        body = "".join(rng.choice(_ORG_ALPHABET) for _ in range(8))
        org = body + _org_code_check(body)
        first17 = f"{kind}{region_code[:6]}{org}"
        if all(c in _ORG_ALPHABET for c in first17):
            return first17 + credit_code_check_char(first17)
