"""THE rule: two active exclusive agreements never overlap on product × territory × dates."""

from __future__ import annotations

import datetime

import pytest

from pharmcrm.agency import services
from pharmcrm.agency.conflicts import OverlapError
from pharmcrm.agency.models import AgreementStatus
from tests.agency.helpers import make_agreement

pytestmark = pytest.mark.django_db

D = datetime.date


def _activate_fails(actor, agreement) -> OverlapError:
    with pytest.raises(OverlapError) as exc:
        services.agreement_activate(actor=actor, agreement_id=agreement.pk)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT
    assert exc.value.code == "exclusive_overlap"
    return exc.value


def _activates(actor, agreement):
    services.agreement_activate(actor=actor, agreement_id=agreement.pk)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE


@pytest.mark.parametrize("first,second", [
    ("330000", "330106"),  # 浙江省 vs 杭州市西湖区
    ("330106", "330000"),  # and vice versa
    ("330100", "330106"),  # 杭州市 vs 西湖区
    ("330000", "330100"),
    ("330106", "330106"),  # the same county
    ("110000", "110101"),  # 北京市 (municipality) vs 东城区
    ("420000", "429004"),  # 湖北省 vs 仙桃市 (province-administered county-level city)
    ("440000", "441900"),  # 广东省 vs 东莞市 (a city without counties)
])
def test_region_containment_overlaps_both_ways(world, first, second):
    org = world.org
    make_agreement(world.agent_a, products=[world.p1], regions=[first], activate=True)
    b = make_agreement(world.agent_b, products=[world.p1], regions=[second])
    _activate_fails(org.rep_pd2, b)


@pytest.mark.parametrize("first,second", [
    ("330100", "330200"),  # 杭州 vs 宁波
    ("330106", "330102"),  # 西湖区 vs 上城区
    ("330000", "320000"),  # 浙江 vs 江苏
    ("110000", "120000"),  # 北京 vs 天津
    ("440000", "450000"),
])
def test_disjoint_regions_are_fine(world, first, second):
    make_agreement(world.agent_a, products=[world.p1], regions=[first], activate=True)
    b = make_agreement(world.agent_b, products=[world.p1], regions=[second])
    _activates(world.org.rep_pd2, b)


def test_different_products_do_not_conflict(world):
    make_agreement(world.agent_a, products=[world.p1], regions=["330000"], activate=True)
    b = make_agreement(world.agent_b, products=[world.p2], regions=["330000"])
    _activates(world.org.rep_pd2, b)


def test_one_shared_product_is_enough(world):
    make_agreement(world.agent_a, products=[world.p1, world.p2], regions=["330000"], activate=True)
    b = make_agreement(world.agent_b, products=[world.p3, world.p2], regions=["330100"])
    err = _activate_fails(world.org.rep_pd2, b)
    assert [p["id"] for p in err.conflicts[0]["products"]] == [world.p2.pk]


def test_non_exclusive_never_conflicts(world):
    make_agreement(world.agent_a, products=[world.p1], regions=["330000"], activate=True)
    b = make_agreement(world.agent_b, products=[world.p1], regions=["330000"], exclusive=False)
    _activates(world.org.rep_pd2, b)
    # and an exclusive one next to an active non-exclusive one is fine too
    make_agreement(world.agent_g, products=[world.p2], regions=["330000"], exclusive=False, activate=True)
    c = make_agreement(world.agent_a, products=[world.p2], regions=["330100"])
    _activates(world.org.rep_pd1, c)


@pytest.mark.parametrize("end_state", ["terminated", "expired", "draft"])
def test_terminated_expired_and_draft_agreements_are_ignored(world, end_state):
    start = world.today - datetime.timedelta(days=10)
    a = make_agreement(world.agent_a, products=[world.p1], regions=["330000"], start=start,
                       end=world.today + datetime.timedelta(days=100), activate=end_state != "draft")
    if end_state == "terminated":
        services.agreement_terminate(actor=world.org.rep_pd1, agreement_id=a.pk, reason="代理商违约")
    elif end_state == "expired":
        type(a).objects.filter(pk=a.pk).update(end_date=world.today - datetime.timedelta(days=1))
        assert services.agreements_expire(today=world.today) == 1
    b = make_agreement(world.agent_b, products=[world.p1], regions=["330106"])
    _activates(world.org.rep_pd2, b)


def test_dates_are_inclusive_and_adjacent_terms_do_not_overlap(world):
    y = world.today.year + 1
    make_agreement(world.agent_a, products=[world.p1], regions=["330000"], start=D(y, 1, 1), end=D(y, 6, 30),
                   activate=True)
    after = make_agreement(world.agent_b, products=[world.p1], regions=["330100"], start=D(y, 7, 1),
                           end=D(y, 12, 31))
    _activates(world.org.rep_pd2, after)
    same_day = make_agreement(world.agent_g, products=[world.p1], regions=["330106"], start=D(y, 12, 31),
                              end=D(y + 1, 3, 31), actor=world.org.rep_gz)
    _activate_fails(world.org.rep_gz, same_day)  # shares 12-31 with `after`
    before = make_agreement(world.agent_g, products=[world.p1], regions=["330106"], start=world.today,
                            end=D(y - 1, 12, 31), actor=world.org.rep_gz)
    _activates(world.org.rep_gz, before)


