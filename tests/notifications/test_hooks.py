"""The events that notify: shares, transfers, duplicate conflicts raised and decided."""

import pytest
from django.utils import translation

from pharmcrm.customers import conflicts, services
from pharmcrm.customers.duplicates import duplicate_find
from pharmcrm.customers.services import TransferAssignment
from pharmcrm.notifications.models import Notification, NotificationKind
from tests.factories import make_customer, make_group, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _of(user):
    return list(Notification.objects.filter(recipient=user).order_by("pk"))


def test_share_with_a_user(org, django_capture_on_commit_callbacks):
    c = make_customer(org.rep_pd1, "上海仁济医院")
    with django_capture_on_commit_callbacks(execute=True):
        services.share_create(actor=org.rep_pd1, customer_id=c.pk, user_id=org.rep_gz.pk, access="write")
    [n] = _of(org.rep_gz)
    assert n.kind == NotificationKind.CUSTOMER_SHARED and n.actor == org.rep_pd1
    assert n.link == f"/customers/{c.pk}/"
    assert n.text == "张伟 shared the customer “上海仁济医院” with you (read-write)."
    assert not _of(org.rep_pd1)
    with django_capture_on_commit_callbacks(execute=True):  # only the access changes: nothing new
        services.share_create(actor=org.rep_pd1, customer_id=c.pk, user_id=org.rep_gz.pk, access="read")
    assert len(_of(org.rep_gz)) == 1


def test_share_with_a_group_notifies_each_member_but_the_actor(org, django_capture_on_commit_callbacks):
    gone = make_user("gone", department=org.gz, is_active=False)
    group = make_group("华南共享组", members=[org.rep_gz, org.south_head, org.rep_pd1, gone])
    c = make_customer(org.rep_pd1, "上海仁济医院")
    with django_capture_on_commit_callbacks(execute=True):
        services.share_create(actor=org.rep_pd1, customer_id=c.pk, group_id=group.pk)
    assert {n.recipient_id for n in Notification.objects.all()} == {org.rep_gz.pk, org.south_head.pk}
    assert "your share group 华南共享组 (read-only)" in _of(org.rep_gz)[0].text


