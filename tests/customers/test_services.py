"""customers.services and customers.selectors: validation, search, soft delete, shares, transfer, audit."""

from __future__ import annotations

import pytest

from pharmcrm.core.audit import audit_customer_history, audit_history
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.core.models import AuditEvent
from pharmcrm.customers import selectors, services
from pharmcrm.customers.models import Customer, CustomerShare, TransferItem, TransferLog
from pharmcrm.customers.services import TransferAssignment
from pharmcrm.org import services as org_services
from pharmcrm.org import visibility
from pharmcrm.org.models import User
from tests.factories import VALID_CREDIT_CODE, make_customer, make_group, make_share, make_user

pytestmark = pytest.mark.django_db

GOOD = {"type": "agent", "name": "上海中医药有限公司"}


def fresh(user: User) -> User:
    """A new instance: the engine caches roles and heads per instance."""
    return User.objects.get(pk=user.pk)


def names(actor, q: str) -> set[str]:
    return set(selectors.customer_list(actor=fresh(actor), filters=selectors.CustomerFilters(q=q)).values_list(
        "name", flat=True))


def counts():
    return (Customer.objects.count(), AuditEvent.objects.count(), CustomerShare.objects.count(),
            TransferLog.objects.count(), TransferItem.objects.count())


# --- create / update -----------------------------------------------------------------------

class TestCreateUpdate:
    def test_create(self, org):
        c = services.customer_create(actor=org.rep_pd1, data={
            **GOOD, "credit_code": " " + VALID_CREDIT_CODE.lower() + " ", "short_name": "上中医", "status": "active",
            "grade": "A", "source": "referral", "phone": "021-12345678"})
        c.refresh_from_db()
        assert (c.owner_id, c.owner_department_id, c.created_by_id) == (org.rep_pd1.pk, org.pd.pk, org.rep_pd1.pk)
        assert c.credit_code == VALID_CREDIT_CODE
        ev = audit_customer_history(customer_id=c.pk)[0]
        assert ev.action == "create" and ev.changes["name"] == [None, GOOD["name"]]

    @pytest.mark.parametrize(
        "data, field",
        [
            ({"credit_code": "91350100M000100Y44"}, "credit_code"),  # wrong check character
            ({"credit_code": "91350100M000100Y4"}, "credit_code"),  # 17 characters
            ({"credit_code": "91350100M0001O0Y43"}, "credit_code"),  # letter O
            ({"name": "名" * 201}, "name"),
            ({"name": ""}, "name"),
            ({"name": "   "}, "name"),
            ({"short_name": "x" * 51}, "short_name"),
            ({"address": "址" * 301}, "address"),
            ({"phone": "1" * 31}, "phone"),
            ({"region_code": "1" * 13}, "region_code"),
            ({"notes": "n" * 5001}, "notes"),
            ({"type": "alien"}, "type"),
            ({"type": ""}, "type"),
            ({"status": "vip"}, "status"),
            ({"grade": "Z"}, "grade"),
            ({"source": "tv"}, "source"),
            ({"owner": 1}, "owner"),  # not an editable field
            ({"deleted_at": "2024-01-01"}, "deleted_at"),
            ({"credit_code": 91350100}, "credit_code"),  # wrong types: a 400, never a 500
            ({"name": ["a"]}, "name"),
            ({"phone": 13800138000}, "phone"),
        ],
    )
    def test_bad_input_is_an_application_error_and_writes_nothing(self, org, data, field):
        before = counts()
        with pytest.raises(ApplicationError) as exc:
            services.customer_create(actor=org.rep_pd1, data={**GOOD, **data})
        assert field in exc.value.fields, exc.value.fields
        assert exc.value.message
        assert counts() == before
        # the same on update
        c = make_customer(org.rep_pd1, "原名医药")
        before = counts()
        with pytest.raises(ApplicationError) as exc:
            services.customer_update(actor=org.rep_pd1, customer_id=c.pk, data=data)
        assert field in exc.value.fields
        assert counts() == before
        c.refresh_from_db()
        assert c.name == "原名医药" and c.credit_code == ""

    def test_missing_type(self, org):
        with pytest.raises(ApplicationError) as exc:
            services.customer_create(actor=org.rep_pd1, data={"name": "无类型"})
        assert "type" in exc.value.fields

    def test_owner_must_be_active_and_in_team(self, org):
        gone = make_user(department=org.pd, is_active=False)
        for actor, owner in ((org.pd_head, org.rep_gz), (org.pd_head, gone), (org.rep_pd1, org.rep_pd2),
                             (org.pd_head, 999999)):
            before = counts()
            with pytest.raises(ApplicationError) as exc:
                services.customer_create(actor=fresh(actor), data=GOOD, owner_id=getattr(owner, "pk", owner))
            assert "owner_id" in exc.value.fields
            assert counts() == before
        c = services.customer_create(actor=fresh(org.pd_head), data=GOOD, owner_id=org.rep_pd2.pk)
        assert (c.owner_id, c.owner_department_id) == (org.rep_pd2.pk, org.pd.pk)

    def test_update_writes_audit_with_old_and_new(self, org):
        c = make_customer(org.rep_pd1, "旧名称")
        services.customer_update(actor=org.rep_pd1, customer_id=c.pk, data={"name": "新名称", "grade": "B"})
        ev = audit_customer_history(customer_id=c.pk)[0]
        assert ev.action == "update" and ev.actor_id == org.rep_pd1.pk
        assert ev.changes == {"name": ["旧名称", "新名称"], "grade": ["", "B"]}
        # no change, no event
        services.customer_update(actor=org.rep_pd1, customer_id=c.pk, data={"name": "新名称"})
        assert len(audit_customer_history(customer_id=c.pk)) == 1

    def test_update_refreshes_search_key(self, org):
        c = make_customer(org.rep_pd1, "旧名称")
        services.customer_update(actor=org.rep_pd1, customer_id=c.pk, data={"name": "重庆医药"})
        assert names(org.rep_pd1, "chongqing") == {"重庆医药"}

    def test_who_may_update(self, org):
        c = make_customer(org.rep_pd1)
        for actor in (org.rep_pd1, org.pd_head, org.sh_head, org.east_head, org.ceo, org.admin):
            services.customer_update(actor=fresh(actor), customer_id=c.pk, data={"address": actor.username})
        for actor in (org.rep_pd2, org.rep_px, org.south_head, org.rep_gz, org.finance):
            with pytest.raises(NotFound):  # invisible: 404, never 403
                services.customer_update(actor=fresh(actor), customer_id=c.pk, data={"address": "x"})
        with pytest.raises(NotFound):
            services.customer_update(actor=org.admin, customer_id=999999, data={"address": "x"})
        c.refresh_from_db()
        assert c.address == "admin"