def test_same_named_hospital_conflicts(world):
    admin = world.org.admin
    make_agreement(world.agent_a, actor=admin, products=[world.p1], hospitals=[world.hosp_xh, world.hosp_zy],
                   activate=True)
    b = make_agreement(world.agent_g, actor=admin, products=[world.p1], hospitals=[world.hosp_zy])
    err = _activate_fails(admin, b)
    assert err.conflicts[0]["territory"][0]["theirs"]["label"] == "浙江大学医学院附属第一医院"
    other = make_agreement(world.agent_g, actor=admin, products=[world.p1], hospitals=[],
                           regions=["320000"])
    _activates(admin, other)


@pytest.mark.parametrize("region,overlaps", [
    ("330000", True), ("330100", True), ("330106", True),  # the hospital (330106) lies inside
    ("330102", False), ("330200", False), ("320000", False),
])
def test_hospital_inside_a_region_overlaps_both_ways(world, region, overlaps):
    admin = world.org.admin
    hospital_first = make_agreement(world.agent_a, actor=admin, products=[world.p1], hospitals=[world.hosp_xh],
                                    activate=True)
    b = make_agreement(world.agent_b, actor=admin, products=[world.p1], regions=[region])
    if overlaps:
        _activate_fails(admin, b)
    else:
        _activates(admin, b)
        return
    # the other way round: the region is in force, then the hospital
    services.agreement_terminate(actor=admin, agreement_id=hospital_first.pk, reason="改为区域独家")
    _activates(admin, b)
    c = make_agreement(world.agent_g, actor=admin, products=[world.p1], hospitals=[world.hosp_xh])
    _activate_fails(admin, c)


def test_hospital_without_region_only_conflicts_by_name(world):
    from tests.factories import make_customer

    admin = world.org.admin
    nowhere = make_customer(admin, "某民营医院", type="hospital", region_code="")
    make_agreement(world.agent_a, actor=admin, products=[world.p1], regions=["330000"], activate=True)
    b = make_agreement(world.agent_b, actor=admin, products=[world.p1], hospitals=[nowhere])
    _activates(admin, b)


def test_extending_an_active_agreement_is_checked(world):
    y = world.today.year + 1
    a = make_agreement(world.agent_a, products=[world.p1], regions=["330000"], start=D(y, 1, 1), end=D(y, 6, 30),
                       activate=True)
    make_agreement(world.agent_b, products=[world.p1], regions=["330100"], start=D(y, 7, 1), end=D(y, 12, 31),
                   activate=True)
    with pytest.raises(OverlapError):
        services.agreement_update(actor=world.org.rep_pd1, agreement_id=a.pk, data={"end_date": D(y, 7, 1)})
    a.refresh_from_db()
    assert a.end_date == D(y, 6, 30)
    # shortening, or changing anything but the dates, is fine
    services.agreement_update(actor=world.org.rep_pd1, agreement_id=a.pk, data={"end_date": D(y, 5, 31)})
    services.agreement_update(actor=world.org.rep_pd1, agreement_id=a.pk, data={"notes": "续签谈判中"})
    # moving the start earlier into the other's term is refused too
    b = make_agreement(world.agent_g, products=[world.p1], regions=["330106"], start=D(y + 1, 1, 1),
                       end=D(y + 1, 6, 30), actor=world.org.rep_gz, activate=True)
    with pytest.raises(OverlapError):
        services.agreement_update(actor=world.org.rep_gz, agreement_id=b.pk, data={"start_date": D(y, 12, 1)})


def test_exclusivity_cannot_be_switched_on_an_active_agreement(world):
    from pharmcrm.core.errors import ApplicationError

    a = make_agreement(world.agent_a, products=[world.p1], regions=["330000"], exclusive=False, activate=True)
    with pytest.raises(ApplicationError) as exc:
        services.agreement_update(actor=world.org.rep_pd1, agreement_id=a.pk, data={"exclusive": True})
    assert exc.value.code == "locked_field" and "exclusive" in exc.value.fields


def test_conflict_names_the_visible_agreement(world):
    org = world.org
    a = make_agreement(world.agent_a, products=[world.p1], regions=["330000"], activate=True, number="ZJ-2026-01")
    b = make_agreement(world.agent_b, products=[world.p1], regions=["330106"], actor=org.pd_head)
    err = _activate_fails(org.pd_head, b)  # the head of 浦东组 sees both agents
    (c,) = err.conflicts
    assert c["visible"] and c["agreement"]["number"] == "ZJ-2026-01" and c["agreement"]["id"] == a.pk
    assert c["agreement"]["agent"]["name"] == "浙江康源医药有限公司"
    assert "ZJ-2026-01" in err.message and "浙江康源医药有限公司" in err.message