def test_rolled_back_share_notifies_nobody(org, django_capture_on_commit_callbacks):
    c = make_customer(org.rep_pd1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.share_create(actor=org.rep_pd1, customer_id=c.pk, user_id=org.rep_gz.pk)
    # the test's transaction is rolled back: the callbacks never run, and nothing was written
    assert callbacks and not Notification.objects.exists()


def test_transfer_one_notification_per_successor(org, django_capture_on_commit_callbacks):
    a, b, c = (make_customer(org.rep_pd1, f"客户{i}") for i in range(3))
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_transfer(actor=org.sh_head, assignments=[
            TransferAssignment([a.pk, b.pk], org.rep_pd2.pk), TransferAssignment([c.pk], org.rep_px.pk)])
    [to_pd2] = _of(org.rep_pd2)
    assert to_pd2.kind == NotificationKind.CUSTOMER_TRANSFERRED and to_pd2.params["count"] == 2
    assert to_pd2.text == "上海经理 transferred 2 customers to you."
    assert to_pd2.link == f"/customers/?owner={org.rep_pd2.pk}"
    [to_px] = _of(org.rep_px)
    assert to_px.text == "上海经理 transferred the customer “客户2” to you." and to_px.link == f"/customers/{c.pk}/"
    assert not _of(org.rep_pd1)


def test_transfer_all(org, django_capture_on_commit_callbacks):
    for i in range(3):
        make_customer(org.rep_pd1, f"客户{i}")
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_transfer_all(actor=org.pd_head, from_user_id=org.rep_pd1.pk, to_user_id=org.rep_pd2.pk)
    [n] = _of(org.rep_pd2)
    assert n.params["count"] == 3 and n.actor == org.pd_head


# --- conflicts -----------------------------------------------------------------------------

DATA = {"name": "国药控股上海有限公司", "type": "distributor", "phone": "021-58888888"}


def _raise(actor, data=DATA):
    ref = duplicate_find(actor=actor, name=data["name"], phone=data.get("phone", ""), credit_code="")[0].ref
    return conflicts.conflict_raise(actor=actor, ref=ref, data=data, reason="我去年就拜访过")


def test_conflict_raised_notifies_the_arbiters(org, django_capture_on_commit_callbacks):
    make_customer(org.rep_pd1, "国药控股（上海）有限公司", phone="021 5888 8888", type="distributor")
    second_head = make_user("sh_head2", department=org.sh, heads=(org.sh,), full_name="上海副经理")
    with django_capture_on_commit_callbacks(execute=True):
        c = _raise(org.rep_px)  # 浦西组 vs 浦东组: the 上海办事处 heads decide
    assert c.arbiter_department == org.sh
    assert {n.recipient_id for n in Notification.objects.all()} == {org.sh_head.pk, second_head.pk}
    n = _of(org.sh_head)[0]
    assert n.kind == NotificationKind.CONFLICT_RAISED and n.link == f"/customers/conflicts/{c.pk}/"
    assert n.text == "王芳 claims the customer “国药控股（上海）有限公司” (duplicate conflict); it awaits your decision."


def test_conflict_without_arbiter_department_goes_to_administrators(org, django_capture_on_commit_callbacks):
    from pharmcrm.org.models import DepartmentHead

    make_customer(org.rep_pd1, "国药控股（上海）有限公司", phone="021 5888 8888", type="distributor")
    DepartmentHead.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        c = _raise(org.rep_gz)
    assert c.arbiter_department is None
    assert {n.recipient_id for n in Notification.objects.all()} == {org.admin.pk}


def test_conflict_decided_notifies_the_claimant_without_leaking(org, django_capture_on_commit_callbacks):
    make_customer(org.rep_pd1, "国药控股（上海）有限公司", phone="021 5888 8888", type="distributor")
    with django_capture_on_commit_callbacks(execute=True):
        c = _raise(org.rep_px)
    with django_capture_on_commit_callbacks(execute=True):
        conflicts.conflict_decide(actor=org.sh_head, conflict_id=c.pk, decision="keep")
    [n] = _of(org.rep_px)
    assert n.kind == NotificationKind.CONFLICT_DECIDED and n.actor == org.sh_head
    # kept: the claimant still cannot see the existing customer, so only the name they typed shows
    assert "国药控股（上海）" not in n.text
    assert n.text == "上海经理 decided your duplicate conflict about “国药控股上海有限公司”: Kept by the owner."
    assert n.link == f"/customers/conflicts/{c.pk}/"
    assert not _of(org.rep_pd1)  # (the owner is not notified of a decision in this slice)


def test_conflict_transferred_names_the_customer(org, django_capture_on_commit_callbacks):
    make_customer(org.rep_pd1, "国药控股（上海）有限公司", phone="021 5888 8888", type="distributor")
    with django_capture_on_commit_callbacks(execute=True):
        c = _raise(org.rep_px)
    with django_capture_on_commit_callbacks(execute=True):
        conflicts.conflict_decide(actor=org.sh_head, conflict_id=c.pk, decision="transfer")
    decided = Notification.objects.get(recipient=org.rep_px, kind=NotificationKind.CONFLICT_DECIDED)
    assert "国药控股（上海）有限公司" in decided.text and "Transferred to the claimant" in decided.text
    # one notice for one decision: not also "transferred to you"
    assert not Notification.objects.filter(recipient=org.rep_px, kind=NotificationKind.CUSTOMER_TRANSFERRED).exists()


def test_listeners_are_registered_at_start_up():
    from pharmcrm.notifications import hooks

    assert hooks.on_share in services.share_listeners
    assert hooks.on_transfer in services.transfer_listeners
    assert hooks.on_conflict in conflicts.conflict_listeners
    hooks.register()  # again: nothing is added twice
    assert services.share_listeners.count(hooks.on_share) == 1


@pytest.mark.django_db(transaction=True)  # a real commit (the capture helper ignores robust=True)
def test_a_failing_listener_neither_breaks_the_share_nor_the_others(org):
    def broken(actor, share):
        raise RuntimeError("a broken listener")

    services.share_listeners.insert(0, broken)
    try:
        c = make_customer(org.rep_pd1)
        share = services.share_create(actor=org.rep_pd1, customer_id=c.pk, user_id=org.rep_gz.pk)
    finally:
        services.share_listeners.remove(broken)
    assert share.pk and len(_of(org.rep_gz)) == 1


@pytest.mark.django_db(transaction=True)  # real commits and rollbacks
def test_a_share_rolled_back_notifies_nobody_a_committed_one_does(org):
    from django.db import transaction

    c = make_customer(org.rep_pd1)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.share_create(actor=org.rep_pd1, customer_id=c.pk, user_id=org.rep_gz.pk)
        raise RuntimeError("something later in the same request fails")
    assert not Notification.objects.exists()
    services.share_create(actor=org.rep_pd1, customer_id=c.pk, user_id=org.rep_gz.pk)
    assert len(_of(org.rep_gz)) == 1
