"""customers.profile_services: every rule of the 360° profile, rights, audit, default address."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from pharmcrm.core.audit import audit_customer_history
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.core.models import AuditEvent
from pharmcrm.customers import profile_services as ps
from pharmcrm.customers import services
from pharmcrm.customers.models import (
    Customer,
    CustomerCompetitor,
    CustomerKeyAccount,
    CustomerProductField,
    CustomerWantedRegion,
    InvoiceProfile,
    ShippingAddress,
)
from pharmcrm.org.models import User
from tests.factories import VALID_CREDIT_CODE, make_customer, make_share

pytestmark = pytest.mark.django_db

ADDRESS = {"receiver": "王仓管", "phone": "13812345678", "region_code": "310115", "address": "上海市浦东新区张江路1号"}
INVOICE = {"title": "上海中医药有限公司", "taxpayer_id": VALID_CREDIT_CODE, "address": "上海市浦东新区张江路1号",
           "phone": "021-50001234", "bank": "招商银行上海张江支行", "account": "6214 8301 2345 6789",
           "invoice_type": "vat_special"}


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


@pytest.fixture
def agent(org):
    return make_customer(org.rep_pd1, "上海中医药有限公司", type="agent", credit_code=VALID_CREDIT_CODE,
                         address="上海市浦东新区张江路1号", phone="021-50001234")


def fields_of(exc) -> set[str]:
    return set(exc.value.fields)


# --- rights ----------------------------------------------------------------------------------

WRITERS = [
    ("invoice", lambda a, c: ps.invoice_profile_save(actor=a, customer_id=c.pk, data=INVOICE)),
    ("address", lambda a, c: ps.shipping_address_create(actor=a, customer_id=c.pk, data=ADDRESS)),
    ("region", lambda a, c: ps.wanted_region_add(actor=a, customer_id=c.pk, data={"region_code": "330100"})),
    ("field", lambda a, c: ps.product_field_add(actor=a, customer_id=c.pk, data={"area": "cardio"})),
    ("competitor", lambda a, c: ps.competitor_create(actor=a, customer_id=c.pk, data={"name": "扬子江药业"})),
    ("head_office", lambda a, c: ps.customer_set_head_office(actor=a, customer_id=c.pk, chain_id=None)),
]


@pytest.mark.parametrize("name,call", WRITERS)
def test_peers_get_not_found_and_read_only_sharees_permission_denied(org, agent, name, call):
    before = AuditEvent.objects.count()
    for peer in (org.rep_pd2, org.rep_px, org.south_head, org.finance):
        with pytest.raises(NotFound):
            call(fresh(peer), agent)
    make_share(agent, user=org.rep_px, access="read")
    with pytest.raises(PermissionDenied):
        call(fresh(org.rep_px), agent)
    assert AuditEvent.objects.count() == before
    # owner, a head above and a read-write sharee may write
    make_share(agent, user=org.rep_gz, access="write")
    for writer in (org.rep_pd1, org.pd_head, org.rep_gz):
        if name in ("region", "field"):
            CustomerWantedRegion.objects.all().delete()
            CustomerProductField.objects.all().delete()
        call(fresh(writer), agent)


def test_deleted_customer_is_not_found(org, agent):
    services.customer_delete(actor=org.rep_pd1, customer_id=agent.pk)
    with pytest.raises(NotFound):
        ps.shipping_address_create(actor=fresh(org.rep_pd1), customer_id=agent.pk, data=ADDRESS)


# --- invoicing data --------------------------------------------------------------------------

class TestInvoice:
    def test_create_then_update_audited(self, org, agent):
        p = ps.invoice_profile_save(actor=org.rep_pd1, customer_id=agent.pk, data=INVOICE)
        assert p.account == "6214830123456789"  # spaces dropped
        assert p.taxpayer_id == VALID_CREDIT_CODE
        ev = audit_customer_history(customer_id=agent.pk)[0]
        assert ev.action == "profile_add" and ev.target_type == "invoiceprofile"
        assert ev.changes["title"] == [None, INVOICE["title"]]
        ps.invoice_profile_save(actor=org.rep_pd1, customer_id=agent.pk, data={**INVOICE, "invoice_type": "electronic"})
        assert InvoiceProfile.objects.count() == 1
        ev = audit_customer_history(customer_id=agent.pk)[0]
        assert ev.action == "profile_update" and ev.changes == {"invoice_type": ["vat_special", "electronic"]}
        # nothing changed: no event
        n = AuditEvent.objects.count()
        ps.invoice_profile_save(actor=org.rep_pd1, customer_id=agent.pk, data={**INVOICE, "invoice_type": "electronic"})
        assert AuditEvent.objects.count() == n

    @pytest.mark.parametrize("tid", ["123456789012345", "12345678901234567", "12345678901234567890",
                                     VALID_CREDIT_CODE.lower(), " 91350100 M000100Y43 "])
    def test_taxpayer_id_lengths(self, org, agent, tid):
        p = ps.invoice_profile_save(actor=org.rep_pd1, customer_id=agent.pk, data={**INVOICE, "taxpayer_id": tid})
        assert p.taxpayer_id == tid.replace(" ", "").upper()

    @pytest.mark.parametrize("tid", ["1234567890123", "1234567890123456", "1234567890123456789",
                                     "91350100M000100Y44", "91350100M000100Y4!", "123456789012345678901"])
    def test_bad_taxpayer_id(self, org, agent, tid):
        with pytest.raises(ApplicationError) as exc:
            ps.invoice_profile_save(actor=org.rep_pd1, customer_id=agent.pk, data={**INVOICE, "taxpayer_id": tid})
        assert fields_of(exc) == {"taxpayer_id"}
        assert not InvoiceProfile.objects.exists()

    @pytest.mark.parametrize("data,field", [
        ({"title": ""}, "title"), ({"title": "x" * 201}, "title"), ({"account": "12-34"}, "account"),
        ({"account": "abcdefghij"}, "account"), ({"account": "1" * 33}, "account"),
        ({"invoice_type": "paper"}, "invoice_type"), ({"phone": "12345"}, "phone"), ({"title": 5}, "title"),
        ({"unknown": "x"}, "unknown"), ({"bank": ""}, "bank"),
    ])
    def test_bad_input(self, org, agent, data, field):
        with pytest.raises(ApplicationError) as exc:
            ps.invoice_profile_save(actor=org.rep_pd1, customer_id=agent.pk, data={**INVOICE, **data})
        assert field in fields_of(exc)

    def test_missing_required(self, org, agent):
        with pytest.raises(ApplicationError) as exc:
            ps.invoice_profile_save(actor=org.rep_pd1, customer_id=agent.pk, data={})
        assert fields_of(exc) == {"title", "taxpayer_id"}

    def test_prefill_from_customer(self, org, agent):
        from pharmcrm.customers.profile_selectors import invoice_initial

        assert invoice_initial(agent)["title"] == agent.name
        assert invoice_initial(agent)["taxpayer_id"] == VALID_CREDIT_CODE


# --- shipping addresses ------------------------------------------------------------------------

def active_defaults(customer) -> list[int]:
    return list(ShippingAddress.objects.filter(customer=customer, is_default=True, is_active=True)
                .values_list("pk", flat=True))


class TestAddresses:
    def test_first_is_default_and_switching(self, org, agent):
        a = ps.shipping_address_create(actor=org.rep_pd1, customer_id=agent.pk, data=ADDRESS)
        b = ps.shipping_address_create(actor=org.rep_pd1, customer_id=agent.pk, data={**ADDRESS, "receiver": "李四"})
        assert active_defaults(agent) == [a.pk]
        ps.shipping_address_set_default(actor=org.rep_pd1, customer_id=agent.pk, address_id=b.pk)
        assert active_defaults(agent) == [b.pk]
        c = ps.shipping_address_create(actor=org.rep_pd1, customer_id=agent.pk,
                                       data={**ADDRESS, "receiver": "赵六", "is_default": True})
        assert active_defaults(agent) == [c.pk]
        ps.shipping_address_update(actor=org.rep_pd1, customer_id=agent.pk, address_id=a.pk,
                                   data={"is_default": True, "notes": "仓库后门"})
        assert active_defaults(agent) == [a.pk]
        ev = audit_customer_history(customer_id=agent.pk)[0]
        assert ev.action == "profile_update" and ev.changes["is_default"] == [False, True]

    def test_default_cannot_be_unset_directly(self, org, agent):
        a = ps.shipping_address_create(actor=org.rep_pd1, customer_id=agent.pk, data=ADDRESS)
        with pytest.raises(ApplicationError) as exc:
            ps.shipping_address_update(actor=org.rep_pd1, customer_id=agent.pk, address_id=a.pk,
                                       data={"is_default": False})
        assert fields_of(exc) == {"is_default"}

    def test_deactivate_promotes_another_and_reactivate(self, org, agent):
        a = ps.shipping_address_create(actor=org.rep_pd1, customer_id=agent.pk, data=ADDRESS)
        b = ps.shipping_address_create(actor=org.rep_pd1, customer_id=agent.pk, data={**ADDRESS, "receiver": "李四"})
        ps.shipping_address_deactivate(actor=org.rep_pd1, customer_id=agent.pk, address_id=a.pk)
        a.refresh_from_db()
        assert not a.is_active and not a.is_default and active_defaults(agent) == [b.pk]
        assert ShippingAddress.objects.filter(pk=a.pk).exists()  # never deleted
        with pytest.raises(ApplicationError):
            ps.shipping_address_set_default(actor=org.rep_pd1, customer_id=agent.pk, address_id=a.pk)
        ps.shipping_address_deactivate(actor=org.rep_pd1, customer_id=agent.pk, address_id=b.pk)
        assert active_defaults(agent) == []
        ps.shipping_address_reactivate(actor=org.rep_pd1, customer_id=agent.pk, address_id=a.pk)
        assert active_defaults(agent) == [a.pk]  # the only active one is the default again
        actions = [e.action for e in audit_customer_history(customer_id=agent.pk)]
        assert "address_deactivate" in actions and "address_reactivate" in actions

    def test_other_customers_address_is_not_found(self, org, agent):
        other = make_customer(org.rep_pd1, "另一家")
        a = ps.shipping_address_create(actor=org.rep_pd1, customer_id=other.pk, data=ADDRESS)
        for call in (ps.shipping_address_set_default, ps.shipping_address_deactivate, ps.shipping_address_reactivate):
            with pytest.raises(NotFound):
                call(actor=org.rep_pd1, customer_id=agent.pk, address_id=a.pk)

    @pytest.mark.parametrize("data,field", [
        ({"receiver": ""}, "receiver"), ({"phone": "123"}, "phone"), ({"phone": "2345678901"}, "phone"),
        ({"region_code": "31011"}, "region_code"), ({"region_code": "abcdef"}, "region_code"),
        ({"address": ""}, "address"), ({"is_default": "yes"}, "is_default"), ({"notes": "x" * 301}, "notes"),
    ])
    def test_bad_input(self, org, agent, data, field):
        with pytest.raises(ApplicationError) as exc:
            ps.shipping_address_create(actor=org.rep_pd1, customer_id=agent.pk, data={**ADDRESS, **data})
        assert field in fields_of(exc)
        assert not ShippingAddress.objects.exists()

    @pytest.mark.parametrize("phone,stored", [
        ("138 1234 5678", "13812345678"), ("+86 13812345678", "13812345678"), ("021-50001234", "021-50001234"),
        ("(021)50001234", "021-50001234"), ("0755-88888888-123", "0755-88888888-123"),
        ("400-820-8820", "400-820-8820"),
    ])
    def test_phone_formats(self, org, agent, phone, stored):
        a = ps.shipping_address_create(actor=org.rep_pd1, customer_id=agent.pk, data={**ADDRESS, "phone": phone})
        assert a.phone == stored

    def test_database_allows_one_default_only(self, org, agent):
        ps.shipping_address_create(actor=org.rep_pd1, customer_id=agent.pk, data=ADDRESS)
        with pytest.raises(IntegrityError), transaction.atomic():
            ShippingAddress.objects.create(customer=agent, is_default=True, **ADDRESS)
        with pytest.raises(IntegrityError), transaction.atomic():
            ShippingAddress.objects.create(customer=agent, is_default=True, is_active=False, **ADDRESS)


# --- wanted regions, product fields, competitors -------------------------------------------------

def test_wanted_regions(org, agent):
    r = ps.wanted_region_add(actor=org.rep_pd1, customer_id=agent.pk, data={"region_code": "330100", "note": "杭州"})
    with pytest.raises(ApplicationError) as exc:
        ps.wanted_region_add(actor=org.rep_pd1, customer_id=agent.pk, data={"region_code": "330100"})
    assert fields_of(exc) == {"region_code"}
    ps.wanted_region_update(actor=org.rep_pd1, customer_id=agent.pk, region_id=r.pk, data={"note": "杭州全市"})
    r.refresh_from_db()
    assert r.note == "杭州全市"
    with pytest.raises(ApplicationError):  # the code itself is not editable: remove and add
        ps.wanted_region_update(actor=org.rep_pd1, customer_id=agent.pk, region_id=r.pk, data={"region_code": "1"})
    ps.wanted_region_remove(actor=org.rep_pd1, customer_id=agent.pk, region_id=r.pk)
    assert not CustomerWantedRegion.objects.exists()
    ev = audit_customer_history(customer_id=agent.pk)[0]
    assert ev.action == "profile_remove" and ev.changes["region_code"] == ["330100", None]


def test_product_fields(org, agent):
    f = ps.product_field_add(actor=org.rep_pd1, customer_id=agent.pk,
                             data={"area": "cardio", "annual_volume": "1,200,000"})
    assert f.annual_volume == Decimal("1200000.00")
    with pytest.raises(ApplicationError):
        ps.product_field_add(actor=org.rep_pd1, customer_id=agent.pk, data={"area": "cardio"})
    for bad in ({"area": "astrology"}, {"area": "oncology", "annual_volume": "-1"},
                {"area": "oncology", "annual_volume": "abc"}, {"area": "oncology", "annual_volume": 1.5},
                {"area": "oncology", "annual_volume": "1e20"}, {"area": "oncology", "annual_volume": "NaN"}):
        with pytest.raises(ApplicationError):
            ps.product_field_add(actor=org.rep_pd1, customer_id=agent.pk, data=bad)
    ps.product_field_update(actor=org.rep_pd1, customer_id=agent.pk, field_id=f.pk, data={"annual_volume": None})
    f.refresh_from_db()
    assert f.annual_volume is None
    ps.product_field_remove(actor=org.rep_pd1, customer_id=agent.pk, field_id=f.pk)
    assert not CustomerProductField.objects.exists()


def test_competitors(org, agent):
    c = ps.competitor_create(actor=org.rep_pd1, customer_id=agent.pk,
                             data={"name": "扬子江药业", "products": "银杏叶片", "notes": "返点高"})
    ps.competitor_update(actor=org.rep_pd1, customer_id=agent.pk, competitor_id=c.pk, data={"notes": "返点15%"})
    c.refresh_from_db()
    assert (c.name, c.notes) == ("扬子江药业", "返点15%")
    with pytest.raises(ApplicationError):
        ps.competitor_create(actor=org.rep_pd1, customer_id=agent.pk, data={"name": " "})
    with pytest.raises(ApplicationError):
        ps.competitor_update(actor=org.rep_pd1, customer_id=agent.pk, competitor_id=c.pk, data={"name": ""})
    ps.competitor_remove(actor=org.rep_pd1, customer_id=agent.pk, competitor_id=c.pk)
    assert not CustomerCompetitor.objects.exists()
    ev = audit_customer_history(customer_id=agent.pk)[0]
    assert ev.changes["name"] == ["扬子江药业", None]


# --- key accounts --------------------------------------------------------------------------------

class TestKeyAccounts:
    def test_link_requires_seeing_a_hospital(self, org, agent):
        own = make_customer(org.rep_pd1, "浦东人民医院", type="hospital")
        clinic = make_customer(org.rep_pd1, "张江社区卫生服务中心", type="clinic")
        hidden = make_customer(org.rep_gz, "广州中山医院", type="hospital")
        not_hospital = make_customer(org.rep_pd1, "国药控股", type="distributor")
        ka = ps.key_account_add(actor=org.rep_pd1, customer_id=agent.pk,
                                data={"hospital_id": own.pk, "note": "院长老同学", "strength": 3})
        ps.key_account_add(actor=org.rep_pd1, customer_id=agent.pk, data={"hospital_id": clinic.pk})
        messages = set()
        for bad in (hidden.pk, not_hospital.pk, 999999, "abc", None, -1, True):
            with pytest.raises(ApplicationError) as exc:
                ps.key_account_add(actor=org.rep_pd1, customer_id=agent.pk, data={"hospital_id": bad})
            assert fields_of(exc) == {"hospital_id"}
            messages.add(exc.value.fields["hospital_id"][0])
        assert len(messages) == 1  # invisible, missing and wrong type answer alike
        with pytest.raises(ApplicationError):
            ps.key_account_add(actor=org.rep_pd1, customer_id=agent.pk, data={"hospital_id": own.pk})
        with pytest.raises(ApplicationError):
            ps.key_account_add(actor=org.rep_pd1, customer_id=own.pk, data={"hospital_id": own.pk})
        for bad in (0, 4, "x", 2.5):
            with pytest.raises(ApplicationError):
                ps.key_account_update(actor=org.rep_pd1, customer_id=agent.pk, key_account_id=ka.pk,
                                      data={"strength": bad})
        ps.key_account_update(actor=org.rep_pd1, customer_id=agent.pk, key_account_id=ka.pk, data={"strength": 1})
        ka.refresh_from_db()
        assert ka.strength == 1
        ps.key_account_remove(actor=org.rep_pd1, customer_id=agent.pk, key_account_id=ka.pk)
        assert CustomerKeyAccount.objects.count() == 1

    def test_audit_never_names_the_hospital(self, org, agent):
        h = make_customer(org.rep_pd1, "浦东人民医院", type="hospital")
        ka = ps.key_account_add(actor=org.rep_pd1, customer_id=agent.pk, data={"hospital_id": h.pk})
        ps.key_account_remove(actor=org.rep_pd1, customer_id=agent.pk, key_account_id=ka.pk)
        for ev in AuditEvent.objects.filter(customer_id=agent.pk):
            assert "浦东人民医院" not in ev.target_label and "浦东人民医院" not in str(ev.changes)


# --- hospital fields and chains --------------------------------------------------------------------

class TestHospitalFields:
    def test_hospital_fields_for_hospitals(self, org):
        h = services.customer_create(actor=org.rep_pd1, data={
            "type": "hospital", "name": "浦东人民医院", "hospital_grade": "3A", "beds": 1200, "ownership": "public"})
        h.refresh_from_db()
        assert (h.hospital_grade, h.beds, h.ownership) == ("3A", 1200, "public")
        ev = audit_customer_history(customer_id=h.pk)[0]
        assert ev.changes["beds"] == [None, 1200]
        services.customer_update(actor=org.rep_pd1, customer_id=h.pk, data={"beds": "800"})
        h.refresh_from_db()
        assert h.beds == 800

    @pytest.mark.parametrize("data", [{"beds": 0}, {"beds": -5}, {"beds": "many"}, {"beds": 10**9},
                                      {"hospital_grade": "5A"}, {"ownership": "state"}, {"beds": True}])
    def test_bad_hospital_values(self, org, data):
        with pytest.raises(ApplicationError) as exc:
            services.customer_create(actor=org.rep_pd1, data={"type": "hospital", "name": "某医院", **data})
        assert fields_of(exc) == set(data)
        assert not Customer.objects.exists()

    def test_refused_for_other_types_and_cleared_on_type_change(self, org):
        with pytest.raises(ApplicationError) as exc:
            services.customer_create(actor=org.rep_pd1, data={"type": "agent", "name": "某代理", "beds": 10})
        assert fields_of(exc) == {"beds"}
        # empty values are fine for any type
        services.customer_create(actor=org.rep_pd1, data={"type": "agent", "name": "某代理", "beds": None,
                                                          "hospital_grade": "", "ownership": ""})
        h = services.customer_create(actor=org.rep_pd1, data={
            "type": "clinic", "name": "社区诊所", "hospital_grade": "1", "beds": 20, "ownership": "private"})
        services.customer_update(actor=org.rep_pd1, customer_id=h.pk, data={"type": "pharmacy"})
        h.refresh_from_db()
        assert (h.hospital_grade, h.beds, h.ownership) == ("", None, "")


class TestChains:
    def test_store_points_at_visible_chain(self, org):
        chain = make_customer(org.rep_pd1, "老百姓大药房连锁", type="chain")
        store = make_customer(org.rep_pd1, "老百姓大药房（张江店）", type="pharmacy")
        hidden_chain = make_customer(org.rep_gz, "大参林连锁", type="chain")
        agent = make_customer(org.rep_pd1, "某代理", type="agent")
        ps.customer_set_head_office(actor=org.rep_pd1, customer_id=store.pk, chain_id=chain.pk)
        store.refresh_from_db()
        assert store.parent_chain_id == chain.pk
        ev = audit_customer_history(customer_id=store.pk)[0]
        assert ev.changes == {"parent_chain_id": [None, chain.pk]}
        for bad in (hidden_chain.pk, agent.pk, store.pk, 999999):
            with pytest.raises(ApplicationError) as exc:
                ps.customer_set_head_office(actor=org.rep_pd1, customer_id=store.pk, chain_id=bad)
            assert fields_of(exc) == {"chain_id"}
        with pytest.raises(ApplicationError):  # only stores join a chain
            ps.customer_set_head_office(actor=org.rep_pd1, customer_id=agent.pk, chain_id=chain.pk)
        ps.customer_set_head_office(actor=org.rep_pd1, customer_id=store.pk, chain_id=None)
        store.refresh_from_db()
        assert store.parent_chain_id is None

    def test_store_leaves_chain_when_it_stops_being_a_store(self, org):
        chain = make_customer(org.rep_pd1, "老百姓大药房连锁", type="chain")
        store = make_customer(org.rep_pd1, "老百姓大药房（张江店）", type="pharmacy", parent_chain=chain)
        services.customer_update(actor=org.rep_pd1, customer_id=store.pk, data={"type": "other"})
        store.refresh_from_db()
        assert store.parent_chain_id is None
