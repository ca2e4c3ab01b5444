"""Files kept with an order: checked by content, stored under a random name, listed on the
order page and in its timeline; served only through the permission check (404 to who cannot
see the order; the warehouse sees only its own uploads); a bad file changes nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pharmcrm.sales.models import OrderAttachment, OrderEvent
from tests.sales.conftest import new_order

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pdf(name="采购合同.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _approved(org, book):
    from pharmcrm.sales import services

    o = new_order(org.rep_pd1, book.pd1)
    services.order_submit(actor=org.rep_pd1, order_id=o.pk)
    return services.order_approve(actor=org.finance, order_id=o.pk)


def test_upload_list_serve_and_refuse(org, book, client):
    order = _approved(org, book)
    url = reverse("web:order_attachment_add", args=[order.pk])
    client.force_login(org.rep_pd1)
    bad = client.post(url, {"files": [_pdf("合同.pdf", b"MZ not a pdf")], "note": "x"})
    assert bad.status_code == 400 and 'data-testid="attachment-error"' in bad.content.decode()
    assert not OrderAttachment.objects.exists()
    r = client.post(url, {"files": [_pdf()], "note": "客户盖章采购合同"})
    assert r.status_code == 302
    att = OrderAttachment.objects.get()
    assert att.original_name == "采购合同.pdf" and "采购合同" not in att.file.name and att.file.name.startswith("orders/")
    assert OrderEvent.objects.filter(order=order, kind="attachment").count() == 1
    page = client.get(reverse("web:order_detail", args=[order.pk])).content.decode()
    file_url = reverse("web:order_attachment", args=[order.pk, att.pk])
    assert file_url in page
    got = client.get(file_url)
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert got["X-Content-Type-Options"] == "nosniff"
    for user in (org.rep_pd2, org.rep_gz):  # peers and other branches: as if it did not exist
        client.force_login(user)
        assert client.get(file_url).status_code == 404
        assert client.post(url, {"files": [_pdf()]}).status_code == 404
    client.force_login(book.keeper)  # the warehouse sees the order for shipping, not the contract
    assert client.get(file_url).status_code == 404
    assert file_url not in client.get(reverse("web:order_detail", args=[order.pk])).content.decode()
    assert client.post(url, {"files": [_pdf("签收单.pdf")]}).status_code == 302
    own = OrderAttachment.objects.get(original_name="签收单.pdf")
    assert client.get(reverse("web:order_attachment", args=[order.pk, own.pk])).status_code == 200
    client.force_login(org.finance)
    page = client.get(reverse("web:order_detail", args=[order.pk])).content.decode()
    assert page.count('data-testid="attachment-row"') == 2


def test_the_api_uploads_lists_and_serves(org, book):
    from tests.api.conftest import ApiClient

    order = _approved(org, book)
    api = ApiClient(org.rep_pd1)
    r = api.client.post(f"/api/v1/orders/{order.pk}/attachments", {"files": [_pdf()], "note": "合同"})
    assert r.status_code == 201, r.content
    (row,) = r.json()
    assert row["original_name"] == "采购合同.pdf" and row["note"] == "合同" and row["content_type"] == "application/pdf"
    assert [a["id"] for a in api.get(f"/orders/{order.pk}/attachments").json()] == [row["id"]]
    got = api.get(f"/orders/{order.pk}/attachments/{row['id']}")
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    bad = api.client.post(f"/api/v1/orders/{order.pk}/attachments", {"files": [_pdf("x.pdf", b"GIF89a")]})
    assert bad.status_code == 400 and "files" in bad.json()["fields"]
    assert ApiClient(book.keeper).get(f"/orders/{order.pk}/attachments").json() == []
