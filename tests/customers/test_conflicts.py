"""撞单申诉: raise, withdraw, decide (keep / transfer / merge), who arbitrates, who sees what."""

import pytest
from django.core.exceptions import PermissionDenied

from pharmcrm.core.errors import ApplicationError, NotFound
from pharmcrm.core.models import AuditEvent
from pharmcrm.customers import conflict_selectors as sel
from pharmcrm.customers import conflicts
from pharmcrm.customers.conflict_models import ConflictStatus, CustomerConflict
from pharmcrm.customers.duplicates import duplicate_find
from pharmcrm.customers.models import Customer, TransferItem
from pharmcrm.org import visibility
from tests.factories import make_customer, make_user

pytestmark = pytest.mark.django_db

DATA = {"name": "国药控股上海有限公司", "type": "distributor", "phone": "021-58888888", "address": "我填的地址"}


@pytest.fixture
def existing(org):
    return make_customer(org.rep_pd1, "国药控股（上海）有限公司", phone="021 5888 8888", type="distributor")


def _raise(actor, data=DATA, reason="我去年就拜访过", **kw):
    ref = duplicate_find(actor=actor, name=data.get("name", ""), phone=data.get("phone", ""),
                         credit_code=data.get("credit_code", ""),
                         exclude_id=kw.get("claimant_customer_id"))[0].ref
    return conflicts.conflict_raise(actor=actor, ref=ref, data=data, reason=reason, **kw)


def test_raise_records_the_claim_and_its_arbiter(org, existing):
    events = []

    def listener(event, c):
        events.append((event, c.pk))

    conflicts.conflict_listeners.append(listener)
    try:
        c = _raise(org.rep_px)  # 王芳, 浦西组; the owner is in 浦东组: both under 上海办事处
    finally:
        conflicts.conflict_listeners.remove(listener)  # not clear(): the notifications' listener stays
    assert c.customer == existing and c.owner == org.rep_pd1 and c.claimant == org.rep_px
    assert c.status == ConflictStatus.OPEN and c.matched_on == ["name", "phone"]
    assert c.arbiter_department == org.sh
    assert c.data == {k: v for k, v in DATA.items()}
    assert events == [("raised", c.pk)]  # (on_commit runs at once in these tests: see the fixture below)
    ev = AuditEvent.objects.get(action="conflict_raise")
    assert ev.customer_id == existing.pk and ev.changes["claimant"] == [None, "王芳"]
    assert all(isinstance(v, list) and len(v) == 2 for v in ev.changes.values())  # the history tab's shape


@pytest.fixture(autouse=True)
def _run_on_commit(monkeypatch):
    """Tests run in a transaction that is rolled back: run on_commit callbacks at once."""
    monkeypatch.setattr("django.db.transaction.on_commit", lambda fn, using=None, robust=False: fn())


@pytest.mark.parametrize("claimant,arbiter", [
    ("rep_pd2", "pd"),  # same team: the team head (浦东组长)
    ("rep_px", "sh"),  # sister teams: the office (上海经理)
    ("rep_gz", "hq"),  # another region: the company (总经理)
])
def test_arbiter_is_the_lowest_common_head(org, existing, claimant, arbiter):
    c = _raise(getattr(org, claimant))
    assert c.arbiter_department == getattr(org, arbiter)


def test_arbiter_skips_claimant_and_owner_and_inactive_heads(org):
    mine = make_customer(org.pd_head, "浦东组长的客户")
    c = _raise(org.rep_pd1, data={"name": "浦东组长的客户"})
    assert c.arbiter_department == org.sh  # 浦东组长 owns it: the next head up decides
    from pharmcrm.org.models import User

    User.objects.filter(pk=org.sh_head.pk).update(is_active=False)
    other = make_customer(org.rep_px, "浦西客户")
    c2 = _raise(org.rep_pd2, data={"name": "浦西客户"})
    assert c2.arbiter_department == org.east
    assert mine and other


def test_no_common_head_means_administrators(org):
    from tests.factories import make_department

    island = make_department("独立事业部")
    loner = make_user("loner", department=island, full_name="孤狼")
    make_customer(org.rep_gz, "华南独家代理")
    c = _raise(loner, data={"name": "华南独家代理"})
    assert c.arbiter_department is None
    assert conflicts.can_decide(org.admin, c)
    assert not conflicts.can_decide(org.ceo, c)


