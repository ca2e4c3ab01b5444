"""The naming rule: a conflict names the other agreement only to those who may see it."""

from __future__ import annotations

import json

import pytest

from pharmcrm.agency import services
from pharmcrm.agency.conflicts import OverlapError
from tests.agency.helpers import make_agreement

pytestmark = pytest.mark.django_db


def _conflict(actor, agreement) -> OverlapError:
    with pytest.raises(OverlapError) as exc:
        services.agreement_activate(actor=actor, agreement_id=agreement.pk)
    return exc.value


def _everything_said(err: OverlapError) -> str:
    return err.message + json.dumps(err.conflicts, ensure_ascii=False, default=str) + json.dumps(err.fields,
                                                                                                 ensure_ascii=False)


def test_invisible_conflict_reveals_nothing_of_the_other_agreement(world):
    org = world.org
    # 广州's rep holds an exclusive for 宁波 and 浙一 (in 杭州); rep_pd1 cannot see that agent
    other = make_agreement(world.agent_g, actor=org.rep_gz, products=[world.p1, world.p2],
                           regions=["330200"], hospitals=[world.hosp_zy], number="GZ-SECRET-9",
                           rebate_terms="季度返利3%", notes="机密", activate=True)
    mine = make_agreement(world.agent_a, products=[world.p1, world.p3], regions=["330100", "320000"])
    err = _conflict(org.rep_pd1, mine)
    said = _everything_said(err)
    assert "与另一份独家协议冲突（无权查看详情）" in err.message
    for secret in ("GZ-SECRET-9", "广州南方医药有限公司", "浙江大学医学院附属第一医院", "刘洋", "季度返利", "机密",
                   other.start_date.isoformat(), other.end_date.isoformat(), "330200", "宁波", "330102"):
        assert secret not in said, secret
    (c,) = err.conflicts
    assert c["visible"] is False and c["agreement"] is None
    assert [p["id"] for p in c["products"]] == [world.p1.pk]      # the shared product: the user's own
    assert [t["mine"]["key"] for t in c["territory"]] == ["330100"]  # only the user's own overlapping region
    assert all(t["theirs"] is None for t in c["territory"])


def test_several_invisible_conflicts_are_merged_into_one_entry(world):
    org = world.org
    make_agreement(world.agent_g, actor=org.rep_gz, products=[world.p1], regions=["330100"], activate=True)
    make_agreement(world.agent_g, actor=org.rep_gz, products=[world.p2], regions=["330000"], activate=True)
    mine = make_agreement(world.agent_a, products=[world.p1, world.p2], regions=["330106"])
    err = _conflict(org.rep_pd1, mine)
    assert len(err.conflicts) == 1  # not even the number of hidden agreements is told
    assert {p["id"] for p in err.conflicts[0]["products"]} == {world.p1.pk, world.p2.pk}


def test_visible_and_invisible_conflicts_together(world):
    org = world.org
    seen = make_agreement(world.agent_a, products=[world.p1], regions=["330100"], number="ZJ-01", activate=True)
    make_agreement(world.agent_g, actor=org.rep_gz, products=[world.p1], regions=["330200"], number="GZ-02",
                   activate=True)
    mine = make_agreement(world.agent_a, products=[world.p1], regions=["330000"])
    err = _conflict(org.rep_pd1, mine)
    assert [c["visible"] for c in err.conflicts] == [True, False]
    assert err.conflicts[0]["agreement"]["number"] == "ZJ-01" and err.conflicts[0]["agreement"]["id"] == seen.pk
    assert "GZ-02" not in _everything_said(err)


def test_the_same_conflict_is_named_for_a_head_who_sees_both(world):
    org = world.org
    make_agreement(world.agent_g, actor=org.rep_gz, products=[world.p1], regions=["330000"], number="GZ-03",
                   activate=True)
    mine = make_agreement(world.agent_a, actor=org.admin, products=[world.p1], regions=["330106"])
    err = _conflict(org.admin, mine)
    assert err.conflicts[0]["visible"] and "GZ-03" in err.message and "广州南方医药有限公司" in err.message
    # a share of the other agent makes it visible to the rep too
    from tests.factories import make_share

    make_share(world.agent_g, user=org.rep_pd1)
    mine2 = make_agreement(world.agent_a, products=[world.p1], regions=["330102"])
    err = _conflict(org.rep_pd1, mine2)
    assert err.conflicts[0]["visible"] and err.conflicts[0]["agreement"]["number"] == "GZ-03"
