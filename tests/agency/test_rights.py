"""Rights follow the agent customer: see it → see its agreements; write → edit drafts; manage → activate/terminate."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import given
from hypothesis import strategies as st

from pharmcrm.agency import selectors, services
from pharmcrm.agency.models import AgencyAgreement
from pharmcrm.core.errors import NotFound
from pharmcrm.org import visibility
from tests.agency.helpers import make_agreement
from tests.factories import make_share

pytestmark = pytest.mark.django_db

OUTSIDERS = ["rep_pd2", "rep_px", "rep_gz", "south_head", "finance"]


def _calls(a, line, region, world):
    return {
        "update": lambda u: services.agreement_update(actor=u, agreement_id=a.pk, data={"notes": "x"}),
        "line_add": lambda u: services.agreement_line_add(actor=u, agreement_id=a.pk, product_id=world.p3.pk,
                                                          data={"agency_price": Decimal("1")}),
        "line_update": lambda u: services.agreement_line_update(actor=u, agreement_id=a.pk, line_id=line.pk,
                                                                data={"notes": "x"}),
        "line_remove": lambda u: services.agreement_line_remove(actor=u, agreement_id=a.pk, line_id=line.pk),
        "region_add": lambda u: services.agreement_region_add(actor=u, agreement_id=a.pk, region_code="330200"),
        "region_remove": lambda u: services.agreement_region_remove(actor=u, agreement_id=a.pk, region_id=region.pk),
        "hospital_add": lambda u: services.agreement_hospital_add(actor=u, agreement_id=a.pk,
                                                                  hospital_id=world.hosp_xh.pk),
        "activate": lambda u: services.agreement_activate(actor=u, agreement_id=a.pk),
        "terminate": lambda u: services.agreement_terminate(actor=u, agreement_id=a.pk, reason="x"),
        "deposit": lambda u: services.agreement_deposit_update(actor=u, agreement_id=a.pk, status="paid"),
        "get": lambda u: selectors.agreement_get(actor=u, agreement_id=a.pk),
        "agent_list": lambda u: selectors.agent_agreements(actor=u, customer_id=a.agent_id),
    }


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsiders_get_not_found_everywhere(world, outsider):
    a = make_agreement(world.agent_a, products=[world.p1], regions=["330100"], deposit_amount=Decimal("100"))
    calls = _calls(a, a.lines.get(), a.regions.get(), world)
    user = getattr(world.org, outsider)
    for _name, call in calls.items():
        with pytest.raises(NotFound):
            call(user)
    assert a.pk not in {x.pk for x in selectors.agreement_list(actor=user)}
    with pytest.raises(NotFound):
        services.agreement_create(actor=user, agent_id=world.agent_a.pk,
                                  data={"start_date": world.today, "end_date": world.today})


def test_read_share_sees_but_cannot_change(world):
    a = make_agreement(world.agent_a, products=[world.p1], regions=["330100"], deposit_amount=Decimal("100"))
    make_share(world.agent_a, user=world.org.rep_px, access="read")
    calls = _calls(a, a.lines.get(), a.regions.get(), world)
    for name in ("get", "agent_list"):
        calls[name](world.org.rep_px)
    for name, call in calls.items():
        if name not in ("get", "agent_list"):
            with pytest.raises(PermissionDenied):
                call(world.org.rep_px)


def test_write_share_edits_drafts_but_cannot_activate_or_terminate(world):
    a = make_agreement(world.agent_a, products=[world.p1], regions=["330100"], deposit_amount=Decimal("100"))
    make_share(world.agent_a, user=world.org.rep_px, access="write")
    u = world.org.rep_px
    services.agreement_update(actor=u, agreement_id=a.pk, data={"notes": "共享者备注"})
    services.agreement_region_add(actor=u, agreement_id=a.pk, region_code="330200")
    services.agreement_deposit_update(actor=u, agreement_id=a.pk, status="paid")
    for call in (lambda: services.agreement_activate(actor=u, agreement_id=a.pk),
                 lambda: services.agreement_terminate(actor=u, agreement_id=a.pk, reason="x")):
        with pytest.raises(PermissionDenied):
            call()
    perms = selectors.agreement_permissions(actor=u, agreement=a)
    assert perms["write"] and perms["edit_lines"] and not perms["activate"] and not perms["terminate"]


@pytest.mark.parametrize("who", ["pd_head", "sh_head", "east_head", "ceo", "admin"])
def test_heads_above_and_admins_manage(world, who):
    a = make_agreement(world.agent_a, products=[world.p1], regions=["330100"])
    services.agreement_activate(actor=getattr(world.org, who), agreement_id=a.pk)
    services.agreement_terminate(actor=getattr(world.org, who), agreement_id=a.pk, reason="调整")


def test_transfer_moves_the_agreements_with_the_agent(world):
    from pharmcrm.customers.services import TransferAssignment, customer_transfer

    a = make_agreement(world.agent_a, products=[world.p1], regions=["330100"])
    customer_transfer(actor=world.org.sh_head, assignments=[TransferAssignment([world.agent_a.pk],
                                                                                world.org.rep_px.pk)])
    assert a.pk in {x.pk for x in selectors.agreement_list(actor=world.org.rep_px)}
    assert a.pk not in {x.pk for x in selectors.agreement_list(actor=world.org.rep_pd1)}


# --- property: an agreement is visible exactly when its agent customer is --------------------

USERS = ["rep_pd1", "rep_pd2", "rep_px", "rep_gz", "pd_head", "sh_head", "east_head", "south_head", "ceo",
         "admin", "finance"]


@given(
    owners=st.lists(st.sampled_from(["rep_pd1", "rep_pd2", "rep_px", "rep_gz", "south_head"]), min_size=1,
                    max_size=5),
    shares=st.lists(st.tuples(st.integers(0, 4), st.sampled_from(USERS), st.sampled_from(["read", "write"])),
                    max_size=4, unique_by=lambda t: (t[0], t[1])),
    deleted=st.sets(st.integers(0, 4), max_size=2),
)
def test_visibility_follows_the_agent(org, owners, shares, deleted):
    from django.db import transaction
    from django.utils import timezone

    from tests.factories import make_customer

    with transaction.atomic():
        agents = [make_customer(getattr(org, o), f"代理商{i}", type="agent") for i, o in enumerate(owners)]
        rows = [AgencyAgreement.objects.create(number=f"V-{i}", agent=ag, start_date=datetime.date(2026, 1, 1),
                                               end_date=datetime.date(2026, 12, 31)) for i, ag in enumerate(agents)]
        for i, user, access in shares:
            if i < len(agents) and agents[i].owner_id != getattr(org, user).pk:
                make_share(agents[i], user=getattr(org, user), access=access)
        for i in deleted:
            if i < len(agents):
                type(agents[i]).objects.filter(pk=agents[i].pk).update(deleted_at=timezone.now())
        for name in USERS:
            user = getattr(org, name)
            expected = {r.pk for r in rows if visibility.can_see(user, r.agent_id)}
            assert {a.pk for a in selectors.agreement_list(actor=user)} == expected, name
            for r in rows:
                try:
                    selectors.agreement_get(actor=user, agreement_id=r.pk)
                    seen = True
                except NotFound:
                    seen = False
                assert seen == (r.pk in expected)
                perms = selectors.agreement_permissions(actor=user, agreement=r) if seen else None
                if perms:
                    assert perms["write"] == visibility.can_write(user, r.agent_id)
                    assert perms["manage"] == visibility.can_manage(user, r.agent_id)
        transaction.set_rollback(True)


def test_visibility_matches_the_independent_reference(world):
    """The same as above against tests/org/reference.py (no code shared with org.visibility)."""
    from tests.org.reference import load_world

    for agent in (world.agent_a, world.agent_b, world.agent_g):
        make_agreement(agent, actor=world.org.admin)
    make_share(world.agent_g, user=world.org.rep_pd1)
    ref = load_world()
    for user in ref.users.values():
        from pharmcrm.org.models import User

        u = User.objects.get(pk=user.id)
        expected = set(AgencyAgreement.objects.filter(
            agent_id__in=[c for c in ref.customers if ref.can_see(user.id, c)]).values_list("pk", flat=True))
        assert {a.pk for a in selectors.agreement_list(actor=u)} == expected, u.username


def test_today_window(world):
    a = make_agreement(world.agent_a, products=[world.p1], regions=["330100"], start=world.today,
                       end=world.today + datetime.timedelta(days=20), activate=True)
    f = selectors.AgreementFilters(expiring_days=30)
    assert [x.pk for x in selectors.agreement_list(actor=world.org.rep_pd1, filters=f)] == [a.pk]
    f = selectors.AgreementFilters(expiring_days=10)
    assert list(selectors.agreement_list(actor=world.org.rep_pd1, filters=f)) == []
