"""Upload limits: each bad file gets a clear Chinese message and nothing is stored."""

from __future__ import annotations

import pytest

from pharmcrm.core.errors import ApplicationError
from pharmcrm.demo.gen_qualifications import placeholder_pdf, placeholder_png
from pharmcrm.qualifications import services, uploads
from pharmcrm.qualifications.models import QualificationDocument, QualificationFile
from tests.factories import make_customer
from tests.qualifications.conftest import doc_data, pdf, png, stored_files

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + b"\x00" * 24
HTML_AS_PDF = b"<!doctype html><html><script>alert(document.cookie)</script>%PDF-1.4 %%EOF</html>"


def _upload(org, files):
    c = make_customer(org.rep_pd1)
    return services.document_create(actor=org.rep_pd1, customer_id=c.pk, data=doc_data("drug_licence"), files=files)


@pytest.mark.parametrize("upload,text", [
    (pdf("大文件.pdf", placeholder_pdf() + b"\0" * (10 * 1024 * 1024)), "过大"),
    (pdf("空文件.pdf", b""), "是空文件"),
    (pdf("病毒.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200), "不是 PDF"),
    (pdf("伪装.pdf", HTML_AS_PDF), "不是 PDF"),
    (pdf("截断.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n"), "不是 PDF"),  # no end marker: not a whole PDF
    (pdf("其实是图片.pdf", placeholder_png(20, 20)), "扩展名"),   # fake extension, real image
    (png("文档.exe", placeholder_png(20, 20)), "扩展名"),
    (pdf("page.html", placeholder_pdf()), "扩展名"),
])
def test_bad_files_are_refused_and_nothing_is_stored(org, media_root, upload, text):
    with pytest.raises(ApplicationError) as exc:
        _upload(org, [upload])
    messages = exc.value.fields["files"]
    assert any(text in m for m in messages), messages
    assert upload.name in messages[0]
    assert not QualificationDocument.objects.exists() and not QualificationFile.objects.exists()
    assert stored_files(media_root) == []


def test_one_bad_file_among_good_ones_refuses_all(org, media_root):
    with pytest.raises(ApplicationError) as exc:
        _upload(org, [pdf("好的.pdf"), pdf("空的.pdf", b""), png("好的.png")])
    assert len(exc.value.fields["files"]) == 1
    assert stored_files(media_root) == [] and not QualificationDocument.objects.exists()


def test_no_file_is_refused(org, media_root):
    with pytest.raises(ApplicationError) as exc:
        _upload(org, [])
    assert "至少上传一个" in exc.value.fields["files"][0]


def test_too_many_files(org):
    with pytest.raises(ApplicationError) as exc:
        _upload(org, [pdf(f"{i}.pdf") for i in range(uploads.MAX_FILES_PER_DOCUMENT + 1)])
    assert exc.value.code == "too_many_files"


def test_size_limit_is_a_setting(org, settings, media_root):
    settings.PHARMCRM = {**settings.PHARMCRM, "QUALIFICATION_MAX_UPLOAD_BYTES": 500}
    with pytest.raises(ApplicationError) as exc:
        _upload(org, [pdf()])  # ~900 bytes
    assert "500" not in exc.value.fields["files"][0] or "MB" in exc.value.fields["files"][0]
    settings.PHARMCRM = {**settings.PHARMCRM, "QUALIFICATION_MAX_UPLOAD_BYTES": 10 * 1024 * 1024}
    _upload(org, [pdf()])
    assert len(stored_files(media_root)) == 1


def test_exactly_the_limit_is_accepted(org, settings, media_root):
    content = placeholder_pdf()
    settings.PHARMCRM = {**settings.PHARMCRM, "QUALIFICATION_MAX_UPLOAD_BYTES": len(content)}
    _upload(org, [pdf("刚好.pdf", content)])
    settings.PHARMCRM = {**settings.PHARMCRM, "QUALIFICATION_MAX_UPLOAD_BYTES": len(content) - 1}
    with pytest.raises(ApplicationError):
        _upload(org, [pdf("超一字节.pdf", content)])


@pytest.mark.parametrize("name,content,ctype,ext", [
    ("scan.PDF", None, "application/pdf", ".pdf"),
    ("photo.jpg", JPEG, "image/jpeg", ".jpg"),
    ("photo.JPEG", JPEG, "image/jpeg", ".jpg"),
    ("licence.png", None, "image/png", ".png"),
    ("licence.webp", WEBP, "image/webp", ".webp"),
])
def test_allowed_types(org, media_root, name, content, ctype, ext):
    f = pdf(name, content) if content is not None or name.lower().endswith(".pdf") else png(name)
    doc = _upload(org, [f])
    stored = doc.files.get()
    assert stored.content_type == ctype and stored.original_name == name
    assert stored.file.name.endswith(ext) and name not in stored.file.name


def test_original_name_is_cleaned_of_paths(org):
    doc = _upload(org, [pdf("../../etc/passwd.pdf")])
    f = doc.files.get()
    assert f.original_name == "passwd.pdf" and ".." not in f.file.name


def test_failure_after_storing_removes_the_files(org, media_root, monkeypatch):
    """If the database write fails after the bytes were written, the files are removed again."""
    from pharmcrm.qualifications import services as svc

    def boom(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(svc, "audit_record", boom)
    with pytest.raises(RuntimeError):
        _upload(org, [pdf(), png()])
    assert stored_files(media_root) == [] and not QualificationFile.objects.exists()


def test_sniff():
    assert uploads.sniff(placeholder_pdf()[:64], placeholder_pdf()[-1024:]) == "pdf"
    assert uploads.sniff(placeholder_png(4, 4)[:64], b"") == "png"
    assert uploads.sniff(JPEG[:64], JPEG) == "jpeg"
    assert uploads.sniff(WEBP[:64], WEBP) == "webp"
    assert uploads.sniff(b"GIF89a", b"") is None
    assert uploads.sniff(HTML_AS_PDF[:64], HTML_AS_PDF) is None
