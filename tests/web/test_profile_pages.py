"""The 360° profile on the customer page: cards, dialogs (htmx) and plain forms (no JS), rights,
no leak of invisible linked customers, constant query count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pharmcrm.core.models import AuditEvent
from pharmcrm.customers import profile_services as ps
from pharmcrm.customers.models import (
    Customer,
    CustomerCompetitor,
    CustomerKeyAccount,
    CustomerWantedRegion,
    InvoiceProfile,
    ShippingAddress,
)
from tests.factories import VALID_CREDIT_CODE, make_customer, make_share

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
ADDRESS = {"receiver": "王仓管", "phone": "13812345678", "region_code": "310115", "address": "上海市浦东新区张江路1号"}


@pytest.fixture
def agent(org):
    return make_customer(org.rep_pd1, "浦东新药代理有限公司", type="agent", credit_code=VALID_CREDIT_CODE,
                         address="上海市浦东新区张江路1号", phone="021-50001234")


def detail(client, customer):
    r = client.get(reverse("web:customer_detail", args=[customer.pk]))
    assert r.status_code == 200
    return r.content.decode()


def test_overview_shows_the_profile_with_empty_states(as_user, org, agent):
    body = detail(as_user(org.rep_pd1), agent)
    assert 'data-testid="profile"' in body and 'data-testid="completeness"' in body
    assert "尚未填写开票资料" in body and "尚未添加发货地址" in body and "尚未填写意向代理区域" in body
    assert "尚未关联重点终端" in body and "尚未记录竞品/竞争对手" in body
    assert 'data-testid="add-address"' in body
    # not for an agent: hospital and chain sections
    assert 'id="profile-hospital"' not in body and 'id="profile-stores"' not in body


def test_sections_follow_the_type(as_user, org):
    hospital = make_customer(org.rep_pd1, "浦东人民医院", type="hospital", hospital_grade="3A", beds=900,
                             ownership="public")
    body = detail(as_user(org.rep_pd1), hospital)
    assert 'id="profile-hospital"' in body and "三甲" in body and "公立" in body
    assert 'id="profile-wanted_regions"' not in body and 'id="profile-key_accounts"' not in body
    chain = make_customer(org.rep_pd1, "老百姓大药房连锁", type="chain")
    body = detail(as_user(org.rep_pd1), chain)
    assert 'id="profile-stores"' in body and 'id="profile-head_office"' not in body
    store = make_customer(org.rep_pd1, "老百姓大药房（张江店）", type="pharmacy")
    body = detail(as_user(org.rep_pd1), store)
    assert 'id="profile-head_office"' in body


def test_read_only_viewer_sees_no_edit_buttons_and_gets_403(as_user, org, agent):
    ps.shipping_address_create(actor=org.rep_pd1, customer_id=agent.pk, data=ADDRESS)
    make_share(agent, user=org.rep_px, access="read")
    c = as_user(org.rep_px)
    body = detail(c, agent)
    assert "王仓管" in body
    assert 'data-testid="add-address"' not in body and 'data-testid="edit-invoice"' not in body
    assert 'data-testid="deactivate-address"' not in body
    address = ShippingAddress.objects.get()
    for url in (reverse("web:customer_profile_new", args=[agent.pk, "addresses"]),
                reverse("web:customer_profile_single", args=[agent.pk, "invoice"]),
                reverse("web:customer_profile_edit", args=[agent.pk, "addresses", address.pk]),
                reverse("web:customer_profile_action", args=[agent.pk, "addresses", address.pk, "deactivate"])):
        assert c.post(url, ADDRESS).status_code == 403, url
        if not url.endswith("/deactivate/"):
            assert c.get(url).status_code == 403, url
    assert ShippingAddress.objects.filter(is_active=True).count() == 1


# --- adding and editing without JavaScript ---------------------------------------------------

def test_add_address_without_js_redirects_back(as_user, org, agent):
    c = as_user(org.rep_pd1)
    url = reverse("web:customer_profile_new", args=[agent.pk, "addresses"])
    r = c.get(url)
    assert r.status_code == 200 and 'data-testid="profile-form"' in r.content.decode()
    r = c.post(url, ADDRESS)
    assert r.status_code == 302
    assert r["Location"] == reverse("web:customer_detail", args=[agent.pk]) + "?tab=overview#profile-addresses"
    a = ShippingAddress.objects.get()
    assert a.is_default and a.created_by == org.rep_pd1
    assert AuditEvent.objects.filter(customer_id=agent.pk, action="profile_add").exists()


def test_bad_input_keeps_what_was_typed(as_user, org, agent):
    c = as_user(org.rep_pd1)
    url = reverse("web:customer_profile_new", args=[agent.pk, "addresses"])
    r = c.post(url, {**ADDRESS, "phone": "12345", "region_code": "31"})
    assert r.status_code == 400
    body = r.content.decode()
    assert 'data-testid="error-region_code"' in body and 'data-testid="error-summary"' in body
    assert "王仓管" in body and "上海市浦东新区张江路1号" in body and 'value="12345"' in body
    r = c.post(url, {**ADDRESS, "phone": "12345"})  # the service's rule, in Chinese, under the field
    assert r.status_code == 400
    body = r.content.decode()
    assert 'data-testid="error-phone"' in body and "请输入手机号" in body
    assert not ShippingAddress.objects.exists()


def test_invoice_form_prefills_from_the_customer(as_user, org, agent):
    c = as_user(org.rep_pd1)
    url = reverse("web:customer_profile_single", args=[agent.pk, "invoice"])
    form = c.get(url).context["form"]
    assert form.initial["title"] == agent.name and form.initial["taxpayer_id"] == VALID_CREDIT_CODE
    r = c.post(url, {"title": agent.name, "taxpayer_id": VALID_CREDIT_CODE[:-1] + "0", "invoice_type": "vat_special"})
    assert r.status_code == 400 and "校验位" in r.content.decode()
    r = c.post(url, {"title": agent.name, "taxpayer_id": VALID_CREDIT_CODE, "bank": "招商银行张江支行",
                     "account": "6214 8301 2345 6789", "invoice_type": "vat_special"})
    assert r.status_code == 302
    assert InvoiceProfile.objects.get().account == "6214830123456789"
    # editing starts from what is saved
    assert c.get(url).context["form"].initial["bank"] == "招商银行张江支行"
    body = detail(c, agent)
    assert "尚未填写开票资料" not in body and "招商银行张江支行" in body


# --- htmx dialogs ----------------------------------------------------------------------------

def test_htmx_dialog_then_card(as_user, org, agent):
    c = as_user(org.rep_pd1)
    url = reverse("web:customer_profile_new", args=[agent.pk, "competitors"])
    r = c.get(url, **HX)
    body = r.content.decode()
    assert r.status_code == 200 and body.lstrip().startswith("<dialog") and "data-open" in body
    r = c.post(url, {"name": "", "products": "银杏叶片"}, **HX)
    assert r.status_code == 200 and r["HX-Retarget"] == "#profile-competitors-slot"
    assert 'data-testid="error-name"' in r.content.decode() and "银杏叶片" in r.content.decode()
    r = c.post(url, {"name": "扬子江药业", "products": "银杏叶片"}, **HX)
    body = r.content.decode()
    assert r.status_code == 200 and "HX-Retarget" not in r
    assert 'id="profile-competitors"' in body and "扬子江药业" in body
    assert 'hx-swap-oob="true"' in body  # the completeness bar follows


def test_edit_and_remove_entries(as_user, org, agent):
    c = as_user(org.rep_pd1)
    comp = ps.competitor_create(actor=org.rep_pd1, customer_id=agent.pk, data={"name": "扬子江药业"})
    url = reverse("web:customer_profile_edit", args=[agent.pk, "competitors", comp.pk])
    assert c.get(url).context["form"].initial["name"] == "扬子江药业"
    assert c.post(url, {"name": "扬子江药业集团", "notes": "返点15%"}).status_code == 302
    comp.refresh_from_db()
    assert comp.name == "扬子江药业集团"
    remove = reverse("web:customer_profile_action", args=[agent.pk, "competitors", comp.pk, "remove"])
    assert c.get(remove).status_code == 405
    r = c.post(remove, **HX)
    assert r.status_code == 200 and "尚未记录竞品/竞争对手" in r.content.decode()
    assert not CustomerCompetitor.objects.exists()
    # unknown sections and actions are 404
    assert c.get(reverse("web:customer_profile_new", args=[agent.pk, "nope"])).status_code == 404
    assert c.post(reverse("web:customer_profile_action", args=[agent.pk, "competitors", 1, "explode"])).status_code \
        == 404
    assert c.get(reverse("web:customer_profile_single", args=[agent.pk, "addresses"])).status_code == 404


def test_default_switch_and_deactivate_through_the_page(as_user, org, agent):
    c = as_user(org.rep_pd1)
    a = ps.shipping_address_create(actor=org.rep_pd1, customer_id=agent.pk, data=ADDRESS)
    b = ps.shipping_address_create(actor=org.rep_pd1, customer_id=agent.pk, data={**ADDRESS, "receiver": "李四"})
    r = c.post(reverse("web:customer_profile_action", args=[agent.pk, "addresses", b.pk, "default"]), **HX)
    assert r.status_code == 200
    b.refresh_from_db()
    assert b.is_default
    r = c.post(reverse("web:customer_profile_action", args=[agent.pk, "addresses", b.pk, "deactivate"]))
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.is_default
    body = detail(c, agent)
    assert "1 个已停用的地址" in body and 'data-testid="reactivate-address"' in body


def test_wanted_regions_fields_and_interests_forms(as_user, org, agent):
    from pharmcrm.catalog.models import Product

    c = as_user(org.rep_pd1)
    r = c.post(reverse("web:customer_profile_new", args=[agent.pk, "wanted-regions"]),
               {"region_code": "330100", "note": "杭州"})
    assert r.status_code == 302
    region = CustomerWantedRegion.objects.get()
    # the code is not editable, the note is
    form = c.get(reverse("web:customer_profile_edit", args=[agent.pk, "wanted-regions", region.pk])).context["form"]
    assert list(form.fields) == ["note"]
    r = c.post(reverse("web:customer_profile_new", args=[agent.pk, "fields"]),
               {"area": "cardio", "annual_volume": "1200000"})
    assert r.status_code == 302
    body = detail(c, agent)
    assert "浙江省 杭州市" in body, "the region's label"
    assert "心脑血管" in body, "the area's label"
    assert "1,200,000.00" in body
    from pharmcrm.catalog.services import build_search_text

    product = Product(generic_name="银杏叶片", spec="40mg*24片", dosage_form="tablet", manufacturer="某药业",
                      approval_number="国药准字Z20000001")
    product.search_text = build_search_text(product)
    product.save()
    r = c.post(reverse("web:customer_profile_new", args=[agent.pk, "interests"]),
               {"product": product.pk, "note": "要样品"})
    assert r.status_code == 302, r.content.decode()[:2000]
    assert "银杏叶片" in detail(c, agent)
    r = c.get(reverse("web:profile_product_lookup"), {"q": "银杏"})
    assert [p["id"] for p in r.json()] == [product.pk]


# --- key accounts and chains: no leak ----------------------------------------------------------

def test_key_account_of_an_invisible_hospital_is_a_placeholder(as_user, org, agent):
    hospital = make_customer(org.rep_pd1, "浦东人民医院", type="hospital")
    ps.key_account_add(actor=org.rep_pd1, customer_id=agent.pk,
                       data={"hospital_id": hospital.pk, "note": "院长老同学", "strength": 3})
    # 王芳 sees the agent (shared) but not the hospital
    make_share(agent, user=org.rep_px, access="write")
    body = detail(as_user(org.rep_px), agent)
    assert "浦东人民医院" not in body
    assert "（无权查看的终端）" in body and "院长老同学" in body
    assert reverse("web:customer_detail", args=[hospital.pk]) not in body
    # ... nor in the history tab
    r = as_user(org.rep_px).get(reverse("web:customer_detail", args=[agent.pk]), {"tab": "history"})
    assert "浦东人民医院" not in r.content.decode()
    # the owner sees the name and a link
    body = detail(as_user(org.rep_pd1), agent)
    assert "浦东人民医院" in body and reverse("web:customer_detail", args=[hospital.pk]) in body


def test_key_account_form_links_only_visible_hospitals(as_user, org, agent):
    hidden = make_customer(org.rep_gz, "广州中山医院", type="hospital")
    mine = make_customer(org.rep_pd1, "浦东人民医院", type="hospital")
    c = as_user(org.rep_pd1)
    url = reverse("web:customer_profile_new", args=[agent.pk, "key-accounts"])
    r = c.post(url, {"hospital": hidden.pk, "strength": 2})
    assert r.status_code == 400 and "广州中山医院" not in r.content.decode()
    assert not CustomerKeyAccount.objects.exists()
    assert c.post(url, {"hospital": mine.pk, "strength": 2, "note": "熟"}).status_code == 302
    # the look-up only offers visible hospitals and clinics
    r = c.get(reverse("web:profile_customer_lookup"), {"type": ["hospital", "clinic"], "q": "医院"})
    assert [x["id"] for x in r.json()] == [mine.pk]


def test_store_and_chain_no_leak(as_user, org):
    chain = make_customer(org.rep_gz, "大参林连锁", type="chain")
    store = make_customer(org.rep_pd1, "大参林（张江店）", type="pharmacy", parent_chain=chain)
    visible_store = make_customer(org.rep_gz, "大参林（天河店）", type="pharmacy", parent_chain=chain)
    body = detail(as_user(org.rep_pd1), store)
    assert "大参林连锁" not in body and "无权查看的总部" in body
    body = detail(as_user(org.south_head), chain)
    assert "大参林（天河店）" in body and "大参林（张江店）" not in body  # only the stores they see
    body = detail(as_user(org.admin), chain)
    assert "大参林（张江店）" in body and "大参林（天河店）" in body
    # a store's owner can set a chain they see
    own_chain = make_customer(org.rep_pd1, "老百姓大药房连锁", type="chain")
    c = as_user(org.rep_pd1)
    url = reverse("web:customer_profile_single", args=[store.pk, "head-office"])
    assert c.get(url).context["form"].initial["chain"] is None  # the invisible one is not offered
    assert c.post(url, {"chain": own_chain.pk}).status_code == 302
    store.refresh_from_db()
    assert store.parent_chain_id == own_chain.pk
    assert "老百姓大药房连锁" in detail(c, store)
    visible_store.refresh_from_db()


# --- the customer form: hospital fields ----------------------------------------------------------

def test_customer_form_hospital_fields(as_user, org):
    c = as_user(org.rep_pd1)
    base = {"name": "浦东人民医院", "type": "hospital", "status": "active"}
    r = c.post(reverse("web:customer_create"), {**base, "hospital_grade": "3A", "beds": "1200", "ownership": "public"})
    assert r.status_code == 302
    h = Customer.objects.get(name="浦东人民医院")
    assert (h.hospital_grade, h.beds, h.ownership) == ("3A", 1200, "public")
    r = c.post(reverse("web:customer_create"), {**base, "name": "某医院", "beds": "0"})
    assert r.status_code == 400
    # for another type the (hidden) fields are ignored
    r = c.post(reverse("web:customer_create"), {**base, "name": "某代理", "type": "agent", "beds": "50",
                                                "hospital_grade": "3A"})
    assert r.status_code == 302
    assert Customer.objects.get(name="某代理").beds is None
    # changing a hospital to another type clears them
    r = c.post(reverse("web:customer_edit", args=[h.pk]), {**base, "type": "distributor", "beds": "1200"})
    assert r.status_code == 302
    h.refresh_from_db()
    assert (h.hospital_grade, h.beds, h.ownership) == ("", None, "")
    form = c.get(reverse("web:customer_edit", args=[h.pk])).context["form"]
    assert {"hospital_grade", "beds", "ownership"} <= set(form.fields)


# --- performance ---------------------------------------------------------------------------------

def _counties(n: int) -> list[str]:
    from pharmcrm.core.regions import region_children

    return [r.code for r in region_children("330100")][:n]


def _fill(org, customer, n: int):
    counties = _counties(n)
    hospitals = [make_customer(org.rep_pd1, f"医院{customer.pk}-{i}", type="hospital") for i in range(n)]
    for i in range(n):
        ps.shipping_address_create(actor=org.rep_pd1, customer_id=customer.pk,
                                   data={**ADDRESS, "receiver": f"收货人{i}"})
        ps.wanted_region_add(actor=org.rep_pd1, customer_id=customer.pk, data={"region_code": counties[i]})
        ps.competitor_create(actor=org.rep_pd1, customer_id=customer.pk, data={"name": f"对手{i}"})
        ps.key_account_add(actor=org.rep_pd1, customer_id=customer.pk, data={"hospital_id": hospitals[i].pk})
    ps.invoice_profile_save(actor=org.rep_pd1, customer_id=customer.pk,
                            data={"title": customer.name, "taxpayer_id": VALID_CREDIT_CODE})
    areas = ["cardio", "oncology", "digestive", "respiratory", "endocrine", "neuro"]
    for a in areas[: min(n, len(areas))]:
        ps.product_field_add(actor=org.rep_pd1, customer_id=customer.pk, data={"area": a})
    for i in range(n):  # one inactive address each time
        if i % 3 == 0:
            addr = ShippingAddress.objects.filter(customer=customer, is_default=False, is_active=True).first()
            if addr:
                ps.shipping_address_deactivate(actor=org.rep_pd1, customer_id=customer.pk, address_id=addr.pk)


def _queries(client, customer) -> int:
    from pharmcrm.org.models import User

    User.objects.get(pk=client.session["_auth_user_id"])  # the session user, loaded each time anyway
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("web:customer_detail", args=[customer.pk])).status_code == 200
    return len(ctx.captured_queries)


def test_profile_page_queries_do_not_grow(as_user, org):
    small = make_customer(org.rep_pd1, "小客户", type="agent")
    big = make_customer(org.rep_pd1, "大客户", type="agent")
    _fill(org, small, 1)
    _fill(org, big, 6)
    c = as_user(org.rep_pd1)
    _queries(c, small)  # warm the caches (regions)
    assert _queries(c, small) == _queries(c, big)


# --- every profile route: peers and other branches get 404, nothing changes -----------------------

def _profile_urls(customer, ids) -> list[tuple[str, str]]:
    """(method, url) for every profile route, section, row and action (from the views' registry)."""
    from pharmcrm.web.views.customer_profile import SECTIONS, SINGLE

    item_of = {"addresses": "address_id", "wanted-regions": "region_id", "interests": "interest_id",
               "fields": "field_id", "key-accounts": "key_account_id", "competitors": "competitor_id"}
    urls = []
    for key, sec in SECTIONS.items():
        if key in SINGLE:
            url = reverse("web:customer_profile_single", args=[customer.pk, key])
            urls += [("get", url), ("post", url)]
            continue
        item = ids[item_of[key]]
        for name, args in (("web:customer_profile_new", [customer.pk, key]),
                           ("web:customer_profile_edit", [customer.pk, key, item])):
            urls += [("get", reverse(name, args=args)), ("post", reverse(name, args=args))]
        for action in sec.actions or {}:
            url = reverse("web:customer_profile_action", args=[customer.pk, key, item, action])
            urls += [("get", url), ("post", url)]
    return urls


def test_every_profile_route_is_enumerated():
    from tests.web.test_pages import _web_routes

    profile_names = {name for route, name in _web_routes() if "/profile/" in route}
    assert profile_names == {"customer_profile_single", "customer_profile_new", "customer_profile_edit",
                             "customer_profile_action"}


@pytest.mark.parametrize("peer", ["rep_pd2", "rep_px", "rep_gz", "south_head", "finance"])
def test_peers_get_404_on_every_profile_route(as_user, org, agent, peer):
    from tests.api.conftest import db_fingerprint
    from tests.customers.profile_helpers import fill_profile

    ids, hospital2, product2 = fill_profile(org.rep_pd1, agent)
    c = as_user(getattr(org, peer))
    before = db_fingerprint()
    data = {**ADDRESS, "name": "x", "title": "x", "taxpayer_id": VALID_CREDIT_CODE, "hospital": hospital2.pk,
            "product": product2.pk, "area": "oncology", "strength": 2, "chain": ""}
    for method, url in _profile_urls(agent, ids):
        r = c.get(url) if method == "get" else c.post(url, data)
        assert r.status_code == 404, (peer, method, url, r.status_code)
        r = c.get(url, **HX) if method == "get" else c.post(url, data, **HX)
        assert r.status_code == 404, (peer, method, url, "htmx")
    assert db_fingerprint() == before


def test_owner_reaches_every_profile_route(as_user, org, agent):
    from tests.customers.profile_helpers import fill_profile

    ids, _h, _p = fill_profile(org.rep_pd1, agent)
    c = as_user(org.rep_pd1)
    for method, url in _profile_urls(agent, ids):
        if method == "get":
            r = c.get(url)
            assert r.status_code == (405 if "/edit/" not in url and "/new/" not in url
                                     and url.rstrip("/").rsplit("/", 1)[-1] in
                                     ("default", "deactivate", "reactivate", "remove") else 200), url


def test_history_tab_labels_profile_changes_in_chinese(as_user, org, agent):
    a = ps.shipping_address_create(actor=org.rep_pd1, customer_id=agent.pk, data=ADDRESS)
    ps.shipping_address_create(actor=org.rep_pd1, customer_id=agent.pk, data={**ADDRESS, "receiver": "李四"})
    ps.shipping_address_deactivate(actor=org.rep_pd1, customer_id=agent.pk, address_id=a.pk)
    ps.invoice_profile_save(actor=org.rep_pd1, customer_id=agent.pk,
                            data={"title": agent.name, "taxpayer_id": VALID_CREDIT_CODE, "invoice_type": "electronic"})
    r = as_user(org.rep_pd1).get(reverse("web:customer_detail", args=[agent.pk]), {"tab": "history"})
    body = r.content.decode()
    for text in ("添加", "发货地址：王仓管", "收货人", "停用", "设为默认地址", "开票资料", "发票类型", "电子发票",
                 "浙江省" if False else "上海市 浦东新区"):
        assert text in body, text
    assert "profile_add" not in body and "receiver" not in body and "is_default" not in body
