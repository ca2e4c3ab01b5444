"""The demo company's 360° profiles: a good share filled, consistent, within the rules."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.models import Count, Q

from pharmcrm.customers.models import (
    Customer,
    CustomerCompetitor,
    CustomerKeyAccount,
    CustomerProductField,
    CustomerWantedRegion,
    InvoiceProfile,
    ShippingAddress,
)
from pharmcrm.customers.profile_validators import validate_phone, validate_taxpayer_id
from pharmcrm.org import visibility

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_demo_profiles():
    call_command("demo_load", stdout=io.StringIO())
    alive = Customer.objects.filter(deleted_at__isnull=True)
    n = alive.count()

    # invoicing data for most companies, consistent with the customer's name and credit code
    invoices = list(InvoiceProfile.objects.select_related("customer"))
    assert len(invoices) > n * 0.4
    for p in invoices:
        assert p.title == p.customer.name and p.taxpayer_id == p.customer.credit_code
        validate_taxpayer_id(p.taxpayer_id)
        assert p.bank and 16 <= len(p.account) <= 19

    # addresses: exactly one default among the active ones of every customer that has any
    with_addresses = alive.filter(shipping_addresses__isnull=False).distinct()
    assert with_addresses.count() > n * 0.4
    per_customer = with_addresses.annotate(
        active=Count("shipping_addresses", filter=Q(shipping_addresses__is_active=True)),
        defaults=Count("shipping_addresses", filter=Q(shipping_addresses__is_default=True)),
        total=Count("shipping_addresses"),
    )
    assert all(c.defaults == (1 if c.active else 0) for c in per_customer)
    assert any(c.total >= 2 for c in per_customer) and ShippingAddress.objects.filter(is_active=False).exists()
    for a in ShippingAddress.objects.all()[:200]:
        validate_phone(a.phone)

    # agents want regions; key accounts link agents to hospitals their owner sees
    agents = alive.filter(type="agent")
    assert CustomerWantedRegion.objects.filter(customer__in=agents).values("customer").distinct().count() \
        > agents.count() * 0.5
    links = list(CustomerKeyAccount.objects.select_related("customer__owner", "hospital"))
    assert len(links) > 30
    for k in links[:100]:
        assert k.hospital.type in ("hospital", "clinic")
        assert visibility.can_see(k.customer.owner, k.hospital_id)
    assert CustomerCompetitor.objects.count() > 30 and CustomerProductField.objects.count() > 50

    # hospitals carry grade, beds and ownership; a chain has its stores
    hospitals = alive.filter(type="hospital")
    assert hospitals.exists() and not hospitals.filter(Q(hospital_grade="") | Q(beds__isnull=True)).exists()
    assert not alive.exclude(type__in=("hospital", "clinic")).exclude(hospital_grade="").exists()
    chains = alive.filter(type="chain").annotate(n=Count("stores")).filter(n__gte=3)
    assert chains.exists()
    for chain in chains:
        assert all(s.name.endswith("店）") and s.type == "pharmacy" for s in chain.stores.all())
