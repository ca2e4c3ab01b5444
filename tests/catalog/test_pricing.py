"""price_for: customer > most specific region containing the customer's region > national.

The property tests build random price lists (random scopes, periods, voided rows) and compare
``price_for`` with a plain-Python reference on random days, customers and regions."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from pharmcrm.catalog import selectors, services
from pharmcrm.catalog.models import Product, ProductPrice
from pharmcrm.catalog.pricing import price_for, price_map
from pharmcrm.catalog.regions import region_contains, region_prefix

pytestmark = pytest.mark.django_db
D = datetime.date

# a small region tree: 浙江 (杭州: 西湖, 上城; 宁波: 海曙), 上海 (浦东), 广东 (东莞: a city without counties)
REGIONS = ["330000", "330100", "330106", "330102", "330200", "330203", "310000", "310115", "440000", "441900"]


def test_specificity_order(cat):
    admin = cat.org.admin
    day = D(2025, 5, 1)

    def add(price, **kw):
        return services.price_create(actor=admin, product_id=cat.amox.pk, kind="supply", price=price,
                                     valid_from=D(2025, 1, 1), **kw)

    def pick(customer=None, region_code=None):
        p = price_for(product=cat.amox, kind="supply", on_date=day, customer=customer, region_code=region_code)
        return p and str(p.price)

    assert pick() is None
    add("10")
    assert pick(cat.cust_pd) == "10.0000"
    add("9", region_code="310000")
    assert pick(cat.cust_pd) == "9.0000" and pick(cat.cust_gz) == "10.0000"
    add("8.5", region_code="310115")
    assert pick(cat.cust_pd) == "8.5000"
    add("8", customer_id=cat.cust_pd.pk)
    assert pick(cat.cust_pd) == "8.0000"
    # without a customer: the region (or national)
    assert pick(region_code="310115") == "8.5000" and pick(region_code="310104") == "9.0000" and pick() == "10.0000"
    # another kind, another day
    assert price_for(product=cat.amox, kind="agency", on_date=day, customer=cat.cust_pd) is None
    assert price_for(product=cat.amox, kind="supply", on_date=D(2024, 12, 31), customer=cat.cust_pd) is None


def test_price_map_is_one_query(cat, django_assert_num_queries):
    admin = cat.org.admin
    for product in (cat.amox, cat.met):
        services.price_create(actor=admin, product_id=product.pk, kind="supply", price="10", valid_from=D(2025, 1, 1))
        services.price_create(actor=admin, product_id=product.pk, kind="supply", price="9", valid_from=D(2025, 1, 1),
                              region_code="310000")
    with django_assert_num_queries(1):
        got = price_map(product_ids=[cat.amox.pk, cat.met.pk], kind="supply", on_date=D(2025, 2, 1),
                        customer=cat.cust_pd)
    assert {str(p.price) for p in got.values()} == {"9.0000"}


def test_region_helpers_fallback_shape():
    assert region_prefix("330000") == "33" and region_prefix("330100") == "3301" and region_prefix("330106") == "330106"
    assert region_contains("330000", "330106") and region_contains("330100", "330106")
    assert not region_contains("330200", "330106") and not region_contains("330106", "330100")
    assert region_contains("441900", "441900")


def bare_product(cat) -> Product:
    """A product row without the service (no pinyin key): the properties are about prices."""
    return Product.objects.create(generic_name="测试药", dosage_form="tablet", spec=f"{Product.objects.count()}mg",
                                  manufacturer="测试药厂", approval_number=cat.amox.approval_number)


# --- property: the chosen price is always the most specific valid one -------------------------

def reference(prices, *, day, customer_id, region):
    """The rule written out plainly, on plain tuples (scope, region, customer, start, end, void, id)."""
    best, best_key = None, None
    for p in prices:
        scope, code, cust, start, end, void, pk = p
        if void or start > day or (end is not None and end < day):
            continue
        if scope == "customer":
            if cust != customer_id:
                continue
            rank = 100
        elif scope == "region":
            if not region or not (region == code or region.startswith(region_prefix(code))):
                continue
            rank = 1 + len(region_prefix(code))
        else:
            rank = 0
        key = (rank, start, pk)
        if best_key is None or key > best_key:
            best, best_key = pk, key
    return best


day_offsets = st.integers(min_value=0, max_value=60)
price_rows = st.lists(
    st.tuples(
        st.sampled_from(["national", "region", "customer"]),
        st.sampled_from(REGIONS),
        st.integers(min_value=0, max_value=1),   # which customer
        day_offsets,                             # start
        st.one_of(st.none(), st.integers(min_value=0, max_value=30)),  # length, or open
        st.booleans(),                           # voided
    ),
    max_size=14,
)


@given(rows=price_rows, probe_days=st.lists(day_offsets, min_size=1, max_size=4),
       customer_region=st.sampled_from(["", *REGIONS]), which_customer=st.integers(min_value=0, max_value=2))
def test_price_for_picks_the_most_specific_valid_price(cat, rows, probe_days, customer_region, which_customer):
    base = D(2025, 1, 1)
    customers = [cat.cust_pd, cat.cust_gz]
    with transaction.atomic():
        product = bare_product(cat)
        stored = []
        for scope, code, cust_i, start, length, void in rows:
            cust = customers[cust_i]
            p = ProductPrice(
                product=product, kind="supply", price=Decimal(start + 1), valid_from=base + datetime.timedelta(start),
                valid_to=None if length is None else base + datetime.timedelta(start + length),
                region_code=code if scope == "region" else "", customer=cust if scope == "customer" else None,
            )
            if void:
                from django.utils import timezone

                p.voided_at = timezone.now()
            p.save()  # straight to the table: the property must hold even where periods overlap
            stored.append((scope, p.region_code, p.customer_id, p.valid_from, p.valid_to, void, p.pk))
        customer = customers[which_customer] if which_customer < 2 else None
        if customer is not None:
            customer.region_code = customer_region
        for offset in probe_days:
            day = base + datetime.timedelta(offset)
            got = price_for(product=product, kind="supply", on_date=day, customer=customer,
                            region_code=None if customer is not None else customer_region)
            expected = reference(stored, day=day, customer_id=getattr(customer, "pk", None), region=customer_region)
            assert (got and got.pk) == expected, (day, customer_region, stored)
        transaction.set_rollback(True)


@given(periods=st.lists(st.tuples(day_offsets, st.one_of(st.none(), st.integers(min_value=0, max_value=20))),
                        max_size=8))
def test_service_accepts_a_price_exactly_when_it_overlaps_nothing(cat, periods):
    """price_create refuses a period iff it meets an accepted one of the same scope."""
    from pharmcrm.core.errors import ApplicationError

    base = D(2025, 1, 1)
    with transaction.atomic():
        product = bare_product(cat)
        accepted: list[tuple[int, int | None]] = []
        for start, length in periods:
            end = None if length is None else start + length
            clash = any(s <= (end if end is not None else 10**6) and start <= (e if e is not None else 10**6)
                        for s, e in accepted)
            try:
                services.price_create(
                    actor=cat.org.admin, product_id=product.pk, kind="agency", price="5",
                    valid_from=base + datetime.timedelta(start),
                    valid_to=None if end is None else base + datetime.timedelta(end))
            except ApplicationError as exc:
                assert clash and exc.code == "price_overlap"
            else:
                assert not clash
                accepted.append((start, end))
        # and what is stored never overlaps
        rows = list(selectors.visible_prices(cat.org.admin).filter(product=product).order_by("valid_from"))
        for a, b in zip(rows, rows[1:], strict=False):
            assert a.valid_to is not None and a.valid_to < b.valid_from
        transaction.set_rollback(True)