# --- search --------------------------------------------------------------------------------

class TestSearch:
    @pytest.fixture
    def rows(self, org):
        for name in ("上海中医药有限公司", "重庆医药集团", "北京同仁堂", "广州白云山制药", "银行大药房"):
            make_customer(org.rep_pd1, name)
        make_customer(org.rep_gz, "广州中医药大学附属医院")  # not visible to rep_pd1
        make_customer(org.rep_pd1, "华润医药", credit_code=VALID_CREDIT_CODE)
        return org

    @pytest.mark.parametrize(
        "q, expected",
        [
            ("zyy", {"上海中医药有限公司"}),
            ("ZYY", {"上海中医药有限公司"}),
            ("zhongyi", {"上海中医药有限公司"}),
            ("zhong yi yao", {"上海中医药有限公司"}),
            ("中医药", {"上海中医药有限公司"}),
            ("shzyy", {"上海中医药有限公司"}),
            ("chongqing", {"重庆医药集团"}),
            ("zhongqing", {"重庆医药集团"}),
            ("cq", {"重庆医药集团"}),
            ("yinhang", {"银行大药房"}),  # 行 read hang
            ("yinxing", {"银行大药房"}),  # ... and xing, every reading is kept
            ("beijingtongrentang", {"北京同仁堂"}),  # 18 letters: not mistaken for a credit code
            ("bjtrt", {"北京同仁堂"}),
            ("baiyunshan", {"广州白云山制药"}),
            ("zhongyiyao", {"上海中医药有限公司"}),
            (VALID_CREDIT_CODE, {"华润医药"}),
            (VALID_CREDIT_CODE.lower(), {"华润医药"}),
            ("M000100Y", {"华润医药"}),
            ("ｚｙｙ", {"上海中医药有限公司"}),  # full-width input
            ("", {"上海中医药有限公司", "重庆医药集团", "北京同仁堂", "广州白云山制药", "银行大药房", "华润医药"}),
            ("nothing-like-this", set()),
            ("%", set()),
            ("_", set()),
        ],
    )
    def test_pinyin_initials_and_credit_code(self, rows, q, expected):
        assert names(rows.rep_pd1, q) == expected

    def test_search_never_widens_visibility(self, rows):
        assert names(rows.rep_pd1, "guangzhou") == {"广州白云山制药"}
        assert names(rows.admin, "guangzhou") == {"广州白云山制药", "广州中医药大学附属医院"}
        assert names(rows.rep_px, "zyy") == set()

    def test_filters(self, org):
        a = make_customer(org.rep_pd1, status="active", type="hospital", grade="A")
        b = make_customer(org.rep_pd2, status="prospect")
        head = fresh(org.sh_head)

        def ids(**kw):
            return set(selectors.customer_list(actor=head, filters=selectors.CustomerFilters(**kw)).values_list(
                "pk", flat=True))

        assert ids(status="active") == {a.pk}
        assert ids(type="hospital") == {a.pk}
        assert ids(grade="A") == {a.pk}
        assert ids(owner_id=org.rep_pd2.pk) == {b.pk}
        assert ids(department_id=org.pd.pk) == {a.pk, b.pk}
        assert ids(department_id=org.px.pk) == set()
        assert ids(sort="no-such-sort") == {a.pk, b.pk}