def test_who_may_decide(org, existing):
    c = _raise(org.rep_px)
    assert {u.username for u in (org.sh_head, org.east_head, org.ceo, org.admin) if conflicts.can_decide(u, c)} == {
        "sh_head", "east_head", "ceo", "admin"}
    for u in (org.rep_px, org.rep_pd1, org.pd_head, org.rep_pd2, org.south_head, org.finance):
        assert not conflicts.can_decide(u, c), u.username
    with pytest.raises(PermissionDenied):
        conflicts.conflict_decide(actor=org.pd_head, conflict_id=c.pk, decision="keep")  # sees the customer, not a decider
    with pytest.raises(NotFound):
        conflicts.conflict_decide(actor=org.south_head, conflict_id=c.pk, decision="keep")
    with pytest.raises(PermissionDenied):
        conflicts.conflict_decide(actor=org.rep_px, conflict_id=c.pk, decision="transfer")  # the claimant
    with pytest.raises(PermissionDenied):
        conflicts.conflict_decide(actor=org.rep_pd1, conflict_id=c.pk, decision="keep")  # the owner


def test_raise_refusals(org, existing):
    with pytest.raises(ApplicationError) as exc:
        _raise(org.rep_px, reason="  ")
    assert exc.value.code == "required" and "reason" in exc.value.fields
    with pytest.raises(ApplicationError) as exc:
        conflicts.conflict_raise(actor=org.rep_px, ref="0" * 24, data=DATA, reason="x")
    assert exc.value.code == "no_match"
    # a ref of someone else's check does not work for me
    ref = duplicate_find(actor=org.rep_gz, name=DATA["name"])[0].ref
    with pytest.raises(ApplicationError):
        conflicts.conflict_raise(actor=org.rep_px, ref=ref, data=DATA, reason="x")
    with pytest.raises(ApplicationError) as exc:
        _raise(org.rep_pd1)
    assert exc.value.code == "own_customer"
    _raise(org.rep_px)
    with pytest.raises(ApplicationError) as exc:
        _raise(org.rep_px)
    assert exc.value.code == "already_raised"
    Customer.objects.filter(pk=existing.pk).update(owner=None, owner_department=None, pool_department=org.sh)
    with pytest.raises(ApplicationError) as exc:
        _raise(org.rep_pd2)
    assert exc.value.code == "in_pool"


def test_raise_with_a_record_of_ones_own_must_be_manageable(org, existing):
    theirs = make_customer(org.rep_pd2, "国药控股上海")
    with pytest.raises(NotFound):
        _raise(org.rep_px, claimant_customer_id=theirs.pk)


def test_decide_keep(org, existing):
    c = _raise(org.rep_px)
    c = conflicts.conflict_decide(actor=org.sh_head, conflict_id=c.pk, decision="keep", note="张伟先建档")
    assert (c.status, c.decided_by, c.decision_note) == (ConflictStatus.KEPT, org.sh_head, "张伟先建档")
    existing.refresh_from_db()
    assert existing.owner == org.rep_pd1
    with pytest.raises(ApplicationError) as exc:
        conflicts.conflict_decide(actor=org.sh_head, conflict_id=c.pk, decision="transfer")
    assert exc.value.code == "closed"
    assert AuditEvent.objects.filter(action="conflict_decide", customer_id=existing.pk).count() == 1


def test_decide_transfer_uses_the_transfer_path(org, existing):
    c = _raise(org.rep_px)
    assert not visibility.can_see(org.rep_px, existing.pk)
    conflicts.conflict_decide(actor=org.sh_head, conflict_id=c.pk, decision="transfer")
    existing.refresh_from_db()
    assert existing.owner == org.rep_px and existing.owner_department == org.px
    assert visibility.can_see(org.rep_px, existing.pk)
    item = TransferItem.objects.get(customer=existing)
    assert (item.from_user, item.to_user, item.log.actor) == (org.rep_pd1, org.rep_px, org.sh_head)
    assert AuditEvent.objects.filter(action="transfer", customer_id=existing.pk).exists()
    c.refresh_from_db()
    assert c.status == ConflictStatus.TRANSFERRED


def test_decide_transfer_merges_the_claimants_own_record(org, existing):
    own = make_customer(org.rep_px, "国药控股上海分部", address="浦西的地址")
    c = _raise(org.rep_px, claimant_customer_id=own.pk)
    assert c.claimant_customer == own
    conflicts.conflict_decide(actor=org.sh_head, conflict_id=c.pk, decision="transfer")
    existing.refresh_from_db()
    own.refresh_from_db()
    assert existing.owner == org.rep_px and existing.address == "浦西的地址"
    assert own.merged_into == existing and own.deleted_at is not None


def test_decide_merge(org, existing):
    own = make_customer(org.rep_px, "国药控股上海分部", credit_code="")
    c = _raise(org.rep_px, claimant_customer_id=own.pk)
    conflicts.conflict_decide(actor=org.east_head, conflict_id=c.pk, decision="merge")
    own.refresh_from_db()
    existing.refresh_from_db()
    assert own.merged_into == existing and existing.owner == org.rep_pd1
    assert CustomerConflict.objects.get(pk=c.pk).status == ConflictStatus.MERGED


