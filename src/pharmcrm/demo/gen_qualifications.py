"""Demo qualification documents (首营资料) for the demo company, with tiny, valid placeholder
scans generated in code (no binary blobs in the repository): a PNG that looks like a
certificate (frame, lines of "text", a red seal) and a one-page PDF."""

from __future__ import annotations

import datetime
import functools
import math
import re
import struct
import zlib


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


@functools.lru_cache(maxsize=16)
def placeholder_png(width: int = 240, height: int = 170, *, seed: int = 0,
                    accent: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """An RGB PNG of a certificate-like card (a few KB)."""
    paper, frame, ink = (252, 250, 243), (176, 140, 70), (150, 150, 150)
    cx, cy, r = width - 52, height - 46, 26
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            c = paper
            if x in (6, 7, width - 7, width - 8) and 6 <= y < height - 6 or y in (6, 7, height - 7, height - 8) and 6 <= x < width - 6:
                c = frame
            elif 18 <= y <= 26 and width // 2 - 50 <= x <= width // 2 + 50:
                c = (60, 60, 60)  # the title
            else:
                line = (y - 42) // 14
                if 0 <= line < 6 and (y - 42) % 14 < 4:
                    end = width - 30 - ((line * 37 + seed * 11) % 70)
                    if 24 <= x <= end:
                        c = ink
            d = math.hypot(x - cx, y - cy)
            if r - 3 <= d <= r or d < 4 + 9 * max(0.0, math.cos(5 * (math.atan2(y - cy, x - cx) + math.pi / 2))) ** 3:
                c = accent  # the seal: a ring and a star
            row += bytes(c)
        rows.append(bytes(row))
    raw = b"".join(rows)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", zlib.compress(raw, 9))
            + _png_chunk(b"IEND", b""))


def _pdf_text(value: str) -> str:
    ascii_only = value.encode("ascii", "replace").decode("ascii")
    return ascii_only.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def placeholder_pdf(lines: list[str] | tuple[str, ...] = ("Placeholder scan",)) -> bytes:
    """A valid one-page A5 PDF with ``lines`` of ASCII text (Helvetica), ~1 KB."""
    text = ["BT", "/F1 16 Tf", "40 520 Td", "20 TL"]
    for i, line in enumerate(lines):
        if i == 1:
            text.append("/F1 11 Tf")
        text.append(f"({_pdf_text(line)}) '")
    text.append("ET")
    stream = "\n".join(["0.69 0.55 0.27 RG 3 w 20 20 380 555 re S", *text, "0.8 0.15 0.15 RG 2 w",
                        "330 90 m 330 112 312 130 290 130 c 268 130 250 112 250 90 c "
                        "250 68 268 50 290 50 c 312 50 330 68 330 90 c S"]).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 595] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


# --- the demo documents ----------------------------------------------------------------------

# province code -> (abbreviation on drug licences, province name)
PROVINCES = {
    "11": ("京", "北京市"), "12": ("津", "天津市"), "13": ("冀", "河北省"), "31": ("沪", "上海市"),
    "32": ("苏", "江苏省"), "33": ("浙", "浙江省"), "34": ("皖", "安徽省"), "35": ("闽", "福建省"),
    "36": ("赣", "江西省"), "37": ("鲁", "山东省"), "41": ("豫", "河南省"), "42": ("鄂", "湖北省"),
    "43": ("湘", "湖南省"), "44": ("粤", "广东省"), "45": ("桂", "广西壮族自治区"), "50": ("渝", "重庆市"),
    "51": ("川", "四川省"), "52": ("贵", "贵州省"), "53": ("云", "云南省"), "61": ("陕", "陕西省"),
}
DRUG_SCOPES = {
    "wholesale": ("中成药、化学药制剂、抗生素制剂、生化药品、生物制品（除疫苗）",
                  "中药饮片、中成药、化学原料药及其制剂、抗生素原料药及其制剂、生化药品、生物制品（除疫苗）、麻醉药品、第一类精神药品、第二类精神药品",
                  "化学药制剂、抗生素制剂、生化药品、中成药、蛋白同化制剂、肽类激素"),
    "retail": ("处方药、甲类非处方药、乙类非处方药：中药饮片、中成药、化学药制剂、抗生素制剂、生化药品",
               "乙类非处方药：中成药、化学药制剂、抗生素制剂",
               "处方药、甲类非处方药、乙类非处方药：中成药、化学药制剂、抗生素制剂、生化药品、生物制品（除疫苗）"),
}
BUSINESS_SCOPES = ("药品批发；第三类医疗器械经营；第二类医疗器械销售；保健食品销售",
                   "药品零售；第二类医疗器械销售；保健食品（预包装）销售；消毒剂销售（不含危险化学品）",
                   "医药技术开发、技术咨询；第二类医疗器械销售；市场营销策划；会议及展览服务",
                   "药品批发；药品零售；道路货物运输（不含危险货物）；第三类医疗器械经营")