# --- soft delete / restore -----------------------------------------------------------------

class TestDeleteRestore:
    def test_deleted_is_invisible_and_restorable_by_managers(self, org):
        c = make_customer(org.rep_pd1)
        make_share(c, user=org.rep_px, access="write")
        services.customer_delete(actor=org.rep_pd1, customer_id=c.pk)
        c.refresh_from_db()
        assert c.deleted_at is not None and c.deleted_by_id == org.rep_pd1.pk
        for u in (org.rep_pd1, org.pd_head, org.admin, org.rep_px):
            assert not visibility.can_see(fresh(u), c.pk)
            with pytest.raises(NotFound):
                selectors.customer_get(actor=fresh(u), customer_id=c.pk)
            assert c.pk not in set(selectors.customer_list(actor=fresh(u)).values_list("pk", flat=True))
            with pytest.raises(NotFound):
                services.customer_update(actor=fresh(u), customer_id=c.pk, data={"name": "x"})
        assert set(selectors.customer_recycle_bin(actor=fresh(org.pd_head)).values_list("pk", flat=True)) == {c.pk}
        assert not selectors.customer_recycle_bin(actor=fresh(org.rep_px)).exists()
        assert not selectors.customer_recycle_bin(actor=fresh(org.south_head)).exists()
        # a write share does not let you restore; a peer gets 404
        with pytest.raises((PermissionDenied, NotFound)):
            services.customer_restore(actor=fresh(org.rep_px), customer_id=c.pk)
        with pytest.raises(NotFound):
            services.customer_restore(actor=fresh(org.rep_pd2), customer_id=c.pk)
        with pytest.raises(NotFound):  # already deleted
            services.customer_delete(actor=fresh(org.pd_head), customer_id=c.pk)
        assert Customer.objects.get(pk=c.pk).deleted_at is not None
        services.customer_restore(actor=fresh(org.sh_head), customer_id=c.pk)
        assert visibility.can_see(fresh(org.rep_px), c.pk)
        assert [e.action for e in audit_customer_history(customer_id=c.pk)][:2] == ["restore", "delete"]
        with pytest.raises(NotFound):  # not deleted any more
            services.customer_restore(actor=fresh(org.sh_head), customer_id=c.pk)

    def test_only_managers_delete(self, org):
        c = make_customer(org.rep_pd1)
        make_share(c, user=org.rep_px, access="write")
        make_share(c, user=org.rep_gz, access="read")
        for u in (org.rep_px, org.rep_gz):
            with pytest.raises(PermissionDenied):
                services.customer_delete(actor=fresh(u), customer_id=c.pk)
        for u in (org.rep_pd2, org.south_head, org.finance):
            with pytest.raises(NotFound):
                services.customer_delete(actor=fresh(u), customer_id=c.pk)
        assert Customer.objects.get(pk=c.pk).deleted_at is None
        services.customer_delete(actor=fresh(org.admin), customer_id=c.pk)
        assert Customer.objects.get(pk=c.pk).deleted_at is not None


