"""The benchmark's data builder at a tiny scale (the benchmark itself never runs in the tests)."""

from __future__ import annotations

import random

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pharmcrm.core.pinyin import search_key
from pharmcrm.core.validators import validate_credit_code
from pharmcrm.customers.models import Customer, CustomerShare
from pharmcrm.demo import bench_data
from pharmcrm.org.models import Department, User
from tests.factories import make_user
from tests.org.reference import assert_engine_matches, db_closure, load_world

pytestmark = pytest.mark.django_db

SMALL = {"customers": 600, "users": 150, "seed": 3}


def _quiet(_msg: str) -> None:
    pass


def _snapshot() -> tuple:
    return (
        list(Department.objects.order_by("id").values_list("id", "name", "parent_id")),
        list(User.objects.order_by("id").values_list("id", "username", "full_name", "department_id")),
        list(
            Customer.objects.order_by("id").values_list(
                "id",
                "name",
                "credit_code",
                "owner_id",
                "owner_department_id",
                "updated_at",
                "deleted_at",
                "search_text",
            )
        ),
        list(
            CustomerShare.objects.order_by("id").values_list("customer_id", "user_id", "group_id", "access")
        ),
    )


def test_refuses_a_database_with_other_data():
    make_user("zhangsan")
    assert "zhangsan" not in (bench_data.foreign_data() or "x")
    assert "does not start with 'bench_'" in bench_data.foreign_data()
    with pytest.raises(CommandError, match="Refusing to run"):
        call_command("crm_bench", "--customers", "10", "--users", "10")
    assert User.objects.filter(username="zhangsan").exists()


def test_small_build_is_consistent_and_deterministic():
    company = bench_data.bench_build(**SMALL, log=_quiet)
    assert bench_data.foreign_data() is None  # its own data: may run again
    assert bench_data.read_meta().personas == company.personas
    assert Customer.objects.count() == SMALL["customers"]
    assert not User.objects.exclude(username__startswith=bench_data.USER_PREFIX).exists()
    assert db_closure() == load_world().closure()
    assert (
        max(len(load_world().ancestors_or_self(d)) for d in Department.objects.values_list("id", flat=True))
        == 6
    )

    customers = list(Customer.objects.select_related("owner"))
    for c in customers:
        assert c.search_text == search_key(c.name, c.short_name, c.credit_code, c.phone)
        assert c.owner_department_id == c.owner.department_id
        if c.credit_code:
            validate_credit_code(c.credit_code)
    assert any(c.deleted_at for c in customers)
    assert CustomerShare.objects.filter(group__isnull=False).exists()
    assert not CustomerShare.objects.filter(user_id=models_owner()).exists()

    # the personas exist and the engine answers for them exactly as the reference does
    world = load_world()
    ids = list(User.objects.filter(username__in=company.personas.values()).values_list("id", flat=True))
    assert len(ids) == len(bench_data.PERSONAS)
    assert_engine_matches(world, user_ids=ids)

    first = _snapshot()
    bench_data.bench_build(**SMALL, log=_quiet)  # wipes and builds again: the same rows, the same ids
    assert _snapshot() == first


def models_owner():
    """A sub-select of each share's own customer owner (shares never go to the owner)."""
    from django.db.models import OuterRef, Subquery

    return Subquery(Customer.objects.filter(pk=OuterRef("customer_id")).values("owner_id")[:1])


def test_search_text_is_search_key():
    pool = bench_data._NamePool(seed=1)
    rng = random.Random(5)
    from pharmcrm.demo.vocabulary import CITIES

    for city in list(CITIES.values())[:3]:
        for kind, _ in bench_data.TYPES:
            name, short, _, pieces = pool.draw(rng, city, kind)
            code, phone = "91310115MA1K4XQX5C", "021-58881234"
            assert bench_data._search_text(pieces, code, phone) == search_key(name, short, code, phone)
