"""The transfer screen: both modes, the confirmation step, who may use it, bad input."""

import pytest
from django.urls import reverse

from pharmcrm.customers.models import Customer, CustomerShare, TransferLog
from tests.factories import make_customer, make_user

pytestmark = pytest.mark.django_db

URL = "web:customer_transfer"


def test_only_heads_and_admins(as_user, org):
    assert as_user(org.rep_pd1).get(reverse(URL)).status_code == 403
    assert as_user(org.finance).post(reverse(URL), {"mode": "all"}).status_code == 403
    assert as_user(org.pd_head).get(reverse(URL)).status_code == 200
    assert as_user(org.admin).get(reverse(URL)).status_code == 200


def test_successors_limited_to_active_users_in_scope(as_user, org):
    gone = make_user("gone", department=org.pd, is_active=False, full_name="离职小王")
    c = as_user(org.pd_head)
    # the selects are remote (web:user_lookup): successors = active users in scope, owners include the gone
    lookup = reverse("web:user_lookup")
    successors = {row["id"] for row in c.get(lookup, {"active": "1"}).json()}
    assert successors == {org.pd_head.pk, org.rep_pd1.pk, org.rep_pd2.pk}
    assert gone.pk not in successors
    owners = {row["id"] for row in c.get(lookup).json()}
    assert gone.pk in owners and org.rep_gz.pk not in owners
    # the page itself holds only the chosen users, checked against the scope
    r = c.get(reverse(URL), {"from_user": gone.pk})
    from_choices = {v for v, _l in r.context["all_form"].fields["from_user"].choices if v}
    assert from_choices == {str(gone.pk)}
    r = c.get(reverse(URL), {"from_user": org.rep_gz.pk})
    assert {v for v, _l in r.context["all_form"].fields["from_user"].choices if v} == set()


def test_transfer_all_with_confirmation(as_user, org):
    a = make_customer(org.rep_pd1, "客户甲")
    b = make_customer(org.rep_pd1, "客户乙")
    CustomerShare.objects.create(customer=a, user=org.rep_px, access="read", created_by=org.rep_pd1)
    c = as_user(org.sh_head)
    data = {"mode": "all", "from_user": org.rep_pd1.pk, "to_user": org.rep_pd2.pk, "reason": "张伟离职"}
    r = c.post(reverse(URL), data)
    assert r.status_code == 200 and r.context["confirm_needed"]
    assert "将 2 个客户及其全部跟进记录转移给 李娜" in r.content.decode()
    assert Customer.objects.filter(owner=org.rep_pd1).count() == 2        # nothing happened yet
    r = c.post(reverse(URL), {**data, "confirm": "1"})                      # keep_shares unticked
    assert r.status_code == 302
    assert set(Customer.objects.filter(owner=org.rep_pd2).values_list("pk", flat=True)) == {a.pk, b.pk}
    assert not CustomerShare.objects.filter(customer=a, user=org.rep_px).exists()
    log = TransferLog.objects.get()
    assert log.reason == "张伟离职" and log.actor == org.sh_head and log.customer_count == 2


def test_transfer_selected_split_among_successors(as_user, org):
    a = make_customer(org.rep_pd1, "客户甲")
    b = make_customer(org.rep_pd1, "客户乙")
    d = make_customer(org.rep_px, "客户丙")
    CustomerShare.objects.create(customer=a, user=org.rep_px, access="read", created_by=org.rep_pd1)
    c = as_user(org.sh_head)
    r = c.get(reverse(URL), {"mode": "selected", "ids": [a.pk, b.pk, d.pk]})
    assert [row["customer"].pk for row in r.context["rows"]] == sorted([a.pk, b.pk, d.pk],
                                                                       key=lambda i: Customer.objects.get(pk=i).name)
    data = {"mode": "selected", "ids": [a.pk, b.pk, d.pk], f"to_{a.pk}": org.rep_pd2.pk, f"to_{b.pk}": org.rep_px.pk,
            f"to_{d.pk}": org.rep_pd2.pk, "keep_shares": "on"}
    r = c.post(reverse(URL), data)
    body = r.content.decode()
    assert r.context["confirm_needed"]
    assert "将 2 个客户及其全部跟进记录转移给 李娜" in body and "将 1 个客户及其全部跟进记录转移给 王芳" in body
    r = c.post(reverse(URL), {**data, "confirm": "1"})
    assert r.status_code == 302
    owners = dict(Customer.objects.filter(pk__in=[a.pk, b.pk, d.pk]).values_list("pk", "owner_id"))
    assert owners == {a.pk: org.rep_pd2.pk, b.pk: org.rep_px.pk, d.pk: org.rep_pd2.pk}
    assert CustomerShare.objects.filter(customer=a, user=org.rep_px).exists()   # kept


def test_selected_outside_scope_are_left_out(as_user, org):
    mine = make_customer(org.rep_pd1, "客户甲")
    theirs = make_customer(org.rep_gz, "广州客户")
    r = as_user(org.pd_head).get(reverse(URL), {"mode": "selected", "ids": [mine.pk, theirs.pk]})
    assert [row["customer"].pk for row in r.context["rows"]] == [mine.pk]
    assert r.context["skipped"] == 1
    # forcing the foreign id through the POST does not move it
    r = as_user(org.pd_head).post(reverse(URL), {"mode": "selected", "ids": [theirs.pk], f"to_{theirs.pk}": org.rep_pd2.pk,
                                                 "confirm": "1"})
    assert r.status_code == 400
    assert Customer.objects.get(pk=theirs.pk).owner == org.rep_gz


def test_bad_input_changes_nothing(as_user, org):
    a = make_customer(org.rep_pd1, "客户甲")
    gone = make_user("gone", department=org.pd, is_active=False)
    c = as_user(org.sh_head)
    cases = [
        {"mode": "all", "from_user": org.rep_pd1.pk, "to_user": gone.pk, "confirm": "1"},          # inactive
        {"mode": "all", "from_user": org.rep_pd1.pk, "to_user": org.rep_gz.pk, "confirm": "1"},    # out of scope
        {"mode": "all", "from_user": org.rep_pd1.pk, "to_user": org.rep_pd1.pk, "confirm": "1"},   # same person
        {"mode": "all", "from_user": "abc", "to_user": "", "confirm": "1"},
        {"mode": "selected", "ids": [a.pk], f"to_{a.pk}": gone.pk, "confirm": "1"},
        {"mode": "selected", "ids": ["x", "-1"], "confirm": "1"},
        {"mode": "selected", "ids": [a.pk], f"to_{a.pk}": org.rep_pd2.pk, "reason": "x" * 400, "confirm": "1"},
        {"mode": "evil", "confirm": "1"},
    ]
    for data in cases:
        r = c.post(reverse(URL), data)
        assert r.status_code == 400, data
    assert Customer.objects.get(pk=a.pk).owner == org.rep_pd1
    assert not TransferLog.objects.exists()