# --- shares --------------------------------------------------------------------------------

class TestShares:
    def test_only_managers_share(self, org):
        c = make_customer(org.rep_pd1)
        make_share(c, user=org.rep_px, access="write")
        with pytest.raises(PermissionDenied):
            services.share_create(actor=fresh(org.rep_px), customer_id=c.pk, user_id=org.rep_gz.pk)
        with pytest.raises(NotFound):
            services.share_create(actor=fresh(org.rep_pd2), customer_id=c.pk, user_id=org.rep_gz.pk)
        with pytest.raises(NotFound):
            services.share_create(actor=fresh(org.rep_pd1), customer_id=999999, user_id=org.rep_gz.pk)
        assert CustomerShare.objects.filter(customer=c).count() == 1
        for actor, target in ((org.rep_pd1, org.rep_gz), (org.pd_head, org.finance), (org.ceo, org.south_head)):
            services.share_create(actor=fresh(actor), customer_id=c.pk, user_id=target.pk)
        assert CustomerShare.objects.filter(customer=c).count() == 4

    def test_read_share_reads_only_write_share_writes_but_does_not_manage(self, org):
        c = make_customer(org.rep_pd1)
        services.share_create(actor=org.rep_pd1, customer_id=c.pk, user_id=org.rep_px.pk)  # read by default
        px = fresh(org.rep_px)
        assert selectors.customer_get(actor=px, customer_id=c.pk).pk == c.pk
        assert selectors.customer_permissions(actor=px, customer=c) == {"write": False, "manage": False, "transfer": False}
        with pytest.raises(PermissionDenied):
            services.customer_update(actor=px, customer_id=c.pk, data={"name": "改"})
        services.share_create(actor=org.rep_pd1, customer_id=c.pk, user_id=org.rep_px.pk, access="write")
        assert CustomerShare.objects.filter(customer=c).count() == 1  # updated, not duplicated
        px = fresh(org.rep_px)
        assert selectors.customer_permissions(actor=px, customer=c) == {"write": True, "manage": False, "transfer": False}
        services.customer_update(actor=px, customer_id=c.pk, data={"name": "改"})
        with pytest.raises(PermissionDenied):
            services.customer_delete(actor=px, customer_id=c.pk)
        with pytest.raises(PermissionDenied):
            services.customer_transfer(actor=px, assignments=[TransferAssignment([c.pk], org.rep_px.pk)])
        share = CustomerShare.objects.get(customer=c)
        with pytest.raises(PermissionDenied):
            services.share_delete(actor=px, customer_id=c.pk, share_id=share.pk)
        services.share_delete(actor=fresh(org.rep_pd1), customer_id=c.pk, share_id=share.pk)
        assert not visibility.can_see(fresh(org.rep_px), c.pk)
        with pytest.raises(NotFound):
            services.share_delete(actor=fresh(org.rep_pd1), customer_id=c.pk, share_id=share.pk)

    def test_group_share_stops_when_member_leaves(self, org):
        c = make_customer(org.rep_pd1)
        g = org_services.share_group_save(actor=org.admin, name="KA", member_ids=[org.rep_gz.pk, org.rep_px.pk])
        services.share_create(actor=org.rep_pd1, customer_id=c.pk, group_id=g.pk, access="write")
        assert visibility.can_write(fresh(org.rep_gz), c.pk)
        assert not visibility.can_manage(fresh(org.rep_gz), c.pk)
        org_services.share_group_save(actor=org.admin, group_id=g.pk, name="KA", member_ids=[org.rep_px.pk])
        assert not visibility.can_see(fresh(org.rep_gz), c.pk)
        assert visibility.can_write(fresh(org.rep_px), c.pk)
        org_services.share_group_delete(actor=org.admin, group_id=g.pk)
        assert not visibility.can_see(fresh(org.rep_px), c.pk)
        assert not CustomerShare.objects.filter(customer=c).exists()

    def test_bad_share_input(self, org):
        c = make_customer(org.rep_pd1)
        gone = make_user(department=org.pd, is_active=False)
        g = make_group()
        cases = [
            ({"user_id": org.rep_pd1.pk}, "user_id"),  # the owner
            ({"user_id": gone.pk}, "user_id"),
            ({"user_id": 999999}, "user_id"),
            ({"group_id": 999999}, "group_id"),
            ({}, "user_id"),
            ({"user_id": org.rep_px.pk, "group_id": g.pk}, "user_id"),
            ({"user_id": org.rep_px.pk, "access": "admin"}, "access"),
        ]
        for kw, field in cases:
            before = counts()
            with pytest.raises(ApplicationError) as exc:
                services.share_create(actor=org.rep_pd1, customer_id=c.pk, **kw)
            assert field in exc.value.fields, (kw, exc.value.fields)
            assert counts() == before

    def test_share_of_deleted_customer_refused(self, org):
        c = make_customer(org.rep_pd1)
        services.customer_delete(actor=org.rep_pd1, customer_id=c.pk)
        with pytest.raises(NotFound):
            services.share_create(actor=org.rep_pd1, customer_id=c.pk, user_id=org.rep_px.pk)

    def test_shares_selector_is_behind_visibility(self, org):
        c = make_customer(org.rep_pd1)
        make_share(c, user=org.rep_px)
        assert selectors.customer_shares(actor=fresh(org.rep_px), customer_id=c.pk).count() == 1
        with pytest.raises(NotFound):
            selectors.customer_shares(actor=fresh(org.rep_gz), customer_id=c.pk)

    def test_share_audit(self, org):
        c = make_customer(org.rep_pd1)
        s = services.share_create(actor=org.rep_pd1, customer_id=c.pk, user_id=org.rep_px.pk)
        services.share_create(actor=org.rep_pd1, customer_id=c.pk, user_id=org.rep_px.pk, access="write")
        services.share_delete(actor=org.rep_pd1, customer_id=c.pk, share_id=s.pk)
        hist = list(audit_customer_history(customer_id=c.pk))
        assert [e.action for e in hist] == ["unshare", "share_update", "share"]
        assert hist[2].changes == {"shared_with": [None, "王芳"], "access": [None, "read"]}
        assert hist[1].changes == {"access": ["read", "write"]}
        assert hist[0].changes == {"shared_with": ["王芳", None]}
        assert all(e.actor_id == org.rep_pd1.pk for e in hist)
        assert [e.action for e in audit_history(target_type="customershare", target_id=s.pk)] == [
            "unshare", "share_update", "share"]


