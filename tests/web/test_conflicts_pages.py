"""Web: the duplicate panel of the customer form, the quick check, raising, listing and deciding conflicts."""

from __future__ import annotations

import re

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from pharmcrm.customers.conflict_models import ConflictStatus, CustomerConflict
from pharmcrm.customers.models import Customer
from tests.factories import VALID_CREDIT_CODE, make_customer

pytestmark = pytest.mark.django_db

NEW = {"name": "国药控股上海有限公司", "type": "distributor", "status": "prospect", "phone": "+86 21 5888 8888",
       "address": "我填写的地址"}


@pytest.fixture
def existing(org):
    return make_customer(org.rep_pd1, "国药控股（上海）有限公司", phone="021-5888 8888", address="张江路88号秘密",
                         credit_code=VALID_CREDIT_CODE, type="distributor")


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_create_is_blocked_and_shows_owner_and_department_only(org, existing):
    r = _client(org.rep_gz).post(reverse("web:customer_create"), NEW)
    assert r.status_code == 400
    body = r.content.decode()
    panel = body[body.index('data-testid="duplicate-panel"'):]
    assert "张伟" in panel and "浦东组" in panel and 'data-testid="raise-conflict"' in panel
    assert "国药控股（上海）有限公司" not in body and "张江路88号秘密" not in body and "021-5888 8888" not in body
    assert VALID_CREDIT_CODE not in body
    assert f"/customers/{existing.pk}/" not in body
    assert 'data-testid="error-name"' in body and 'data-testid="error-phone"' in body
    assert r.context["form"]["name"].value() == NEW["name"]  # what was typed is kept
    assert not Customer.objects.filter(owner=org.rep_gz).exists()


def test_a_visible_match_links_to_the_customer(org, existing):
    r = _client(org.pd_head).post(reverse("web:customer_create"), NEW)
    assert r.status_code == 400
    assert f'href="/customers/{existing.pk}/"' in r.content.decode()
    r = _client(org.rep_pd1).post(reverse("web:customer_create"), NEW)
    assert 'data-testid="raise-conflict"' not in r.content.decode()  # it is their own


names = st.text(alphabet="康泰仁和华润同济百草永安德信恒瑞天元金陵", min_size=3, max_size=8)
variants = st.sampled_from(["{}有限公司", "{}有限责任公司", "（{}）股份有限公司", "{} 公司", "{}"])


@hsettings(max_examples=30)
@given(body=names, written=variants, stored=variants, mobile=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_an_invisible_match_never_leaks_into_the_html(org, body, written, stored, mobile):
    client = _client(org.rep_gz)
    with transaction.atomic():
        hidden = make_customer(org.rep_pd1, stored.format(body), phone=f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}",
                               credit_code=VALID_CREDIT_CODE, address=f"秘密地址{mobile}", notes="机密备注")
        typed = written.format(body)
        pages = [
            client.post(reverse("web:customer_create"), {**NEW, "name": typed, "phone": mobile}),
            client.get(reverse("web:duplicate_check"), {"name": typed, "phone": mobile}),
            client.get(reverse("web:duplicate_check"), {"name": typed, "phone": mobile, "panel": "form"},
                       headers={"HX-Request": "true"}),
        ]
        for r in pages:
            html = r.content.decode()
            assert "张伟" in html and "浦东组" in html
            if hidden.name not in typed:  # (what the user typed is theirs to see)
                assert hidden.name not in html
            for secret in (hidden.phone, VALID_CREDIT_CODE, hidden.address, "机密备注"):
                assert secret not in html
            assert not re.search(rf"/customers/{hidden.pk}/", html)
        transaction.set_rollback(True)


