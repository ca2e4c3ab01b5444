""""Likely to close soon" against a plain-Python reference: random close dates, probabilities,
stages and owners; the selection for me and for my team (heads: the subtree) equals the
reference exactly, for random N and P."""

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pharmcrm.opportunities import selectors
from pharmcrm.opportunities.models import Opportunity, Stage, StageKind

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)


def reference(rows, *, owners, today, days, p):
    return {r.pk for r in rows
            if r.stage.kind == StageKind.OPEN and r.expected_close_date is not None
            and today <= r.expected_close_date <= today + datetime.timedelta(days=days)
            and r.probability >= p and r.owner_id in owners}


row = st.tuples(st.integers(0, 3),  # owner index
                st.integers(0, 5),  # stage index
                st.one_of(st.none(), st.integers(-10, 70)),  # close offset
                st.integers(0, 100))  # probability


@settings(max_examples=60)
@given(rows=st.lists(row, max_size=14), days=st.integers(0, 60), p=st.integers(0, 100))
def test_likely_to_close_matches_reference(org, book, rows, days, p):
    Opportunity.objects.all().delete()
    stages = list(Stage.objects.order_by("order"))
    owners = [org.rep_pd1, org.rep_pd2, org.rep_px, org.rep_gz]
    customers = [book.pd1, book.pd2, book.px, book.gz]
    made = []
    for who, s, offset, prob in rows:
        made.append(Opportunity.objects.create(
            customer=customers[who], name="x", stage=stages[s], probability=prob, owner=owners[who],
            created_by=owners[who], expected_close_date=None if offset is None else TODAY + datetime.timedelta(offset)))

    def got(actor, scope):
        return set(selectors.likely_to_close(actor=actor, scope=scope, today=TODAY, days=days, min_probability=p)
                   .values_list("pk", flat=True))

    assert got(org.rep_pd1, "mine") == reference(made, owners={org.rep_pd1.pk}, today=TODAY, days=days, p=p)
    # 浦东组长 heads 浦东组 (张伟, 李娜); 上海经理 the whole office (+ 王芳); 华南总监 刘洋
    assert got(org.pd_head, "team") == reference(made, owners={org.rep_pd1.pk, org.rep_pd2.pk}, today=TODAY,
                                                 days=days, p=p)
    assert got(org.sh_head, "team") == reference(made, owners={org.rep_pd1.pk, org.rep_pd2.pk, org.rep_px.pk},
                                                 today=TODAY, days=days, p=p)
    assert got(org.south_head, "team") == reference(made, owners={org.rep_gz.pk}, today=TODAY, days=days, p=p)
    # a rep asking for "team" gets their own
    assert got(org.rep_px, "team") == reference(made, owners={org.rep_px.pk}, today=TODAY, days=days, p=p)
    # the list filter is the same selection over what the user sees
    f = selectors.OpportunityFilters(likely=True, likely_days=days, likely_probability=p, scope="team")
    assert set(selectors.opportunity_list(actor=org.sh_head, filters=f, today=TODAY).values_list("pk", flat=True)) \
        == got(org.sh_head, "team")


def test_defaults_are_30_days_and_50_percent(org, book):
    stages = {s.name: s for s in Stage.objects.all()}

    def mk(offset, stage, prob=None):
        s = stages[stage]
        return Opportunity.objects.create(customer=book.pd1, name="x", stage=s, probability=prob or s.probability,
                                          owner=org.rep_pd1, created_by=org.rep_pd1,
                                          expected_close_date=TODAY + datetime.timedelta(offset))

    yes = [mk(0, "方案报价"), mk(30, "商务谈判")]
    mk(31, "商务谈判"), mk(-1, "商务谈判"), mk(5, "需求确认"), mk(5, "赢单"), mk(5, "输单", 90)
    got = list(selectors.likely_to_close(actor=org.rep_pd1, today=TODAY))
    assert got == yes