# --- transfer ------------------------------------------------------------------------------

class TestTransfer:
    def test_head_transfers_within_subtree_only(self, org):
        mine = make_customer(org.rep_pd1)
        other_branch = make_customer(org.rep_gz)
        shared_to_head = make_customer(org.rep_px)
        make_share(shared_to_head, user=org.pd_head, access="write")
        head = fresh(org.pd_head)
        for ids in ([other_branch.pk], [mine.pk, other_branch.pk], [shared_to_head.pk], [999999]):
            before = counts()
            with pytest.raises(NotFound):
                services.customer_transfer(actor=head, assignments=[TransferAssignment(ids, org.rep_pd2.pk)])
            assert counts() == before
        # a successor outside the head's team is refused
        with pytest.raises(ApplicationError) as exc:
            services.customer_transfer(actor=head, assignments=[TransferAssignment([mine.pk], org.rep_px.pk)])
        assert "to_user_id" in exc.value.fields
        assert Customer.objects.get(pk=mine.pk).owner_id == org.rep_pd1.pk
        services.customer_transfer(actor=head, assignments=[TransferAssignment([mine.pk], org.rep_pd2.pk)])
        assert Customer.objects.get(pk=mine.pk).owner_id == org.rep_pd2.pk
        # a higher head reaches further down
        services.customer_transfer(actor=fresh(org.east_head),
                                   assignments=[TransferAssignment([shared_to_head.pk], org.rep_pd1.pk)])
        c = Customer.objects.get(pk=shared_to_head.pk)
        assert (c.owner_id, c.owner_department_id) == (org.rep_pd1.pk, org.pd.pk)

    def test_reps_may_not_transfer(self, org):
        c = make_customer(org.rep_pd1)
        with pytest.raises(PermissionDenied):
            services.customer_transfer(actor=fresh(org.rep_pd1), assignments=[TransferAssignment([c.pk],
                                                                                                 org.rep_pd2.pk)])
        with pytest.raises(NotFound):
            services.customer_transfer_all(actor=fresh(org.rep_pd1), from_user_id=org.rep_pd2.pk,
                                           to_user_id=org.rep_pd1.pk)

    def test_to_inactive_user_refused_with_nothing_changed(self, org):
        c = make_customer(org.rep_pd1)
        gone = make_user(department=org.pd, is_active=False)
        for fn in (
            lambda: services.customer_transfer(actor=org.admin, assignments=[TransferAssignment([c.pk], gone.pk)]),
            lambda: services.customer_transfer_all(actor=org.admin, from_user_id=org.rep_pd1.pk, to_user_id=gone.pk),
            lambda: services.customer_transfer(actor=org.admin, assignments=[TransferAssignment([c.pk], 999999)]),
        ):
            before = counts()
            with pytest.raises(ApplicationError) as exc:
                fn()
            assert "to_user_id" in exc.value.fields
            assert counts() == before
        assert Customer.objects.get(pk=c.pk).owner_id == org.rep_pd1.pk

    def test_bad_transfer_input(self, org):
        c = make_customer(org.rep_pd1)
        cases = [
            ([], None),
            ([TransferAssignment([], org.rep_pd2.pk)], None),
            ([TransferAssignment([c.pk], org.rep_pd2.pk), TransferAssignment([c.pk], org.rep_px.pk)], None),
        ]
        for assignments, _ in cases:
            before = counts()
            with pytest.raises(ApplicationError):
                services.customer_transfer(actor=org.admin, assignments=assignments)
            assert counts() == before
        with pytest.raises(ApplicationError) as exc:
            services.customer_transfer(actor=org.admin, assignments=[TransferAssignment([c.pk], org.rep_pd2.pk)],
                                       reason="r" * 301)
        assert "reason" in exc.value.fields
        with pytest.raises(ApplicationError):
            services.customer_transfer_all(actor=org.admin, from_user_id=org.rep_pd1.pk, to_user_id=org.rep_pd1.pk)
        assert services.customer_transfer_all(actor=org.admin, from_user_id=org.rep_px.pk,
                                              to_user_id=org.rep_pd1.pk) is None  # owns nothing
        assert Customer.objects.get(pk=c.pk).owner_id == org.rep_pd1.pk

    def test_split_among_successors_with_log_items_and_audit(self, org):
        cs = [make_customer(org.rep_pd1) for _ in range(5)]
        log = services.customer_transfer(
            actor=fresh(org.sh_head), reason="离职",
            assignments=[TransferAssignment([cs[0].pk, cs[1].pk], org.rep_pd2.pk),
                         TransferAssignment([cs[2].pk, cs[3].pk], org.rep_px.pk)],
        )
        owners = dict(Customer.objects.filter(pk__in=[c.pk for c in cs]).values_list("pk", "owner_id"))
        assert owners == {cs[0].pk: org.rep_pd2.pk, cs[1].pk: org.rep_pd2.pk, cs[2].pk: org.rep_px.pk,
                          cs[3].pk: org.rep_px.pk, cs[4].pk: org.rep_pd1.pk}
        assert Customer.objects.get(pk=cs[2].pk).owner_department_id == org.px.pk
        assert (log.actor_id, log.reason, log.customer_count) == (org.sh_head.pk, "离职", 4)
        assert set(log.items.values_list("customer_id", "from_user_id", "to_user_id")) == {
            (cs[0].pk, org.rep_pd1.pk, org.rep_pd2.pk), (cs[1].pk, org.rep_pd1.pk, org.rep_pd2.pk),
            (cs[2].pk, org.rep_pd1.pk, org.rep_px.pk), (cs[3].pk, org.rep_pd1.pk, org.rep_px.pk)}
        ev = audit_customer_history(customer_id=cs[2].pk)[0]
        assert (ev.action, ev.actor_id, ev.changes) == ("transfer", org.sh_head.pk, {"owner": ["张伟", "王芳"]})
        assert not audit_customer_history(customer_id=cs[4].pk).exists()
        assert list(selectors.transfer_logs(actor=fresh(org.sh_head))) == [log]
        assert list(selectors.transfer_logs(actor=fresh(org.pd_head))) == []
        assert list(selectors.transfer_logs(actor=org.admin)) == [log]

    @pytest.mark.parametrize("keep", [True, False])
    def test_keep_or_drop_shares_and_successor_share_removed(self, org, keep):
        c = make_customer(org.rep_pd1)
        by_owner = make_share(c, user=org.rep_gz)  # created_by = the owner
        to_successor = make_share(c, user=org.rep_pd2, access="write")
        g = make_group(members=[org.rep_px])
        by_owner_group = make_share(c, group=g)
        by_admin = services.share_create(actor=org.admin, customer_id=c.pk, user_id=org.finance.pk)
        services.customer_transfer(actor=org.admin, assignments=[TransferAssignment([c.pk], org.rep_pd2.pk)],
                                   keep_shares=keep)
        left = set(CustomerShare.objects.filter(customer=c).values_list("pk", flat=True))
        assert to_successor.pk not in left
        assert by_admin.pk in left
        assert (by_owner.pk in left) is keep
        assert (by_owner_group.pk in left) is keep
        assert visibility.can_see(fresh(org.rep_gz), c.pk) is keep
        assert visibility.can_manage(fresh(org.rep_pd2), c.pk)
        assert not visibility.can_see(fresh(org.rep_pd1), c.pk)

    def test_transfer_all_includes_recycle_bin(self, org):
        alive, dead = make_customer(org.rep_pd1), make_customer(org.rep_pd1)
        services.customer_delete(actor=org.rep_pd1, customer_id=dead.pk)
        log = services.customer_transfer_all(actor=fresh(org.pd_head), from_user_id=org.rep_pd1.pk,
                                             to_user_id=org.rep_pd2.pk)
        assert set(Customer.objects.filter(pk__in=[alive.pk, dead.pk]).values_list("owner_id", flat=True)) == {
            org.rep_pd2.pk}
        assert set(log.items.values_list("customer_id", flat=True)) == {alive.pk, dead.pk}
        services.customer_restore(actor=fresh(org.rep_pd2), customer_id=dead.pk)

    def test_transfer_to_current_owner_is_a_no_op(self, org):
        c = make_customer(org.rep_pd1)
        log = services.customer_transfer(actor=org.admin, assignments=[TransferAssignment([c.pk], org.rep_pd1.pk)])
        assert log.customer_count == 0 and not log.items.exists()
        assert not audit_customer_history(customer_id=c.pk).exists()


