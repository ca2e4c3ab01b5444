"""Fixtures of the qualification tests: a private MEDIA_ROOT, upload builders, documents."""

from __future__ import annotations

import datetime
import itertools
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pharmcrm.demo.gen_qualifications import placeholder_pdf, placeholder_png

_seq = itertools.count(1)
ID_NUMBER = "11010519491231002X"  # the published GB 11643 example: check character X


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in Path(root).rglob("*") if p.is_file()) if Path(root).exists() else []


def pdf(name: str = "扫描件.pdf", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, placeholder_pdf(["Scan"]) if content is None else content,
                              content_type="application/pdf")


def png(name: str = "licence.png", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, placeholder_png(60, 40) if content is None else content, content_type="image/png")


def doc_data(kind: str, *, valid_to: datetime.date | None = None, no_expiry: bool = False, **extra) -> dict:
    """Valid fields for a document of ``kind``."""
    from tests.factories import VALID_CREDIT_CODE

    data = {"type": kind, "valid_to": valid_to or datetime.date(2099, 12, 31), "no_expiry": no_expiry}
    if no_expiry:
        data["valid_to"] = None
    if kind == "business_licence":
        data.update(number=VALID_CREDIT_CODE, issuing_authority="上海市浦东新区市场监督管理局",
                    scope="药品批发；医疗器械经营")
    elif kind == "drug_licence":
        data.update(number=f"沪AA021{next(_seq):04d}", issuing_authority="上海市药品监督管理局",
                    scope="中成药、化学药制剂、抗生素制剂、生化药品、生物制品（除疫苗）")
    elif kind == "practice_licence":
        data.update(number=f"PDY{next(_seq):06d}31011517A1001", issuing_authority="上海市卫生健康委员会")
    elif kind == "purchase_authorisation":
        data.update(agent_name="王小明", agent_id_number=ID_NUMBER, agent_products="阿莫西林胶囊、头孢克肟片",
                    agent_territory="上海市浦东新区")
    elif kind == "other":
        data.update(title="第二类医疗器械经营备案凭证")
    data.update(extra)
    return data


def make_document(actor, customer, kind: str, **kw):
    from pharmcrm.qualifications import services

    files = kw.pop("files", None) or [pdf()]
    return services.document_create(actor=actor, customer_id=customer.pk, data=doc_data(kind, **kw), files=files)
