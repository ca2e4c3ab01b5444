"""The remote user look-up behind the owner/successor/share selects, and the cached department
choices of the customer-list filter."""

from django.urls import reverse

from pharmcrm.org import services as org_services
from pharmcrm.org.models import User
from pharmcrm.org.selectors import department_choices_cached, department_flat
from tests.factories import make_customer, make_user

URL = "web:user_lookup"


def _ids(client, **params):
    r = client.get(reverse(URL), params)
    assert r.status_code == 200 and r["Content-Type"].startswith("application/json")
    data = r.json()
    assert all(set(row) == {"id", "label"} for row in data)
    return {row["id"] for row in data}


def test_anonymous_is_sent_to_login(client, org):
    r = client.get(reverse(URL))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_rep_gets_only_themselves(as_user, org):
    assert _ids(as_user(org.rep_pd1)) == {org.rep_pd1.pk}
    assert _ids(as_user(org.rep_pd1), q="李") == set()


def test_head_gets_their_subtree(as_user, org):
    c = as_user(org.sh_head)
    assert _ids(c) == {org.sh_head.pk, org.pd_head.pk, org.rep_pd1.pk, org.rep_pd2.pk, org.rep_px.pk}
    assert _ids(c, q="王") == {org.rep_px.pk}
    assert _ids(c, q="rep_pd") == {org.rep_pd1.pk, org.rep_pd2.pk}
    assert _ids(c, q="刘洋") == set()  # 广州: not theirs


def test_admin_gets_everyone_and_at_most_20(as_user, org):
    for i in range(25):
        make_user(f"bulk{i:02d}", department=org.gz, full_name=f"批量{i:02d}")
    c = as_user(org.admin)
    assert org.rep_gz.pk in _ids(c, q="刘")
    assert len(_ids(c)) == 20
    assert len(_ids(c, limit=5)) == 5
    assert len(_ids(c, limit=500)) == 20
    assert len(_ids(c, limit="x")) == 20  # malformed: ignored, no 500


def test_inactive_users_last_in_scope_and_excluded_for_active_and_all(as_user, org):
    gone = make_user("gone", department=org.pd, is_active=False, full_name="离职小王")
    c = as_user(org.pd_head)
    r = c.get(reverse(URL), {"q": "小王"}).json()
    assert [row["id"] for row in r] == [gone.pk]  # a deactivated owner can still be filtered on
    assert gone.pk not in _ids(c, active="1")
    assert gone.pk not in _ids(c, scope="all")


def test_scope_all_gives_active_users_company_wide(as_user, org):
    c = as_user(org.rep_pd1)
    everyone = set(User.objects.filter(is_active=True).values_list("pk", flat=True)[:20])
    assert _ids(c, scope="all") == everyone
    assert _ids(c, scope="all", q="刘洋") == {org.rep_gz.pk}
    assert org.rep_pd1.pk not in _ids(c, scope="all", exclude=org.rep_pd1.pk)


def test_owner_filter_validated_against_scope_and_renders_only_the_chosen_owner(as_user, org):
    make_customer(org.rep_pd1, "客户甲")
    make_customer(org.rep_gz, "客户乙")
    c = as_user(org.sh_head)
    r = c.get(reverse("web:customer_list"), {"owner": org.rep_pd1.pk})
    assert [v for v, _l in r.context["form"].fields["owner"].choices if v] == [str(org.rep_pd1.pk)]
    assert r.context["values"]["owner"] == org.rep_pd1.pk
    assert [row.name for row in r.context["rows"]] == ["客户甲"]
    # someone outside the head's scope is ignored, not shown, no 500
    r = c.get(reverse("web:customer_list"), {"owner": org.rep_gz.pk})
    assert r.status_code == 200 and r.context["values"]["owner"] is None
    assert "客户乙" not in r.content.decode()
    r = c.get(reverse("web:customer_list"))
    assert [v for v, _l in r.context["form"].fields["owner"].choices if v] == []
    assert 'data-remote-options="/lookup/users/"' in r.content.decode()


def test_department_choices_cached_match_the_tree_and_follow_changes(as_user, org):
    flat = [(n.department.pk, n.department.name, n.depth) for n in department_flat()]
    assert [(n.id, n.name, n.depth) for n in department_choices_cached()] == flat
    c = as_user(org.admin)
    r = c.get(reverse("web:customer_list"))
    assert "浦东组" in r.content.decode()
    org_services.department_update(actor=org.admin, department_id=org.pd.pk, name="浦东一组")
    r = c.get(reverse("web:customer_list"))
    labels = [label for _v, label in r.context["form"].fields["department"].choices]
    assert any(label.endswith("浦东一组") for label in labels) and not any(lb.endswith("浦东组") for lb in labels)
    # a move shows at once too (depth changes)
    org_services.department_update(actor=org.admin, department_id=org.pd.pk, parent_id=org.south.pk)
    node = next(n for n in department_choices_cached() if n.id == org.pd.pk)
    assert node.parent_id == org.south.pk and node.depth == 2
    # a new department appears for a head of its parent
    org_services.department_create(actor=org.admin, name="浦西二组", parent_id=org.sh.pk)
    r = as_user(org.sh_head).get(reverse("web:customer_list"))
    assert any(label.endswith("浦西二组") for _v, label in r.context["form"].fields["department"].choices)


def test_department_choices_served_from_cache(org, django_assert_num_queries):
    department_choices_cached()
    with django_assert_num_queries(1):  # the fingerprint only
        assert len(department_choices_cached()) == 7