PRACTICE_SCOPES = ("内科；外科；妇产科；儿科；眼科；耳鼻咽喉科；口腔科；皮肤科；医学检验科；医学影像科；中医科",
                   "预防保健科；全科医疗科；内科；外科；妇科；儿科；中医科；康复医学科；医学检验科",
                   "内科；外科；妇产科；儿科；急诊医学科；麻醉科；病理科；医学检验科；医学影像科；肿瘤科")
PRODUCTS = ("阿莫西林胶囊", "头孢克肟分散片", "复方丹参滴丸", "蒙脱石散", "布洛芬缓释胶囊", "硝苯地平控释片",
            "二甲双胍缓释片", "小儿感冒颗粒", "银杏叶片", "奥美拉唑肠溶胶囊", "阿托伐他汀钙片", "注射用头孢曲松钠")
GIVEN = ("伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞", "平", "刚")
SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林")


def id_number(rng, region_code: str) -> str:
    """A well-formed PRC ID number (GB 11643) born 1965-1998 in ``region_code``."""
    from pharmcrm.qualifications.validators import id_check_char

    born = datetime.date(1965, 1, 1) + datetime.timedelta(days=rng.randrange(0, 33 * 365))
    first17 = f"{region_code[:6]}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + id_check_char(first17)


def _locality(address: str) -> tuple[str, str]:
    """("南京市", "玄武区") from "江苏省南京市玄武区中山路1号"."""
    a = address.split("省", 1)[1] if "省" in address[:4] else address
    m = re.match(r"(.+?市)(.+?[区县市])?", a)
    return (m.group(1), m.group(2) or "") if m else ("上海市", "")


def _dates(rng, today, *, years: int, left: int) -> tuple[datetime.date, datetime.date]:
    """(valid_from, valid_to) of a document of ``years`` whose last day is ``left`` days from today."""
    valid_to = today + datetime.timedelta(days=left)
    valid_from = valid_to - datetime.timedelta(days=365 * years - 1)
    return valid_from, valid_to