def test_live_panel_and_quick_check(org, existing):
    c = _client(org.rep_gz)
    r = c.get(reverse("web:duplicate_check"), {"name": "国药控股 上海", "panel": "form"}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "<html" not in r.content.decode()
    assert 'formaction="/customers/conflicts/new/"' in r.content.decode()
    r = c.get(reverse("web:duplicate_check"), {"name": "全新客户"}, headers={"HX-Request": "true"})
    assert 'data-testid="duplicate-none"' in r.content.decode()
    r = c.get(reverse("web:duplicate_check"))
    assert r.status_code == 200 and 'data-testid="duplicate-check-form"' in r.content.decode()
    r = c.get(reverse("web:duplicate_check"), {"phone": "02158888888"})
    html = r.content.decode()
    assert r.status_code == 200 and "张伟" in html and 'name="match"' in html and 'name="phone"' in html
    # the edit form checks without matching the customer itself
    r = _client(org.rep_pd1).get(reverse("web:customer_edit", args=[existing.pk]))
    assert 'name="exclude_id"' in r.content.decode()


def _raise_through_pages(client, data=NEW, reason="我三月份拜访过他们的采购"):
    r = client.post(reverse("web:customer_create"), data)
    ref = r.context["duplicates"][0].ref
    r = client.post(reverse("web:conflict_new"), {**data, "match": ref})
    assert r.status_code == 200 and 'data-testid="conflict-form"' in r.content.decode()
    assert "张伟" in r.content.decode()
    r2 = client.post(reverse("web:conflict_new"), {**data, "match": ref, "confirm": "1", "reason": ""})
    assert r2.status_code == 400 and 'data-testid="error-reason"' in r2.content.decode()
    return client.post(reverse("web:conflict_new"), {**data, "match": ref, "confirm": "1", "reason": reason})


def test_raise_and_decide_through_the_pages(org, existing):
    rep = _client(org.rep_px)
    r = _raise_through_pages(rep)
    conflict = CustomerConflict.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("web:conflict_detail", args=[conflict.pk])
    assert conflict.data["address"] == "我填写的地址" and conflict.arbiter_department == org.sh
    html = rep.get(r["Location"]).content.decode()
    assert "国药控股（上海）有限公司" not in html and "张江路88号秘密" not in html and 'data-testid="withdraw"' in html
    assert 'data-testid="decide-transfer"' not in html

    head = _client(org.sh_head)
    r = head.get(reverse("web:conflict_list"))
    assert [v.conflict.pk for v in r.context["views"]] == [conflict.pk]
    html = head.get(reverse("web:conflict_detail", args=[conflict.pk])).content.decode()
    assert "国药控股（上海）有限公司" in html and "我填写的地址" in html and 'data-testid="decide-transfer"' in html
    assert head.get(reverse("web:conflict_decide", args=[conflict.pk])).status_code == 405
    r = head.post(reverse("web:conflict_decide", args=[conflict.pk]), {"decision": "transfer", "note": "先到先得"})
    assert r.status_code == 302
    conflict.refresh_from_db()
    assert conflict.status == ConflictStatus.TRANSFERRED and conflict.decision_note == "先到先得"
    assert rep.get(reverse("web:customer_detail", args=[existing.pk])).status_code == 200
    html = rep.get(reverse("web:conflict_detail", args=[conflict.pk])).content.decode()
    assert 'data-testid="existing-link"' in html and "先到先得" in html


def test_raise_from_the_edit_form_carries_the_own_record(org, existing):
    own = make_customer(org.rep_px, "浦西客户")
    rep = _client(org.rep_px)
    data = {"name": "国药控股上海", "type": "agent", "status": "prospect", "claimant_customer": own.pk,
            "exclude_id": own.pk}
    r = rep.post(reverse("web:customer_edit", args=[own.pk]), data)
    assert r.status_code == 400
    ref = r.context["duplicates"][0].ref
    r = rep.post(reverse("web:conflict_new"), {**data, "match": ref, "confirm": "1", "reason": "同一家"})
    assert r.status_code == 302
    assert CustomerConflict.objects.get().claimant_customer == own


def test_withdraw_page(org, existing):
    rep = _client(org.rep_px)
    _raise_through_pages(rep)
    conflict = CustomerConflict.objects.get()
    assert _client(org.sh_head).post(reverse("web:conflict_withdraw", args=[conflict.pk])).status_code == 403
    assert CustomerConflict.objects.get().status == ConflictStatus.OPEN
    rep.post(reverse("web:conflict_withdraw", args=[conflict.pk]))
    assert CustomerConflict.objects.get().status == ConflictStatus.WITHDRAWN


@pytest.mark.parametrize("who", ["rep_pd2", "rep_gz", "south_head", "finance"])
def test_outsiders_get_404_on_every_conflict_route(org, existing, who):
    _raise_through_pages(_client(org.rep_px))
    conflict = CustomerConflict.objects.get()
    c = _client(getattr(org, who))
    for name in ("web:conflict_detail", "web:conflict_decide", "web:conflict_withdraw"):
        url = reverse(name, args=[conflict.pk])
        assert c.get(url).status_code == 404, name
        assert c.post(url, {"decision": "transfer"}).status_code == 404, name
    assert CustomerConflict.objects.get().status == ConflictStatus.OPEN


def test_conflict_new_without_a_match(org, existing):
    c = _client(org.rep_px)
    assert c.get(reverse("web:conflict_new")).status_code == 302
    r = c.post(reverse("web:conflict_new"), {**NEW, "match": "nonsense"})
    assert r.status_code == 400 and 'data-testid="no-match"' in r.content.decode()


def test_boxes_and_status_filters(org, existing):
    _raise_through_pages(_client(org.rep_px))
    for who, box, n in (("rep_px", "mine", 1), ("rep_pd1", "about", 1), ("sh_head", "arbitrate", 1),
                        ("admin", "all", 1), ("pd_head", "arbitrate", 0), ("rep_gz", "mine", 0)):
        r = _client(getattr(org, who)).get(reverse("web:conflict_list"), {"box": box})
        assert r.status_code == 200 and len(r.context["views"]) == n, (who, box)
    r = _client(org.sh_head).get(reverse("web:conflict_list"), {"status": "closed"})
    assert r.context["views"] == [] and 'data-testid="empty"' in r.content.decode()
    r = _client(org.rep_gz).get(reverse("web:conflict_list"), {"box": "all", "status": "evil", "page": "x"})
    assert r.status_code == 200 and r.context["box"] == "mine"


def test_list_query_count_is_constant(org):
    head = _client(org.sh_head)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert head.get(reverse("web:conflict_list")).status_code == 200
        return len(ctx.captured_queries)

    rep = _client(org.rep_px)
    for i in range(2):
        make_customer(org.rep_pd1, f"撞单客户{i}")
        _raise_through_pages(rep, {**NEW, "name": f"撞单客户{i}", "phone": ""})
    count()
    few = count()
    for i in range(2, 9):
        make_customer(org.rep_pd1, f"撞单客户{i}")
        _raise_through_pages(rep, {**NEW, "name": f"撞单客户{i}", "phone": ""})
    assert count() == few


def test_a_merged_customer_is_not_restored_from_the_web(org, existing):
    from pharmcrm.customers.merge import customer_merge

    dup = make_customer(org.rep_pd1, "国药控股上海分部")
    customer_merge(actor=org.pd_head, source_id=dup.pk, target_id=existing.pk)
    c = _client(org.pd_head)
    assert c.get(reverse("web:customer_restore", args=[dup.pk])).status_code == 404
    r = c.post(reverse("web:customer_restore", args=[dup.pk]))
    assert r.status_code == 302 and r["Location"] == reverse("web:customer_recycle_bin")
    assert Customer.objects.get(pk=dup.pk).deleted_at is not None
    assert dup.name not in c.get(reverse("web:customer_recycle_bin")).content.decode()
    # the target's history shows the merge in Chinese
    html = c.get(reverse("web:customer_detail", args=[existing.pk]), {"tab": "history"}).content.decode()
    assert "合并了另一个客户" in html and "合并来源" in html


def _badge(client) -> int:
    html = client.get(reverse("web:customer_list")).content.decode()
    link = html[html.index('data-testid="conflicts"'):].split("</a>")[0]
    found = re.search(r'rounded-pill text-bg-danger">(\d+)<', link)
    return int(found.group(1)) if found else 0


def test_the_list_badge_follows_raise_and_decide(org, existing):
    """The badge is kept a short while per user, and dropped at once when a conflict is raised
    or decided: the claimant and the arbiter see the new number on their next page."""
    rep, head, peer = _client(org.rep_px), _client(org.sh_head), _client(org.rep_gz)
    assert (_badge(rep), _badge(head), _badge(peer)) == (0, 0, 0)  # now kept as 0 for each
    _raise_through_pages(rep)
    conflict = CustomerConflict.objects.get()
    assert (_badge(rep), _badge(head), _badge(peer)) == (1, 1, 0)
    head.post(reverse("web:conflict_decide", args=[conflict.pk]), {"decision": "transfer", "note": "先到先得"})
    assert (_badge(rep), _badge(head), _badge(peer)) == (0, 0, 0)