def test_customer_history_in_order(org):
    c = services.customer_create(actor=org.rep_pd1, data=GOOD)
    services.customer_update(actor=org.rep_pd1, customer_id=c.pk, data={"status": "active"})
    s = services.share_create(actor=org.rep_pd1, customer_id=c.pk, user_id=org.rep_px.pk)
    services.share_delete(actor=org.rep_pd1, customer_id=c.pk, share_id=s.pk)
    services.customer_transfer(actor=org.admin, assignments=[TransferAssignment([c.pk], org.rep_pd2.pk)])
    services.customer_delete(actor=org.rep_pd2, customer_id=c.pk)
    services.customer_restore(actor=org.pd_head, customer_id=c.pk)
    hist = list(audit_customer_history(customer_id=c.pk))
    assert [e.action for e in hist] == ["restore", "delete", "transfer", "unshare", "share", "update", "create"]
    assert hist[5].changes == {"status": ["prospect", "active"]}
    assert [e.actor_id for e in hist] == [org.pd_head.pk, org.rep_pd2.pk, org.admin.pk] + [org.rep_pd1.pk] * 4


def test_transferable_customers_is_the_rule_the_transfer_service_applies(org):
    """One rule (org.visibility.transferable_customers) for the service, the pages and the API."""
    from pharmcrm.customers.selectors import customer_permissions
    from pharmcrm.org import visibility
    from tests.factories import make_customer as _make
    from tests.factories import make_share as _share

    mine = _make(org.rep_pd1)
    elsewhere = _make(org.rep_gz)
    _share(elsewhere, user=org.pd_head, access="write")  # a head sees it by a share only
    assert set(visibility.transferable_customers(org.pd_head)) == {mine}
    assert set(visibility.transferable_customers(org.rep_pd1)) == set()  # owners do not transfer
    assert {mine, elsewhere} <= set(visibility.transferable_customers(org.admin))
    assert customer_permissions(actor=org.pd_head, customer=mine)["transfer"] is True
    assert customer_permissions(actor=org.pd_head, customer=elsewhere)["transfer"] is False
    assert customer_permissions(actor=org.rep_pd1, customer=mine)["transfer"] is False
