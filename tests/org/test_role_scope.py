"""Cross-cutting role scopes are data (RoleScope rows), not code."""

import pytest

from pharmcrm.org import services, visibility
from pharmcrm.org.models import RoleScope, User
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def scope(user, area):
    return visibility.role_scope(User.objects.get(pk=user.pk), area)


def test_seeded_scopes(org):
    wh = make_user("wh", department=org.hq, roles=("warehouse",))
    assert scope(org.finance, "orders") == "all"
    assert scope(org.finance, "payments") == "all"
    assert scope(org.finance, "invoices") == "all"
    assert scope(wh, "orders") == "approved"
    assert scope(wh, "payments") is None
    assert scope(org.rep_pd1, "orders") is None
    assert scope(org.ceo, "orders") is None  # heading a department is not a role scope
    assert scope(org.admin, "orders") == "all"
    assert scope(org.admin, "anything-at-all") == "all"
    # customers have no role scope: finance does not see customers it cannot otherwise see
    assert scope(org.finance, "customers") is None


def test_superuser_is_admin_and_inactive_gets_nothing(org):
    su = make_user("su", department=org.hq, roles=())
    User.objects.filter(pk=su.pk).update(is_superuser=True)
    assert scope(su, "orders") == "all"
    gone_fin = make_user("gone_fin", department=org.hq, roles=("finance",), is_active=False)
    assert scope(gone_fin, "orders") is None
    gone_admin = make_user("gone_admin", department=org.hq, roles=("admin",), is_active=False)
    assert scope(gone_admin, "orders") is None


def test_widest_scope_wins(org):
    both = make_user("both", department=org.hq, roles=("warehouse", "finance"))
    assert scope(both, "orders") == "all"


def test_a_new_row_changes_the_answer_without_code(org):
    assert scope(org.rep_pd1, "tenders") is None
    RoleScope.objects.create(role="sales_rep", area="tenders", scope="approved")
    assert scope(org.rep_pd1, "tenders") == "approved"
    RoleScope.objects.filter(role="sales_rep", area="tenders").update(scope="all")
    assert scope(org.rep_pd1, "tenders") == "all"
    RoleScope.objects.filter(role="warehouse", area="orders").delete()
    assert scope(make_user("wh2", department=org.hq, roles=("warehouse",)), "orders") is None


def test_role_change_through_service_changes_the_answer(org):
    services.user_update(actor=org.admin, user_id=org.rep_pd1.pk, roles=["sales_rep", "finance"])
    assert scope(org.rep_pd1, "payments") == "all"
    services.user_update(actor=org.admin, user_id=org.rep_pd1.pk, roles=["sales_rep"])
    assert scope(org.rep_pd1, "payments") is None