def _plan_documents(rng, data: dict, today) -> list[dict]:
    """The documents one demo customer holds (possibly incomplete, expiring or expired)."""
    from pharmcrm.qualifications import rules
    from pharmcrm.qualifications.models import QualificationType as T

    kind, region = data["type"], data["region_code"] or "310115"
    abbr, province = PROVINCES.get(region[:2], ("沪", "上海市"))
    city, district = _locality(data["address"])
    credit = data.get("credit_code") or ""
    profile = rng.random()
    if not credit and kind in ("agent", "pharmacy", "chain", "distributor", "other"):
        profile = min(profile, 0.05)  # an individual agent has no licences: nothing on file
    if profile < 0.08:
        return []
    required = list(rules.required_types(kind))
    if profile < 0.26:  # one or two required documents not yet collected
        for t in rng.sample(required, min(len(required), rng.choice((1, 1, 2)))):
            required.remove(t)
    expired = profile > 0.88  # one required document lapsed
    docs = []
    for i, t in enumerate(required):
        left = rng.choice((rng.randrange(120, 1500), rng.randrange(120, 1500), rng.randrange(31, 90),
                           rng.randrange(0, 30)))
        if expired and i == len(required) - 1:
            left = -rng.randrange(1, 60)
        d: dict = {"type": t}
        if t == T.BUSINESS_LICENCE:
            d.update(number=credit, issuing_authority=f"{city}{district}市场监督管理局",
                     scope=rng.choice(BUSINESS_SCOPES), no_expiry=rng.random() < 0.7)
            if d["no_expiry"]:
                d["valid_from"] = today - datetime.timedelta(days=rng.randrange(400, 6000))
            else:
                d["valid_from"], d["valid_to"] = _dates(rng, today, years=20, left=max(left, 200) if not (
                    expired and i == len(required) - 1) else left)
        elif t == T.DRUG_LICENCE:
            retail = kind in ("pharmacy", "chain")
            letters = ("CB" if kind == "chain" else "DB") if retail else "AA"
            d.update(number=f"{abbr}{letters}{region[2:4]}{rng.randrange(10000, 99999)}",
                     issuing_authority=f"{province}药品监督管理局" if not retail
                     else f"{city}{district}市场监督管理局",
                     scope=rng.choice(DRUG_SCOPES["retail" if retail else "wholesale"]))
            d["valid_from"], d["valid_to"] = _dates(rng, today, years=5, left=left)
        elif t == T.QUALITY_AGREEMENT:
            d.update(number=f"ZLXY-{today.year - 1}-{rng.randrange(1, 999):03d}",
                     scope="药品质量责任、购销双方质量条款、退换货与召回、储运条件约定")
            d["valid_from"], d["valid_to"] = _dates(rng, today, years=1, left=min(left, 360))
        elif t == T.PURCHASE_AUTHORISATION:
            d.update(agent_name=rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < .6 else ""),
                     agent_id_number=id_number(rng, region),
                     agent_products="、".join(rng.sample(PRODUCTS, rng.randrange(2, 5))),
                     agent_territory=f"{province}{city if city != province else ''}",
                     number=f"WT{today.year}{rng.randrange(1000, 9999)}")
            d["valid_from"], d["valid_to"] = _dates(rng, today, years=1, left=min(left, 360))
        elif t == T.PRACTICE_LICENCE:
            d.update(number=f"PDY{rng.randrange(10**7, 10**8)}{region}{rng.choice('1234')}{rng.choice('0123')}A1001",
                     issuing_authority=f"{province}卫生健康委员会" if "三级" in data.get("notes", "")
                     else f"{city}{district}卫生健康委员会",
                     scope=rng.choice(PRACTICE_SCOPES))
            d["valid_from"], d["valid_to"] = _dates(rng, today, years=5, left=left)
        docs.append(d)
    if kind in ("hospital", "clinic") and rng.random() < 0.3:  # the optional authorisation
        d = {"type": T.PURCHASE_AUTHORISATION, "agent_name": rng.choice(SURNAMES) + rng.choice(GIVEN),
             "agent_id_number": id_number(rng, region), "agent_products": "、".join(rng.sample(PRODUCTS, 2)),
             "agent_territory": f"{city}{district}", "number": f"WT{today.year}{rng.randrange(1000, 9999)}"}
        d["valid_from"], d["valid_to"] = _dates(rng, today, years=1, left=rng.randrange(20, 300))
        docs.append(d)
    return docs


def _file_for(rng, doc: dict, n: int):
    from django.core.files.uploadedfile import SimpleUploadedFile

    names = {"business_licence": "营业执照", "drug_licence": "药品经营许可证", "quality_agreement": "质量保证协议",
             "purchase_authorisation": "授权委托书", "practice_licence": "医疗机构执业许可证"}
    label = names.get(doc["type"], "证件")
    if doc["type"] in ("quality_agreement", "purchase_authorisation") or rng.random() < 0.3:
        title = {"quality_agreement": "Quality assurance agreement", "purchase_authorisation": "Letter of authorisation"}
        content = placeholder_pdf([title.get(doc["type"], "Licence"), f"No. {doc.get('number', '')}",
                                   f"Valid to {doc.get('valid_to') or 'long-term'}", "(demo placeholder)"])
        return SimpleUploadedFile(f"{label}扫描件{n}.pdf", content, content_type="application/pdf")
    return SimpleUploadedFile(f"{label}{'正本' if n == 1 else '副本'}.png", placeholder_png(seed=n),
                              content_type="image/png")


