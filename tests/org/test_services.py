"""org.services: departments (closure), users, roles, deactivation, share groups, API tokens."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.test import Client

from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.core.models import AuditEvent
from pharmcrm.customers.models import Customer, TransferItem, TransferLog
from pharmcrm.org import services
from pharmcrm.org.models import (
    ApiToken,
    Department,
    DepartmentClosure,
    DepartmentHead,
    ShareGroup,
    User,
    UserRole,
)
from tests.factories import make_customer, make_department, make_user
from tests.org.reference import db_closure, load_world

pytestmark = pytest.mark.django_db


def closure_is_consistent() -> bool:
    return db_closure() == load_world().closure()


def events(target, action=None):
    qs = AuditEvent.objects.filter(target_type=target._meta.model_name, target_id=target.pk)
    if action:
        qs = qs.filter(action=action)
    return list(qs.order_by("id"))


# --- departments ---------------------------------------------------------------------------

class TestDepartments:
    def test_create_writes_closure_rows_for_every_ancestor(self, org):
        team = services.department_create(actor=org.admin, name="陆家嘴小组", parent_id=org.pd.pk)
        rows = set(DepartmentClosure.objects.filter(descendant=team).values_list("ancestor_id", "depth"))
        assert rows == {(team.pk, 0), (org.pd.pk, 1), (org.sh.pk, 2), (org.east.pk, 3), (org.hq.pk, 4)}
        assert closure_is_consistent()

    def test_create_root(self, org):
        root = services.department_create(actor=org.admin, name="研发中心")
        assert root.parent is None
        assert set(DepartmentClosure.objects.filter(descendant=root).values_list("ancestor_id", "depth")) == {
            (root.pk, 0)}

    def test_move_subtree_rewrites_closure(self, org):
        # 上海办事处 (with 浦东组, 浦西组) moves from 华东大区 to 华南大区
        services.department_update(actor=org.admin, department_id=org.sh.pk, parent_id=org.south.pk)
        assert closure_is_consistent()
        assert DepartmentClosure.objects.filter(ancestor=org.south, descendant=org.pd, depth=2).exists()
        assert not DepartmentClosure.objects.filter(ancestor=org.east, descendant=org.pd).exists()
        # and so the head of 华南 now sees 浦东 customers, 华东 does not
        from pharmcrm.org import visibility

        c = make_customer(org.rep_pd1)
        assert visibility.can_see(User.objects.get(pk=org.south_head.pk), c.pk)
        assert not visibility.can_see(User.objects.get(pk=org.east_head.pk), c.pk)
        assert visibility.can_see(User.objects.get(pk=org.ceo.pk), c.pk)

    def test_move_to_top_and_back(self, org):
        services.department_update(actor=org.admin, department_id=org.east.pk, parent_id=None)
        assert Department.objects.get(pk=org.east.pk).parent_id is None
        assert closure_is_consistent()
        services.department_update(actor=org.admin, department_id=org.east.pk, parent_id=org.hq.pk)
        assert closure_is_consistent()
        assert DepartmentClosure.objects.filter(ancestor=org.hq, descendant=org.pd, depth=3).exists()

    @pytest.mark.parametrize("target", ["self", "child", "grandchild"])
    def test_cycle_refused_and_nothing_changed(self, org, target):
        new_parent = {"self": org.east, "child": org.sh, "grandchild": org.pd}[target]
        before = db_closure()
        n_events = AuditEvent.objects.count()
        with pytest.raises(ApplicationError) as exc:
            services.department_update(actor=org.admin, department_id=org.east.pk, parent_id=new_parent.pk)
        assert exc.value.code == "cycle"
        assert "parent_id" in exc.value.fields
        assert db_closure() == before
        assert Department.objects.get(pk=org.east.pk).parent_id == org.hq.pk
        assert AuditEvent.objects.count() == n_events

    def test_move_to_missing_parent_refused(self, org):
        with pytest.raises(ApplicationError) as exc:
            services.department_update(actor=org.admin, department_id=org.east.pk, parent_id=999999)
        assert "parent_id" in exc.value.fields

    def test_delete_empty_removes_closure_rows(self, org):
        empty = services.department_create(actor=org.admin, name="空部门", parent_id=org.gz.pk)
        services.department_delete(actor=org.admin, department_id=empty.pk)
        assert not Department.objects.filter(pk=empty.pk).exists()
        assert not DepartmentClosure.objects.filter(descendant_id=empty.pk).exists()
        assert not DepartmentClosure.objects.filter(ancestor_id=empty.pk).exists()
        assert closure_is_consistent()
        assert events(empty, "delete")[0].changes == {"name": ["空部门", None]}

    def test_delete_refused_with_children_members_or_customers(self, org):
        with pytest.raises(ApplicationError) as exc:
            services.department_delete(actor=org.admin, department_id=org.sh.pk)  # has children
        assert exc.value.code == "not_empty"
        with pytest.raises(ApplicationError):
            services.department_delete(actor=org.admin, department_id=org.pd.pk)  # has members
        # customers still filed under a department nobody is in any more
        lone = make_department("孤岛", org.gz)
        rep = make_user(department=lone)
        make_customer(rep)
        User.objects.filter(pk=rep.pk).update(department=org.gz)
        with pytest.raises(ApplicationError) as exc:
            services.department_delete(actor=org.admin, department_id=lone.pk)
        assert exc.value.code == "not_empty"
        assert Department.objects.filter(pk__in=[org.sh.pk, org.pd.pk, lone.pk]).count() == 3
        assert closure_is_consistent()

    def test_delete_missing(self, org):
        with pytest.raises(NotFound):
            services.department_delete(actor=org.admin, department_id=999999)

    def test_duplicate_name_refused_under_same_parent(self, org):
        with pytest.raises(ApplicationError) as exc:
            services.department_create(actor=org.admin, name="浦东组", parent_id=org.sh.pk)
        assert exc.value.code == "duplicate" and "name" in exc.value.fields
        # same name elsewhere is fine
        services.department_create(actor=org.admin, name="浦东组", parent_id=org.gz.pk)
        # rename / move into a clash
        with pytest.raises(ApplicationError):
            services.department_update(actor=org.admin, department_id=org.px.pk, name="浦东组")
        other = Department.objects.get(name="浦东组", parent=org.gz)
        before = db_closure()
        with pytest.raises(ApplicationError):
            services.department_update(actor=org.admin, department_id=other.pk, parent_id=org.sh.pk)
        assert db_closure() == before
        assert Department.objects.get(pk=other.pk).parent_id == org.gz.pk

    def test_duplicate_name_refused_at_top_level(self, org):
        with pytest.raises(ApplicationError):
            services.department_create(actor=org.admin, name="总部")
        root2 = services.department_create(actor=org.admin, name="分公司")
        with pytest.raises(ApplicationError) as exc:
            services.department_update(actor=org.admin, department_id=root2.pk, name="总部")
        assert exc.value.code == "duplicate"
        with pytest.raises(ApplicationError) as exc:  # moving a "总部"-named dept to the top clashes too
            dup = services.department_create(actor=org.admin, name="总部", parent_id=org.gz.pk)
            services.department_update(actor=org.admin, department_id=dup.pk, parent_id=None)
        assert Department.objects.filter(parent__isnull=True, name="总部").count() == 1

    @pytest.mark.parametrize("name", ["", "   ", "x" * 101])
    def test_bad_names(self, org, name):
        n = Department.objects.count()
        with pytest.raises(ApplicationError) as exc:
            services.department_create(actor=org.admin, name=name, parent_id=org.hq.pk)
        assert "name" in exc.value.fields
        assert Department.objects.count() == n

    def test_set_heads(self, org):
        services.department_set_heads(actor=org.admin, department_id=org.px.pk, user_ids=[org.rep_px.pk])
        assert set(DepartmentHead.objects.filter(department=org.px).values_list("user_id", flat=True)) == {
            org.rep_px.pk}
        services.department_set_heads(actor=org.admin, department_id=org.px.pk,
                                      user_ids=[org.rep_px.pk, org.sh_head.pk])
        ev = events(org.px, "set_heads")
        assert ev[0].changes == {"heads": [[], ["王芳"]]}
        assert ev[1].changes == {"heads": [["王芳"], sorted(["王芳", "上海经理"])]}
        services.department_set_heads(actor=org.admin, department_id=org.px.pk, user_ids=[])
        assert not DepartmentHead.objects.filter(department=org.px).exists()

    def test_set_heads_with_inactive_or_missing_user_refused(self, org):
        gone = make_user(department=org.px, is_active=False)
        for ids in ([gone.pk], [org.rep_px.pk, gone.pk], [999999]):
            with pytest.raises(ApplicationError) as exc:
                services.department_set_heads(actor=org.admin, department_id=org.px.pk, user_ids=ids)
            assert "head_ids" in exc.value.fields
        assert not DepartmentHead.objects.filter(department=org.px).exists()

    def test_audit_old_and_new_values(self, org):
        dept = services.department_create(actor=org.admin, name="临时组", parent_id=org.px.pk)
        assert events(dept, "create")[0].changes == {"name": [None, "临时组"], "parent": [None, "浦西组"]}
        services.department_update(actor=org.admin, department_id=dept.pk, name="正式组", parent_id=org.pd.pk)
        ev = events(dept, "update")[0]
        assert ev.actor_id == org.admin.pk
        assert ev.changes["name"] == ["临时组", "正式组"]
        assert ev.changes["parent"] == [{"id": org.px.pk, "label": "浦西组"}, {"id": org.pd.pk, "label": "浦东组"}]
        # no change, no event
        services.department_update(actor=org.admin, department_id=dept.pk, name="正式组")
        assert len(events(dept, "update")) == 1

    def test_non_admins_refused(self, org):
        for actor in (org.ceo, org.rep_pd1, org.finance):
            with pytest.raises(PermissionDenied):
                services.department_create(actor=actor, name="x", parent_id=org.hq.pk)
            with pytest.raises(PermissionDenied):
                services.department_update(actor=actor, department_id=org.pd.pk, name="x")
            with pytest.raises(PermissionDenied):
                services.department_delete(actor=actor, department_id=org.gz.pk)
            with pytest.raises(PermissionDenied):
                services.department_set_heads(actor=actor, department_id=org.pd.pk, user_ids=[actor.pk])
        assert Department.objects.get(pk=org.pd.pk).name == "浦东组"

    def test_inactive_admin_refused(self, org):
        gone_admin = make_user(department=org.hq, roles=("admin",), is_active=False)
        with pytest.raises(PermissionDenied):
            services.department_create(actor=gone_admin, name="x")


# --- users ---------------------------------------------------------------------------------

GOOD = {"username": "newrep", "full_name": "赵敏", "password": "Pharm-2024-x"}


class TestUsers:
    def test_create(self, org):
        u = services.user_create(actor=org.admin, department_id=org.pd.pk, roles=["sales_rep", "finance"],
                                 email="zm@example.com", **GOOD)
        u = User.objects.get(pk=u.pk)
        assert u.department_id == org.pd.pk
        assert u.role_codes == {"sales_rep", "finance"}
        assert u.check_password(GOOD["password"]) and GOOD["password"] not in u.password
        ev = events(u, "create")[0]
        assert ev.changes["roles"] == [None, ["finance", "sales_rep"]]
        assert ev.changes["full_name"] == [None, "赵敏"]
        assert "password" not in ev.changes

    @pytest.mark.parametrize(
        "override, field",
        [
            ({"username": ""}, "username"),
            ({"username": "bad name!"}, "username"),
            ({"username": "admin"}, "username"),  # taken
            ({"username": "u" * 151}, "username"),
            ({"full_name": ""}, "full_name"),
            ({"full_name": "名" * 51}, "full_name"),
            ({"email": "not-an-email"}, "email"),
            ({"phone": "1" * 31}, "phone"),
            ({"password": "123"}, "password"),
            ({"password": "password"}, "password"),
            ({"roles": ["sales_rep", "emperor"]}, "roles"),
            ({"department_id": 999999}, "department_id"),
        ],
    )
    def test_create_bad_input_writes_nothing(self, org, override, field):
        n_users, n_roles, n_events = User.objects.count(), UserRole.objects.count(), AuditEvent.objects.count()
        with pytest.raises(ApplicationError) as exc:
            services.user_create(actor=org.admin, **{**GOOD, "department_id": org.pd.pk, **override})
        assert field in exc.value.fields, exc.value.fields
        assert exc.value.message
        assert (User.objects.count(), UserRole.objects.count(), AuditEvent.objects.count()) == (
            n_users, n_roles, n_events)

    def test_update_roles_and_audit(self, org):
        services.user_update(actor=org.admin, user_id=org.rep_pd1.pk, roles=["sales_rep", "tender"],
                             title="高级招商经理")
        u = User.objects.get(pk=org.rep_pd1.pk)
        assert u.role_codes == {"sales_rep", "tender"}
        ev = events(u, "update")[-1]
        assert ev.changes["roles"] == [["sales_rep"], ["sales_rep", "tender"]]
        assert ev.changes["title"] == ["", "高级招商经理"]

    def test_admin_cannot_remove_own_admin_role(self, org):
        with pytest.raises(ApplicationError):
            services.user_update(actor=org.admin, user_id=org.admin.pk, roles=["sales_rep"])
        assert User.objects.get(pk=org.admin.pk).role_codes == {"admin"}

    def test_update_bad_input_writes_nothing(self, org):
        with pytest.raises(ApplicationError) as exc:
            services.user_update(actor=org.admin, user_id=org.rep_pd1.pk, email="nope", full_name="新名字")
        assert "email" in exc.value.fields
        with pytest.raises(ApplicationError) as exc:
            services.user_update(actor=org.admin, user_id=org.rep_pd1.pk, department_id=999999)
        assert "department_id" in exc.value.fields
        u = User.objects.get(pk=org.rep_pd1.pk)
        assert (u.full_name, u.department_id) == ("张伟", org.pd.pk)
        with pytest.raises(NotFound):
            services.user_update(actor=org.admin, user_id=999999, full_name="x")

    def test_moving_a_user_moves_their_customers_owner_department(self, org):
        alive = make_customer(org.rep_pd1)
        deleted = make_customer(org.rep_pd1)
        Customer.objects.filter(pk=deleted.pk).update(deleted_at="2024-01-01T00:00:00Z")
        services.user_update(actor=org.admin, user_id=org.rep_pd1.pk, department_id=org.gz.pk)
        assert set(Customer.objects.filter(pk__in=[alive.pk, deleted.pk]).values_list(
            "owner_department_id", flat=True)) == {org.gz.pk}
        from pharmcrm.org import visibility

        assert not visibility.can_see(User.objects.get(pk=org.pd_head.pk), alive.pk)
        assert visibility.can_see(User.objects.get(pk=org.south_head.pk), alive.pk)
        ev = events(org.rep_pd1, "update")[-1]
        assert ev.changes["department"] == [{"id": org.pd.pk, "label": "浦东组"}, {"id": org.gz.pk, "label": "广州办事处"}]

    def test_deactivate_requires_successor_when_owning_customers(self, org):
        c1, c2 = make_customer(org.rep_pd1), make_customer(org.rep_pd1)
        with pytest.raises(ApplicationError) as exc:
            services.user_deactivate(actor=org.admin, user_id=org.rep_pd1.pk)
        assert exc.value.code == "successor_required" and "successor_id" in exc.value.fields
        assert User.objects.get(pk=org.rep_pd1.pk).is_active
        assert not TransferLog.objects.exists()

        gone = make_user(department=org.pd, is_active=False)
        with pytest.raises(ApplicationError):
            services.user_deactivate(actor=org.admin, user_id=org.rep_pd1.pk, successor_id=gone.pk)
        assert User.objects.get(pk=org.rep_pd1.pk).is_active
        assert set(Customer.objects.filter(owner=org.rep_pd1).values_list("pk", flat=True)) == {c1.pk, c2.pk}

        services.user_deactivate(actor=org.admin, user_id=org.rep_pd1.pk, successor_id=org.rep_pd2.pk)
        u = User.objects.get(pk=org.rep_pd1.pk)
        assert not u.is_active and u.deactivated_at is not None
        assert set(Customer.objects.filter(owner=org.rep_pd2).values_list("pk", flat=True)) == {c1.pk, c2.pk}
        assert set(TransferItem.objects.values_list("customer_id", "from_user_id", "to_user_id")) == {
            (c1.pk, org.rep_pd1.pk, org.rep_pd2.pk), (c2.pk, org.rep_pd1.pk, org.rep_pd2.pk)}
        assert events(u, "deactivate")[0].changes == {"is_active": [True, False]}

    def test_deactivate_moves_recycle_bin_customers_too(self, org):
        c = make_customer(org.rep_pd1)
        Customer.objects.filter(pk=c.pk).update(deleted_at="2024-01-01T00:00:00Z")
        with pytest.raises(ApplicationError):
            services.user_deactivate(actor=org.admin, user_id=org.rep_pd1.pk)
        services.user_deactivate(actor=org.admin, user_id=org.rep_pd1.pk, successor_id=org.rep_gz.pk)
        c.refresh_from_db()
        assert (c.owner_id, c.owner_department_id) == (org.rep_gz.pk, org.gz.pk)
        assert TransferItem.objects.filter(customer=c, from_user=org.rep_pd1, to_user=org.rep_gz).exists()

    def test_deactivate_without_customers_needs_no_successor(self, org):
        services.user_deactivate(actor=org.admin, user_id=org.rep_px.pk)
        assert not User.objects.get(pk=org.rep_px.pk).is_active

    def test_deactivate_self_refused(self, org):
        with pytest.raises(ApplicationError):
            services.user_deactivate(actor=org.admin, user_id=org.admin.pk)

    def test_deactivated_user_cannot_log_in_and_sees_nothing(self, org):
        c = make_customer(org.rep_px)
        assert authenticate(username="rep_px", password="secret-pw-1") is not None
        services.user_deactivate(actor=org.admin, user_id=org.rep_px.pk, successor_id=org.rep_pd1.pk)
        assert authenticate(username="rep_px", password="secret-pw-1") is None
        assert Client().login(username="rep_px", password="secret-pw-1") is False
        from pharmcrm.org import visibility

        u = User.objects.get(pk=org.rep_px.pk)
        assert not visibility.visible_customers(u).exists()
        assert not visibility.can_see(u, c.pk)
        services.user_reactivate(actor=org.admin, user_id=org.rep_px.pk)
        assert authenticate(username="rep_px", password="secret-pw-1") is not None

    def test_deactivated_head_sees_nothing(self, org):
        c = make_customer(org.rep_pd1)
        services.user_deactivate(actor=org.admin, user_id=org.pd_head.pk)
        from pharmcrm.org import visibility

        assert not visibility.can_see(User.objects.get(pk=org.pd_head.pk), c.pk)

    def test_non_admins_refused(self, org):
        for actor in (org.ceo, org.sh_head, org.rep_pd1):
            with pytest.raises(PermissionDenied):
                services.user_create(actor=actor, **GOOD)
            with pytest.raises(PermissionDenied):
                services.user_update(actor=actor, user_id=actor.pk, roles=["admin"])
            with pytest.raises(PermissionDenied):
                services.user_deactivate(actor=actor, user_id=org.rep_px.pk)
            with pytest.raises(PermissionDenied):
                services.user_reactivate(actor=actor, user_id=org.rep_px.pk)
        assert not User.objects.filter(username="newrep").exists()
        assert User.objects.get(pk=org.ceo.pk).role_codes == {"sales_rep"}


# --- share groups --------------------------------------------------------------------------

class TestShareGroups:
    def test_create_update_delete(self, org):
        g = services.share_group_save(actor=org.admin, name="OTC事业部", member_ids=[org.rep_pd1.pk, org.rep_gz.pk])
        assert set(g.members.values_list("pk", flat=True)) == {org.rep_pd1.pk, org.rep_gz.pk}
        g = services.share_group_save(actor=org.admin, group_id=g.pk, name="OTC事业部", description="跨区",
                                      member_ids=[org.rep_gz.pk, org.rep_px.pk])
        assert set(g.members.values_list("pk", flat=True)) == {org.rep_gz.pk, org.rep_px.pk}
        ev = events(g, "update")[0]
        assert ev.changes["members"] == [sorted(["张伟", "刘洋"]), sorted(["刘洋", "王芳"])]
        assert ev.changes["description"] == ["", "跨区"]
        services.share_group_delete(actor=org.admin, group_id=g.pk)
        assert not ShareGroup.objects.filter(pk=g.pk).exists()

    def test_duplicate_name_and_bad_members_refused(self, org):
        g = services.share_group_save(actor=org.admin, name="KA组")
        with pytest.raises(ApplicationError) as exc:
            services.share_group_save(actor=org.admin, name="KA组")
        assert "name" in exc.value.fields
        with pytest.raises(ApplicationError) as exc:
            services.share_group_save(actor=org.admin, group_id=g.pk, name="KA组", member_ids=[999999])
        assert "member_ids" in exc.value.fields
        with pytest.raises(ApplicationError) as exc:
            services.share_group_save(actor=org.admin, name="新组", member_ids=[999999])
        assert not ShareGroup.objects.filter(name="新组").exists()

    def test_oversize_description_refused(self, org):
        with pytest.raises(ApplicationError) as exc:
            services.share_group_save(actor=org.admin, name="G", description="长" * 301)
        assert "description" in exc.value.fields
        assert not ShareGroup.objects.filter(name="G").exists()

    def test_non_admin_refused(self, org):
        with pytest.raises(PermissionDenied):
            services.share_group_save(actor=org.ceo, name="x")
        g = services.share_group_save(actor=org.admin, name="x")
        with pytest.raises(PermissionDenied):
            services.share_group_delete(actor=org.ceo, group_id=g.pk)
        with pytest.raises(NotFound):
            services.share_group_delete(actor=org.admin, group_id=999999)


# --- API tokens ----------------------------------------------------------------------------

class TestTokens:
    def test_hash_stored_not_raw(self, org):
        token, raw = services.api_token_create(actor=org.rep_pd1, name="脚本")
        row = ApiToken.objects.get(pk=token.pk)
        assert row.key_hash == services.token_hash(raw) and len(row.key_hash) == 64
        stored = " ".join(str(v) for v in ApiToken.objects.filter(pk=token.pk).values().get().values())
        assert raw not in stored
        assert raw[:12] == row.prefix
        assert services.api_token_user(raw).pk == org.rep_pd1.pk
        assert services.api_token_user(raw + "x") is None
        assert services.api_token_user("") is None

    def test_revoke(self, org):
        token, raw = services.api_token_create(actor=org.rep_pd1)
        with pytest.raises(NotFound):  # someone else's token: not even its existence
            services.api_token_revoke(actor=org.rep_pd2, token_id=token.pk)
        assert services.api_token_user(raw) is not None
        services.api_token_revoke(actor=org.rep_pd1, token_id=token.pk)
        assert services.api_token_user(raw) is None
        token2, raw2 = services.api_token_create(actor=org.rep_pd1)
        services.api_token_revoke(actor=org.admin, token_id=token2.pk)
        assert services.api_token_user(raw2) is None

    def test_deactivation_revokes_tokens(self, org):
        _, raw = services.api_token_create(actor=org.rep_px)
        services.user_deactivate(actor=org.admin, user_id=org.rep_px.pk)
        assert services.api_token_user(raw) is None
        assert ApiToken.objects.get(user=org.rep_px).revoked_at is not None
        services.user_reactivate(actor=org.admin, user_id=org.rep_px.pk)
        assert services.api_token_user(raw) is None  # stays revoked

    def test_tokens_for_others_only_by_admin(self, org):
        with pytest.raises(PermissionDenied):
            services.api_token_create(actor=org.rep_pd1, user_id=org.rep_pd2.pk)
        token, raw = services.api_token_create(actor=org.admin, user_id=org.rep_pd2.pk)
        assert services.api_token_user(raw).pk == org.rep_pd2.pk
        gone = make_user(is_active=False)
        with pytest.raises(NotFound):
            services.api_token_create(actor=org.admin, user_id=gone.pk)
