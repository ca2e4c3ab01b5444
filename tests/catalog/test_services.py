"""catalog.services: who may write, product rules, price rules, audit."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from pharmcrm.catalog import selectors, services
from pharmcrm.catalog.models import Product, ProductPrice
from pharmcrm.core.audit import audit_customer_history
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.core.models import AuditEvent
from tests.catalog.conftest import make_product, product_data
from tests.factories import make_customer

pytestmark = pytest.mark.django_db
D = datetime.date


def add_price(cat, kind="supply", price="10", valid_from=None, **kw):
    valid_from = D(2025, 1, 1) if valid_from is None else valid_from
    return services.price_create(actor=cat.sales_admin, product_id=kw.pop("product", cat.amox).pk, kind=kind,
                                 price=price, valid_from=valid_from, **kw)


def error_of(fn) -> ApplicationError:
    with pytest.raises(ApplicationError) as exc:
        fn()
    return exc.value


# --- who may write ---------------------------------------------------------------------------

class TestRights:
    @pytest.mark.parametrize("who", ["rep_pd1", "pd_head", "ceo", "finance"])
    def test_only_admins_and_sales_admins_write(self, cat, who):
        user = getattr(cat.org, who)
        before = (Product.objects.count(), ProductPrice.objects.count(), AuditEvent.objects.count())
        for call in (
            lambda: make_product(user, spec="0.5g×24粒"),
            lambda: services.product_update(actor=user, product_id=cat.amox.pk, data={"notes": "x"}),
            lambda: services.product_set_status(actor=user, product_id=cat.amox.pk, status="discontinued"),
            lambda: services.price_create(actor=user, product_id=cat.amox.pk, kind="supply", price="1",
                                          valid_from=D(2025, 1, 1)),
        ):
            with pytest.raises(PermissionDenied):
                call()
        assert before == (Product.objects.count(), ProductPrice.objects.count(), AuditEvent.objects.count())

    def test_admin_writes(self, cat):
        p = make_product(cat.org.admin, spec="0.5g×24粒")
        assert p.created_by == cat.org.admin

    def test_floor_price_readers(self, cat):
        o = cat.org
        assert selectors.can_see_floor_price(o.admin)
        assert selectors.can_see_floor_price(cat.sales_admin)
        assert selectors.can_see_floor_price(o.finance)
        assert selectors.can_see_floor_price(o.pd_head) and selectors.can_see_floor_price(o.ceo)
        assert not selectors.can_see_floor_price(o.rep_pd1)
        assert not selectors.can_see_floor_price(o.rep_gz)
        o.admin.is_active = False
        assert not selectors.can_see_floor_price(o.admin)


# --- products --------------------------------------------------------------------------------

class TestProducts:
    def test_create_normalises_and_records(self, cat):
        p = make_product(cat.sales_admin, approval_number=" 国药准字 h20103026", spec="0.5g x 24粒",
                         generic_name=" 头孢克肟胶囊 ")
        assert p.approval_number == "国药准字H20103026" and p.spec == "0.5g×24粒" and p.generic_name == "头孢克肟胶囊"
        assert "tbkwjn" in p.search_text and "toubaokewojiaonang" in p.search_text and "h20103026" in p.search_text
        ev = AuditEvent.objects.get(target_type="product", target_id=p.pk, action="create")
        assert ev.changes["approval_number"] == [None, "国药准字H20103026"]
        assert p.tax_rate == Decimal("13.00")

    def test_required_and_choice_fields(self, cat):
        err = error_of(lambda: make_product(cat.sales_admin, generic_name="", dosage_form="nope", spec="",
                                            approval_number="", manufacturer=""))
        assert {"generic_name", "dosage_form", "spec", "approval_number", "manufacturer"} <= set(err.fields)

    def test_bad_approval_number(self, cat):
        err = error_of(lambda: make_product(cat.sales_admin, approval_number="国药准字H123", spec="1g"))
        assert err.fields["approval_number"] and err.code == "invalid"

    def test_same_number_and_spec_refused_naming_the_other(self, cat):
        err = error_of(lambda: make_product(cat.sales_admin, spec="0.25g x 24粒"))  # same after normalising
        assert "阿莫西林胶囊" in err.fields["approval_number"][0]
        # another pack of the same approval number is fine
        make_product(cat.sales_admin, spec="0.25g×36粒")

    def test_discontinued_twin_does_not_block(self, cat):
        services.product_set_status(actor=cat.sales_admin, product_id=cat.amox.pk, status="discontinued")
        twin = make_product(cat.sales_admin)
        assert twin.pk != cat.amox.pk
        # ... but the old one cannot come back on sale while the twin is on sale
        err = error_of(lambda: services.product_set_status(actor=cat.sales_admin, product_id=cat.amox.pk,
                                                           status="active"))
        assert "approval_number" in err.fields

    @pytest.mark.parametrize("field,value", [
        ("case_quantity", 0), ("case_quantity", "abc"), ("case_quantity", -5), ("case_quantity", True),
        ("tax_rate", "101"), ("tax_rate", "-1"), ("tax_rate", "13.555"), ("tax_rate", "abc"), ("tax_rate", "NaN"),
        ("generic_name", "x" * 101), ("notes", "x" * 5001), ("generic_name", 12), ("status", "gone"),
    ])
    def test_field_rules(self, cat, field, value):
        err = error_of(lambda: make_product(cat.sales_admin, spec="1g", **{field: value}))
        assert field in err.fields, err.fields

    def test_unknown_field(self, cat):
        err = error_of(lambda: services.product_update(actor=cat.sales_admin, product_id=cat.amox.pk,
                                                       data={"search_text": "x"}))
        assert err.code == "unknown_field"

    def test_update_records_only_changes(self, cat):
        services.product_update(actor=cat.sales_admin, product_id=cat.amox.pk,
                                data={"trade_name": "阿莫仙", "tax_rate": "9"})
        ev = AuditEvent.objects.filter(target_type="product", target_id=cat.amox.pk, action="update").get()
        assert ev.changes == {"tax_rate": ["13.00", "9"]}
        n = AuditEvent.objects.count()
        services.product_update(actor=cat.sales_admin, product_id=cat.amox.pk, data={"trade_name": "阿莫仙"})
        assert AuditEvent.objects.count() == n

    def test_missing_product(self, cat):
        with pytest.raises(NotFound):
            services.product_update(actor=cat.sales_admin, product_id=999999, data={})
        with pytest.raises(NotFound):
            selectors.product_get(actor=cat.org.rep_pd1, product_id=999999)

    def test_search(self, cat):
        def found(q):
            return set(selectors.product_list(actor=cat.org.rep_pd1, filters=selectors.ProductFilters(q=q))
                       .values_list("pk", flat=True))

        assert found("amxl") == {cat.amox.pk}           # initials of 阿莫西林
        assert found("amoxilin") == {cat.amox.pk}
        assert found("阿莫仙") == {cat.amox.pk}           # trade name
        assert found("ghz") == {cat.met.pk}              # initials of the trade name 格华止
        assert found("H20023370") == {cat.met.pk}
        assert found("国药准字 h2002") == {cat.met.pk}
        assert found("20023370") == {cat.met.pk}
        assert found("施贵宝") == {cat.met.pk}            # manufacturer
        assert found("") == {cat.amox.pk, cat.met.pk}
        assert found("国药准字") == {cat.amox.pk, cat.met.pk}


# --- prices ----------------------------------------------------------------------------------

class TestPrices:
    def test_create_and_audit(self, cat):
        p = add_price(cat, price="12.3456", notes="2025年全国供货价")
        assert p.price == Decimal("12.3456") and p.scope == "national"
        ev = AuditEvent.objects.get(target_type="productprice", target_id=p.pk)
        assert ev.action == "price_create" and ev.changes["price"] == [None, "12.3456"]

    @pytest.mark.parametrize("price,msg", [("0", "大于0"), ("-1", "大于0"), ("1.23456", "4位小数"), ("abc", "数字"),
                                           ("1e30", "过大")])
    def test_price_must_be_positive_with_4_decimals(self, cat, price, msg):
        err = error_of(lambda: add_price(cat, price=price))
        assert msg in err.fields["price"][0]

    def test_dates(self, cat):
        err = error_of(lambda: add_price(cat, valid_from=D(2025, 2, 1), valid_to=D(2025, 1, 31)))
        assert "valid_to" in err.fields
        err = error_of(lambda: add_price(cat, valid_from=""))
        assert "valid_from" in err.fields
        err = error_of(lambda: add_price(cat, valid_from="2025-13-01"))
        assert "valid_from" in err.fields
        add_price(cat, valid_from=D(2025, 2, 1), valid_to=D(2025, 2, 1))  # one day is fine

    def test_every_bad_field_reported_at_once(self, cat):
        err = error_of(lambda: add_price(cat, kind="x", price="0", valid_from="x", region_code="12"))
        assert {"kind", "price", "valid_from", "region_code"} <= set(err.fields)

    def test_overlap_in_the_same_scope_is_refused_naming_the_other(self, cat):
        first = add_price(cat, price="10", valid_from=D(2025, 1, 1), valid_to=D(2025, 6, 30))
        err = error_of(lambda: add_price(cat, price="11", valid_from=D(2025, 6, 30)))
        assert err.code == "price_overlap"
        assert "供货价" in err.message and "2025-01-01" in err.message and "10.0000" in err.message
        add_price(cat, price="11", valid_from=D(2025, 7, 1))  # the day after: fine
        # other kinds, other scopes and other products do not collide
        add_price(cat, kind="agency", price="8", valid_from=D(2025, 1, 1))
        add_price(cat, price="9", valid_from=D(2025, 1, 1), region_code="310000")
        services.price_create(actor=cat.org.admin, product_id=cat.amox.pk, kind="supply", price="9",
                              valid_from=D(2025, 1, 1), customer_id=cat.cust_pd.pk)
        add_price(cat, product=cat.met, price="9", valid_from=D(2025, 1, 1))
        assert first.pk

    def test_voided_prices_do_not_collide(self, cat):
        p = add_price(cat)
        services.price_void(actor=cat.sales_admin, price_id=p.pk, reason="录错了")
        add_price(cat)

    def test_replace_current_ends_the_open_price(self, cat):
        old = add_price(cat, price="10", valid_from=D(2025, 1, 1))
        new = add_price(cat, price="12", valid_from=D(2025, 7, 1), replace_current=True)
        old.refresh_from_db()
        assert old.valid_to == D(2025, 6, 30) and new.valid_to is None
        # a bounded price inside an open one would leave a gap: refused like any overlap
        err = error_of(lambda: add_price(cat, price="11", valid_from=D(2025, 8, 1), valid_to=D(2025, 8, 31),
                                         replace_current=True))
        assert err.code == "price_overlap"
        # starting on the same day is not a replacement either
        err = error_of(lambda: add_price(cat, price="13", valid_from=D(2025, 7, 1), replace_current=True))
        assert err.code == "price_overlap"

    def test_region_and_customer_scope(self, cat):
        err = error_of(lambda: add_price(cat, region_code="3100"))
        assert "region_code" in err.fields
        err = error_of(lambda: add_price(cat, region_code="310000", customer_id=cat.cust_pd.pk))
        assert "region_code" in err.fields
        p = add_price(cat, region_code="310000")
        assert p.scope == "region"

    def test_customer_must_be_visible_to_the_writer(self, cat):
        # the sales admin sees no customer of the field force: refused like a missing one
        err = error_of(lambda: services.price_create(actor=cat.sales_admin, product_id=cat.amox.pk,
                                                     kind="supply", price="9", valid_from=D(2025, 1, 1),
                                                     customer_id=cat.cust_pd.pk))
        assert err.fields == {"customer_id": ["客户不存在。"]} or "customer_id" in err.fields
        missing = error_of(lambda: services.price_create(actor=cat.sales_admin, product_id=cat.amox.pk,
                                                         kind="supply", price="9", valid_from=D(2025, 1, 1),
                                                         customer_id=999999))
        assert missing.fields == err.fields
        p = services.price_create(actor=cat.org.admin, product_id=cat.amox.pk, kind="supply", price="9",
                                  valid_from=D(2025, 1, 1), customer_id=cat.cust_pd.pk)
        assert p.scope == "customer"

    def test_customer_price_in_customer_history_but_not_floor(self, cat):
        admin = cat.org.admin
        services.price_create(actor=admin, product_id=cat.amox.pk, kind="supply", price="9",
                              valid_from=D(2025, 1, 1), customer_id=cat.cust_pd.pk)
        services.price_create(actor=admin, product_id=cat.amox.pk, kind="floor", price="7",
                              valid_from=D(2025, 1, 1), customer_id=cat.cust_pd.pk)
        actions = [(e.action, e.changes.get("kind")) for e in audit_customer_history(customer_id=cat.cust_pd.pk)]
        assert ("price_create", [None, "supply"]) in actions
        assert all(k != [None, "floor"] for _a, k in actions)

    def test_discontinued_product_takes_no_new_price(self, cat):
        services.product_set_status(actor=cat.sales_admin, product_id=cat.amox.pk, status="discontinued")
        assert error_of(lambda: add_price(cat)).code == "product_discontinued"

    def test_end(self, cat):
        p = add_price(cat, valid_from=D(2025, 1, 1))
        services.price_end(actor=cat.sales_admin, price_id=p.pk, valid_to=D(2025, 3, 31))
        p.refresh_from_db()
        assert p.valid_to == D(2025, 3, 31)
        assert AuditEvent.objects.filter(target_id=p.pk, action="price_end").exists()
        err = error_of(lambda: services.price_end(actor=cat.sales_admin, price_id=p.pk, valid_to=D(2024, 12, 31)))
        assert "valid_to" in err.fields
        # extending over the next price is refused
        add_price(cat, valid_from=D(2025, 4, 1))
        err = error_of(lambda: services.price_end(actor=cat.sales_admin, price_id=p.pk, valid_to=D(2025, 4, 30)))
        assert err.code == "price_overlap"
        with pytest.raises(PermissionDenied):
            services.price_end(actor=cat.org.rep_pd1, price_id=p.pk, valid_to=D(2025, 2, 1))

    def test_void_needs_a_reason(self, cat):
        p = add_price(cat)
        assert "reason" in error_of(lambda: services.price_void(actor=cat.sales_admin, price_id=p.pk, reason=" ")).fields
        services.price_void(actor=cat.sales_admin, price_id=p.pk, reason="单位录错")
        p.refresh_from_db()
        assert p.is_void and p.void_reason == "单位录错"
        assert error_of(lambda: services.price_end(actor=cat.sales_admin, price_id=p.pk,
                                                   valid_to=D(2026, 1, 1))).code == "price_void"

    def test_invisible_customer_price_is_not_found_for_writers(self, cat):
        p = services.price_create(actor=cat.org.admin, product_id=cat.amox.pk, kind="supply", price="9",
                                  valid_from=D(2025, 1, 1), customer_id=cat.cust_pd.pk)
        with pytest.raises(NotFound):
            services.price_end(actor=cat.sales_admin, price_id=p.pk, valid_to=D(2025, 2, 1))


class TestPriceReading:
    def test_floor_and_customer_prices_hidden(self, cat):
        admin = cat.org.admin
        floor = add_price(cat, kind="floor", price="6")
        supply = add_price(cat, kind="supply", price="10")
        own = services.price_create(actor=admin, product_id=cat.amox.pk, kind="supply", price="9",
                                    valid_from=D(2025, 1, 1), customer_id=cat.cust_pd.pk)
        other = services.price_create(actor=admin, product_id=cat.amox.pk, kind="supply", price="9.5",
                                      valid_from=D(2025, 1, 1), customer_id=cat.cust_gz.pk)

        def seen(user):
            return set(selectors.product_prices(actor=user, product_id=cat.amox.pk).values_list("pk", flat=True))

        o = cat.org
        assert seen(o.rep_pd1) == {supply.pk, own.pk}
        assert seen(o.rep_gz) == {supply.pk, other.pk}
        assert seen(o.rep_px) == {supply.pk}
        assert seen(o.pd_head) == {floor.pk, supply.pk, own.pk}
        assert seen(o.finance) == {floor.pk, supply.pk}
        assert seen(o.admin) == {floor.pk, supply.pk, own.pk, other.pk}
        with pytest.raises(NotFound):
            selectors.price_get(actor=o.rep_pd1, price_id=floor.pk)
        with pytest.raises(NotFound):
            selectors.price_get(actor=o.rep_pd1, price_id=other.pk)
        # the product's history follows the same rule
        hist = {(e.target_type, e.target_id) for e in selectors.product_history(actor=o.rep_pd1, product=cat.amox)}
        assert ("productprice", supply.pk) in hist and ("productprice", own.pk) in hist
        assert ("productprice", floor.pk) not in hist and ("productprice", other.pk) not in hist
        assert ("product", cat.amox.pk) in hist

    def test_current_prices_one_query(self, cat, django_assert_num_queries):
        add_price(cat, kind="supply", price="10", valid_from=D(2024, 1, 1), valid_to=D(2024, 12, 31))
        add_price(cat, kind="supply", price="11", valid_from=D(2025, 1, 1))
        add_price(cat, kind="floor", price="6", valid_from=D(2025, 1, 1))
        add_price(cat, kind="agency", price="8", valid_from=D(2025, 1, 1), region_code="310000")
        user = cat.org.rep_pd1
        _ = user.role_codes, user.headed_department_ids
        with django_assert_num_queries(1):
            cur = selectors.current_prices(actor=user, product_ids=[cat.amox.pk, cat.met.pk], on_date=D(2025, 5, 1))
        assert {k: str(p.price) for k, p in cur[cat.amox.pk].items()} == {"supply": "11.0000"}
        assert cat.met.pk not in cur


def test_customer_factory_region(cat):
    c = make_customer(cat.org.rep_pd1, "某客户", region_code="310115")
    assert c.region_code == "310115"


def test_product_data_is_valid():
    assert product_data()["approval_number"] == "国药准字H44021351"
