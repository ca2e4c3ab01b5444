"""The demo company: loads, is deterministic, every login works, heads see their subtree."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from pharmcrm.core.pinyin import search_key
from pharmcrm.core.validators import validate_credit_code
from pharmcrm.customers.models import Customer, CustomerShare, CustomerType, TransferLog
from pharmcrm.demo.generator import DEMO_PASSWORD, LOGINS, USERS, demo_plan
from pharmcrm.org import visibility
from pharmcrm.org.models import Department, ShareGroup, User
from tests.org.reference import assert_engine_matches, db_closure, load_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    # argon2 costs ~0.2 s per user; the demo has ~50 of them
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _load(**kw) -> str:
    out = io.StringIO()
    call_command("demo_load", stdout=out, **kw)
    return out.getvalue()


def _snapshot() -> dict:
    return {
        "departments": sorted(Department.objects.values_list("name", "parent__name", "sort_order")),
        "users": sorted(
            User.objects.values_list(
                "username", "full_name", "department__name", "phone", "title", "is_active"
            )
        ),
        "heads": sorted(
            Department.objects.filter(heads__isnull=False).values_list("name", "heads__username")
        ),
        "groups": sorted(ShareGroup.objects.values_list("name", "members__username")),
        "customers": sorted(
            Customer.objects.values_list(
                "name",
                "type",
                "short_name",
                "credit_code",
                "region_code",
                "address",
                "phone",
                "status",
                "grade",
                "source",
                "notes",
                "owner__username",
                "owner_department__name",
                "search_text",
            )
        ),
        "deleted": sorted(Customer.objects.filter(deleted_at__isnull=False).values_list("name", flat=True)),
        "shares": sorted(
            CustomerShare.objects.values_list("customer__name", "user__username", "group__name", "access"),
            key=repr,
        ),
    }


def test_demo_company_is_complete_and_consistent(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # as after the real commit
        out = _load()
    assert "Demo company loaded" in out
    # the notifications the load caused (shares, transfers, conflicts), settled into a history:
    # over the last two weeks, only the last two days' unread, a handful per person at most
    from django.db.models import Count
    from django.utils import timezone

    from pharmcrm.demo.generator import demo_settle_notifications
    from pharmcrm.notifications.models import Notification

    assert Notification.objects.count() > 50
    unread = demo_settle_notifications()
    now = timezone.now()
    assert 0 < unread == Notification.objects.filter(read_at__isnull=True).count()
    assert not Notification.objects.filter(read_at__isnull=True, created_at__lt=now - datetime.timedelta(days=2))
    assert not Notification.objects.filter(created_at__lt=now - datetime.timedelta(days=15))
    per_user = Notification.objects.filter(read_at__isnull=True).values("recipient").annotate(n=Count("pk"))
    assert max(r["n"] for r in per_user) <= 15

    assert Department.objects.count() >= 20
    assert db_closure() == load_world().closure()  # the closure table is exactly the tree
    assert User.objects.filter(is_active=True).count() >= 30
    roles = set(User.objects.values_list("roles__role", flat=True))
    assert {"admin", "sales_rep", "sales_admin", "finance", "warehouse", "tender", "service"} <= roles
    ceo = User.objects.get(username="zhoujianguo")
    assert ceo.headed_department_ids == [Department.objects.get(name="总部", parent=None).pk]

    customers = list(Customer.objects.all())
    assert len(customers) >= 300
    assert {c.type for c in customers} == set(CustomerType.values)
    for c in customers:
        assert c.search_text == search_key(c.name, c.short_name, c.credit_code, c.phone)
        if c.owner_id is None:  # in the public pool: no owner, a pool department
            assert c.owner_department_id is None and c.pool_department_id is not None
        else:
            assert c.owner_department_id == c.owner.department_id
        c.full_clean(exclude=["owner", "owner_department", "created_by", "deleted_by", "search_text"])
        if c.credit_code:
            validate_credit_code(c.credit_code)
    assert len({c.name for c in customers}) == len(customers)
    # in the recycle bin (a customer merged into another by a duplicate conflict is not: gen_duplicates.py)
    assert Customer.objects.filter(deleted_at__isnull=False, merged_into__isnull=True).count() == 3
    assert CustomerShare.objects.filter(group__isnull=False).exists()
    assert CustomerShare.objects.filter(user__isnull=False).exists()
    assert len({c.created_at.date() for c in customers}) > 100  # spread over time, not all "today"

    # the rep who left: deactivated, nothing owned any more, one logged transfer
    leaver = next(u for u in USERS if u.leaves)
    gone = User.objects.get(username=leaver.username)
    assert not gone.is_active and not Customer.objects.filter(owner=gone).exists()
    # (the demo's decided duplicate conflicts log transfers of their own: demo/gen_duplicates.py)
    assert TransferLog.objects.filter(items__from_user=gone).distinct().count() == 1

    # every active user logs in with the demo password; the one who left cannot
    for username in User.objects.filter(is_active=True).values_list("username", flat=True):
        assert client.login(username=username, password=DEMO_PASSWORD), username
        client.logout()
    assert not client.login(username=leaver.username, password=DEMO_PASSWORD)

    # the logins table
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8000" in text and DEMO_PASSWORD in text
    for username, _ in LOGINS:
        assert username in text

    # --if-empty is a no-op on a loaded database; without it the command refuses
    before = (User.objects.count(), Customer.objects.count(), CustomerShare.objects.count())
    assert "not loaded" in _load(if_empty=True)
    with pytest.raises(CommandError):
        _load()
    assert (User.objects.count(), Customer.objects.count(), CustomerShare.objects.count()) == before


def test_heads_see_their_subtree_and_everyone_matches_the_reference():
    _load()
    world = load_world()
    assert_engine_matches(world)  # every user: visible/writable/manageable equal the reference

    def owned_in(dept_name: str) -> set[int]:
        subtree = world.subtree(Department.objects.get(name=dept_name).pk)
        return {c.id for c in world.customers.values() if c.owner_department_id in subtree and not c.deleted}

    def shared_to(user: User) -> set[int]:
        groups = world.users[user.pk].groups
        return {cid for cid, uid, gid, _ in world.shares if uid == user.pk or gid in groups}

    def seen_by(username: str) -> tuple[User, set[int]]:
        user = User.objects.get(username=username)
        return user, set(visibility.visible_customers(user).values_list("id", flat=True))

    east_head, seen = seen_by("chenzhiqiang")
    assert owned_in("浦东组") and owned_in("江苏办事处")
    assert owned_in("华东大区") <= seen  # the whole region, at any depth
    assert seen & owned_in("华南大区") <= shared_to(east_head)  # another region only through a share

    team_head, seen = seen_by("lijing")
    assert owned_in("浦东组") <= seen
    assert seen & owned_in("浦西组") <= shared_to(team_head)  # the sibling team only through a share

    rep, seen = seen_by("zhangwei")
    in_pool = set(Customer.objects.filter(owner__isnull=True).values_list("id", flat=True))
    assert seen - set(Customer.objects.filter(owner=rep).values_list("id", flat=True)) - in_pool <= shared_to(rep)
    assert not (owned_in("浦东组") - shared_to(rep)) <= seen  # peers' customers stay hidden
    ceo = User.objects.get(username="zhoujianguo")
    assert (
        visibility.visible_customers(ceo).count() == Customer.objects.filter(deleted_at__isnull=True).count()
    )


def test_same_seed_same_company():
    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        _load(seed=7)
        first = _snapshot()
        raise Rollback
    assert not User.objects.exists()
    _load(seed=7)
    assert _snapshot() == first
    assert demo_plan(7).customers == demo_plan(7).customers
    assert demo_plan(7).customers != demo_plan(8).customers