def qualifications_load(*, seed: int, customers: list, customer_ids: list[int], deleted: set[int],
                        users: dict, now=None) -> dict[str, int]:
    """File the demo documents through the services (audit trail, flags), as each customer's owner;
    a few renewals (with the old document kept) and one voided mistake. Deterministic per seed and day."""
    import random

    from django.utils import timezone

    from pharmcrm.core.models import AuditEvent
    from pharmcrm.customers.models import Customer
    from pharmcrm.qualifications import rules, services
    from pharmcrm.qualifications.models import QualificationDocument

    rng = random.Random(f"{seed}:qualifications")
    today = rules.today()
    now = now or timezone.now()
    documents = renewed = voided = 0
    for i, (c, cid) in enumerate(zip(customers, customer_ids, strict=True)):
        if i in deleted:
            continue
        owner = users[c.owner]
        owner.__dict__.pop("headed_department_ids", None)
        owner.__dict__.pop("role_codes", None)
        for doc in _plan_documents(rng, c.data, today):
            if doc["type"] == "business_licence" and not doc.get("number"):
                continue
            renew = doc.get("valid_to") and rng.random() < 0.12
            if renew:  # last period's document, renewed since (kept as history)
                old = {**doc, "valid_to": doc["valid_from"] - datetime.timedelta(days=1),
                       "valid_from": doc["valid_from"] - datetime.timedelta(days=(doc["valid_to"] - doc["valid_from"]).days)}
                if old.get("number") and doc["type"] == "drug_licence":
                    old["number"] = old["number"][:-1] + str((int(old["number"][-1]) + 3) % 10)
                first = services.document_create(actor=owner, customer_id=cid, data=old, files=[_file_for(rng, old, 1)])
                services.document_replace(actor=owner, document_id=first.pk, data={k: v for k, v in doc.items() if k != "type"},
                                          files=[_file_for(rng, doc, 1)])
                renewed += 1
            else:
                files = [_file_for(rng, doc, n) for n in range(1, (3 if rng.random() < 0.2 else 2))]
                services.document_create(actor=owner, customer_id=cid, data=doc, files=files)
            documents += 1
        if rng.random() < 0.01 and voided < 3:
            mistake = {"type": "other", "title": "第二类医疗器械经营备案凭证", "no_expiry": True,
                       "number": f"{PROVINCES.get(c.data['region_code'][:2], ('沪',))[0]}食药监械经营备{today.year - 2}{rng.randrange(1000, 9999)}号"}
            d = services.document_create(actor=owner, customer_id=cid, data=mistake, files=[_file_for(rng, mistake, 1)])
            services.document_void(actor=owner, document_id=d.pk, reason="传错了客户，已重新上传到正确客户")
            voided += 1
    # Spread the upload times over the past (before the renewals), as in a real database.
    rows = list(QualificationDocument.objects.order_by("pk"))
    since = dict(Customer.objects.filter(pk__in={d.customer_id for d in rows}).values_list("pk", "created_at"))
    for d in rows:
        start = d.valid_from or (today - datetime.timedelta(days=300))
        days_ago = max(1, min((today - start).days, 700)) if start <= today else 1
        d.created_at = now - datetime.timedelta(days=days_ago, minutes=(d.pk * 41) % 600)
        # filed once the customer was in the system (a licence may be older than that)
        d.created_at = max(d.created_at, since[d.customer_id] + datetime.timedelta(hours=2 + d.pk % 70))
        d.created_at = min(d.created_at, now - datetime.timedelta(minutes=5))
        d.updated_at = d.voided_at or d.created_at
    created = {d.pk: d.created_at for d in rows}
    for d in rows:
        if d.replaced_by_id:  # replaced when its successor was filed
            d.replaced_at = d.updated_at = max(created[d.replaced_by_id], d.created_at)
    QualificationDocument.objects.bulk_update(rows, ["created_at", "updated_at", "replaced_at"], batch_size=500)
    times = {d.pk: d.created_at for d in rows}
    events = list(AuditEvent.objects.filter(action__in=["qualification_upload", "qualification_replace"]))
    for e in events:
        e.created_at = times.get(e.target_id, e.created_at)
    AuditEvent.objects.bulk_update(events, ["created_at"], batch_size=500)
    return {"qualification_documents": documents, "qualification_renewals": renewed, "qualification_voided": voided}
