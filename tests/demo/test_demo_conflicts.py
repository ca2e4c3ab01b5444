"""The demo company shows duplicate conflicts: open ones for heads to decide, decided ones."""

import pytest
from django.core.management import call_command

from pharmcrm.customers.conflict_models import ConflictStatus, CustomerConflict
from pharmcrm.customers.conflict_selectors import conflict_list
from pharmcrm.customers.models import Customer
from pharmcrm.org.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_demo_has_conflicts_to_decide_and_decided():
    call_command("demo_load", stdout=open("/dev/null", "w"))  # noqa: SIM115
    by_status = {s: CustomerConflict.objects.filter(status=s).count() for s in ConflictStatus.values}
    assert by_status["open"] == 2
    assert by_status["transferred"] == by_status["kept"] == by_status["merged"] == 1
    wanghaifeng = User.objects.get(username="wanghaifeng")
    assert conflict_list(actor=wanghaifeng, box="arbitrate").count() == 1
    chen = User.objects.get(username="chenzhiqiang")
    assert conflict_list(actor=chen, box="arbitrate").count() >= 1
    assert conflict_list(actor=User.objects.get(username="zhaomin"), box="mine", status="any").count() == 1
    merged = CustomerConflict.objects.get(status="merged")
    assert Customer.objects.get(pk=merged.claimant_customer_id).merged_into_id == merged.customer_id
    moved = CustomerConflict.objects.get(status="transferred")
    assert moved.customer.owner.username == "liuyang"
    # every demo customer carries its duplicate keys
    assert not Customer.objects.filter(name_key="").exists()