def test_merge_needs_a_record_of_the_claimant(org, existing):
    c = _raise(org.rep_px)
    with pytest.raises(ApplicationError) as exc:
        conflicts.conflict_decide(actor=org.sh_head, conflict_id=c.pk, decision="merge")
    assert exc.value.code == "nothing_to_merge"
    with pytest.raises(ApplicationError) as exc:
        conflicts.conflict_decide(actor=org.sh_head, conflict_id=c.pk, decision="nonsense")
    assert exc.value.code == "invalid_decision"


def test_withdraw(org, existing):
    c = _raise(org.rep_px)
    with pytest.raises(PermissionDenied):
        conflicts.conflict_withdraw(actor=org.sh_head, conflict_id=c.pk)
    with pytest.raises(NotFound):
        conflicts.conflict_withdraw(actor=org.rep_gz, conflict_id=c.pk)
    c = conflicts.conflict_withdraw(actor=org.rep_px, conflict_id=c.pk)
    assert c.status == ConflictStatus.WITHDRAWN
    with pytest.raises(ApplicationError):
        conflicts.conflict_withdraw(actor=org.rep_px, conflict_id=c.pk)
    _raise(org.rep_px)  # may raise again once the first is closed


# --- selectors -------------------------------------------------------------------------------

def test_boxes(org, existing):
    c = _raise(org.rep_px)
    ids = lambda qs: [x.pk for x in qs]  # noqa: E731
    assert ids(sel.conflict_list(actor=org.sh_head, box="arbitrate")) == [c.pk]
    assert ids(sel.conflict_list(actor=org.ceo, box="arbitrate")) == [c.pk]
    assert ids(sel.conflict_list(actor=org.pd_head, box="arbitrate")) == []
    assert ids(sel.conflict_list(actor=org.south_head, box="arbitrate")) == []
    assert ids(sel.conflict_list(actor=org.rep_px, box="mine")) == [c.pk]
    assert ids(sel.conflict_list(actor=org.rep_px, box="arbitrate")) == []
    assert ids(sel.conflict_list(actor=org.rep_pd1, box="about")) == [c.pk]
    assert ids(sel.conflict_list(actor=org.admin, box="all")) == [c.pk]
    assert ids(sel.conflict_list(actor=org.sh_head, box="all")) == []
    assert sel.conflict_counts(actor=org.sh_head) == {"arbitrate": 1, "mine": 0, "about": 0}
    assert sel.conflict_counts(actor=org.admin)["all"] == 1
    conflicts.conflict_decide(actor=org.sh_head, conflict_id=c.pk, decision="keep")
    assert ids(sel.conflict_list(actor=org.sh_head, box="arbitrate")) == []
    assert ids(sel.conflict_list(actor=org.sh_head, box="arbitrate", status="closed")) == [c.pk]
    assert ids(sel.conflict_list(actor=org.rep_px, box="mine", status="any")) == [c.pk]


def test_who_sees_what(org, existing):
    own = make_customer(org.rep_px, "国药控股上海分部")
    c = _raise(org.rep_px, claimant_customer_id=own.pk)
    for u in (org.rep_pd2, org.rep_gz, org.south_head, org.finance):
        with pytest.raises(NotFound):
            sel.conflict_get(actor=u, conflict_id=c.pk)
    v = sel.conflict_sides(actor=org.rep_px, conflict=sel.conflict_get(actor=org.rep_px, conflict_id=c.pk))
    assert v.existing is None and v.claimant_record == own and v.show_data and v.can_withdraw and not v.can_decide
    v = sel.conflict_sides(actor=org.rep_pd1, conflict=sel.conflict_get(actor=org.rep_pd1, conflict_id=c.pk))
    assert v.existing == existing and v.claimant_record is None and not v.show_data and not v.can_decide
    v = sel.conflict_sides(actor=org.pd_head, conflict=sel.conflict_get(actor=org.pd_head, conflict_id=c.pk))
    assert v.existing == existing and v.claimant_record is None and not v.show_data and not v.can_decide
    v = sel.conflict_sides(actor=org.sh_head, conflict=sel.conflict_get(actor=org.sh_head, conflict_id=c.pk))
    assert v.existing == existing and v.claimant_record == own and v.show_data and v.can_decide
    conflicts.conflict_decide(actor=org.sh_head, conflict_id=c.pk, decision="transfer")
    v = sel.conflict_sides(actor=org.rep_px, conflict=sel.conflict_get(actor=org.rep_px, conflict_id=c.pk))
    assert v.existing == existing  # now theirs
    with pytest.raises(NotFound):
        sel.conflict_get(actor=org.admin, conflict_id=999999)
