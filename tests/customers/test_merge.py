"""Merge: everything hanging off the source moves to the target (relations discovered generically)."""

from __future__ import annotations

import datetime
import decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone

from pharmcrm.core.errors import ApplicationError, NotFound
from pharmcrm.core.models import AuditEvent
from pharmcrm.customers import merge, services
from pharmcrm.customers.duplicates import duplicate_find
from pharmcrm.customers.merge import customer_merge
from pharmcrm.customers.models import Customer, CustomerShare, TransferItem
from pharmcrm.org.models import User
from tests.factories import VALID_CREDIT_CODE, make_customer, make_group, make_share

pytestmark = pytest.mark.django_db

# Every column that points at a customer, and what a merge does with a row of it.
# A NEW foreign key to Customer makes test_every_relation_is_known fail: check that the default
# (move; row by row when the key is part of a unique rule) is right for it, add an override to
# customers.merge.HANDLERS if not, and list it here.
KNOWN = {
    "activities.FollowUp.customer": "moved",  # the interactions go with the surviving company
    "tickets.Ticket.customer": "moved",  # service tickets and their timelines go with it
    "invoicing.SaleEntry.customer": "moved",  # the invoice ledger goes with it, sales and invoices together
    "invoicing.Invoice.customer": "moved",
    "agency.AgencyAgreement.agent": "moved",
    "agency.AgreementHospital.hospital": "moved",
    "catalog.ProductPrice.customer": "moved",
    "contacts.Employment.customer": "moved",
    "customers.Customer.merged_into": "moved",
    "customers.Customer.parent_chain": "moved",
    "customers.CustomerCompetitor.customer": "moved",
    "customers.CustomerConflict.claimant_customer": "kept",
    "customers.CustomerConflict.customer": "moved",
    "customers.CustomerKeyAccount.customer": "moved",
    "customers.CustomerKeyAccount.hospital": "moved",
    "customers.CustomerProductField.customer": "moved",
    "customers.CustomerProductInterest.customer": "moved",
    "customers.CustomerShare.customer": "moved",
    "customers.CustomerWantedRegion.customer": "moved",
    "customers.InvoiceProfile.customer": "moved",
    "customers.PoolEvent.customer": "moved",
    "customers.ShippingAddress.customer": "moved",
    "customers.TransferItem.customer": "kept",
    "qualifications.CustomerQualificationState.customer": "recomputed",
    "analytics.CustomerScore.customer": "kept",  # past scores describe the old record; rescored next run
    "qualifications.QualificationDocument.customer": "moved",
    "sales.SalesOrder.customer": "moved",  # orders (and their timelines) go with the surviving customer
    "sales.CustomerTerms.customer": "moved",  # one-to-one: the target keeps its own terms if it has some
    "payments.Payment.customer": "moved",
    "opportunities.Opportunity.customer": "moved",  # opportunities, quotations, tenders go with it
    "quotations.Quotation.customer": "moved",
    "tenders.Tender.customer": "moved",  # payments (and their allocations to the moved orders) go along
}


def test_every_relation_is_known():
    labels = {r.label for r in merge.relations()}
    new = labels - set(KNOWN)
    assert not new, (
        f"New foreign keys to Customer: {sorted(new)}. Check what customers.merge does with them "
        f"(strategy: {[merge.strategy(r).__name__ for r in merge.relations() if r.label in new]}) and add them to "
        f"KNOWN in {__file__}."
    )
    # (a relation that disappeared is simply not checked any more)


# --- a row for any model, generically ------------------------------------------------------

_other: dict[str, Customer] = {}


def _value(f: models.Field, ctx):
    if f.choices:
        return f.choices[0][0]
    if isinstance(f, models.BooleanField):
        return False
    if isinstance(f, models.DecimalField):
        return decimal.Decimal("1")
    if isinstance(f, models.IntegerField | models.FloatField):
        return max(1, min(f.validators[0].limit_value if f.validators else 1, 1))
    if isinstance(f, models.DateTimeField):
        return timezone.now()
    if isinstance(f, models.DateField):
        return datetime.date(2026, 1, 1)
    if isinstance(f, models.JSONField):
        return {}
    if isinstance(f, models.FileField):
        return "merge-test.pdf"
    if isinstance(f, models.UUIDField):
        import uuid

        return uuid.uuid4()
    if isinstance(f, models.CharField | models.TextField):
        n = next(ctx["seq"])
        return f"{f.name[:4]}{n}"[: f.max_length or 50]
    raise AssertionError(f"no generic value for {f!r}: add a builder for {f.model.__name__} in {__file__}")


def _generated(f) -> bool:
    return f.primary_key or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)


def build_row(model, fk_name: str | None, customer: Customer | None, ctx, depth: int = 0):
    if model is Customer:
        row = make_customer(ctx["owner"], f"关联客户{next(ctx['seq'])}")
        if fk_name:
            Customer.objects.filter(pk=row.pk).update(**{f"{fk_name}_id": customer.pk})
            row.refresh_from_db()
        return row
    if model is User:
        return ctx["owner"]
    assert depth < 4, f"{model.__name__}: relations too deep for the generic builder"
    values = {}
    for f in model._meta.concrete_fields:
        if f.name == fk_name:
            values[f.attname] = customer.pk
        elif _generated(f) or f.has_default() or f.null or (f.blank and not f.is_relation):
            continue
        elif f.is_relation:
            rel = f.related_model
            if rel is Customer:
                values[f.attname] = ctx["other"].pk
            else:
                values[f.attname] = build_row(rel, None, None, ctx, depth + 1).pk
        else:
            values[f.attname] = _value(f, ctx)
    values.update(EXTRA.get(model._meta.label, {}))
    return model._base_manager.create(**values)


# values the generic builder cannot guess (check constraints)
EXTRA = {
    "qualifications.QualificationDocument": {"no_expiry": True},
}


def test_merge_moves_every_related_row(org):
    import itertools

    source = make_customer(org.rep_pd1, "源客户医药有限公司", type="hospital")
    target = make_customer(org.rep_pd1, "目标客户医药有限公司", type="hospital")
    other = make_customer(org.rep_pd1, "第三方医院", type="hospital")
    ctx = {"seq": itertools.count(1), "owner": org.rep_pd1, "other": other}
    rows = {}
    for relation in merge.relations():
        if relation.label == "customers.CustomerShare.customer":
            rows[relation.label] = make_share(source, user=org.rep_px, access="write")
            continue
        if relation.label == "customers.TransferItem.customer":
            services.customer_transfer(actor=org.pd_head, assignments=[services.TransferAssignment([source.pk],
                                                                                                   org.rep_pd2.pk)])
            services.customer_transfer(actor=org.pd_head, assignments=[services.TransferAssignment([source.pk],
                                                                                                   org.rep_pd1.pk)])
            rows[relation.label] = TransferItem.objects.filter(customer=source).first()
            continue
        rows[relation.label] = build_row(relation.model, relation.field.name, source, ctx)
    for relation in merge.relations():
        assert getattr(rows[relation.label], relation.field.attname) == source.pk, relation.label
    result = customer_merge(actor=org.pd_head, source_id=source.pk, target_id=target.pk)
    for relation in merge.relations():
        row = relation.model._base_manager.get(pk=rows[relation.label].pk)
        expected = KNOWN.get(relation.label, "moved")
        where = getattr(row, relation.field.attname)
        if expected == "moved":
            assert where == target.pk, f"{relation.label} was not moved"
            assert result.moved.get(relation.label), relation.label
        elif expected == "kept":
            assert where == source.pk, f"{relation.label} should stay with the source"
        else:  # recomputed from the moved rows: the target has its own row
            assert relation.model._base_manager.filter(**{relation.field.attname: target.pk}).exists()


# --- the rules ---------------------------------------------------------------------------------

@pytest.fixture
def pair(org):
    source = make_customer(org.rep_pd1, "国药控股（上海）有限公司", phone="021-58888888", address="张江路1号",
                           credit_code=VALID_CREDIT_CODE, grade="A", notes="源备注")
    target = make_customer(org.rep_pd2, "国药控股上海有限公司", address="", short_name="国控上海", notes="目标备注")
    return source, target


def test_fills_blanks_and_soft_deletes_the_source(org, pair):
    source, target = pair
    result = customer_merge(actor=org.pd_head, source_id=source.pk, target_id=target.pk)
    target.refresh_from_db()
    source.refresh_from_db()
    assert target.owner == org.rep_pd2  # the target keeps its owner
    assert (target.address, target.phone, target.credit_code, target.grade) == (
        "张江路1号", "021-58888888", VALID_CREDIT_CODE, "A")
    assert (target.short_name, target.notes, target.name) == ("国控上海", "目标备注", "国药控股上海有限公司")
    assert target.phone_key == "02158888888" and VALID_CREDIT_CODE.lower() in target.search_text
    assert set(result.filled) >= {"address", "phone", "credit_code", "grade"}
    assert source.merged_into == target and source.deleted_at is not None and source.deleted_by == org.pd_head
    # the duplicate check no longer sees the source; the target matches on its own
    assert [m.customer_id for m in duplicate_find(actor=org.admin, credit_code=VALID_CREDIT_CODE)] == [target.pk]
    # it is not in the recycle bin and cannot come back
    from pharmcrm.customers.selectors import customer_recycle_bin

    assert not customer_recycle_bin(actor=org.pd_head).filter(pk=source.pk).exists()
    with pytest.raises(ApplicationError) as exc:
        services.customer_restore(actor=org.pd_head, customer_id=source.pk)
    assert exc.value.code == "merged"


def test_history_moves_and_stays_findable(org, pair):
    source, target = pair
    services.customer_update(actor=org.rep_pd1, customer_id=source.pk, data={"grade": "B"})
    ev = AuditEvent.objects.get(action="update", target_id=source.pk)
    customer_merge(actor=org.pd_head, source_id=source.pk, target_id=target.pk)
    ev.refresh_from_db()
    assert ev.customer_id == target.pk and ev.target_type == "customer" and ev.target_id == source.pk
    actions = set(AuditEvent.objects.filter(customer_id=target.pk).values_list("action", flat=True))
    assert {"update", "merge", "merged_into"} <= actions
    merge_ev = AuditEvent.objects.get(action="merge")
    assert merge_ev.changes["merged_from"] == [None, "国药控股（上海）有限公司"]
    assert all(isinstance(v, list) and len(v) == 2 for v in merge_ev.changes.values())  # history tab shape
    assert AuditEvent.objects.filter(target_type="customer", target_id=source.pk, action="merged_into").exists()


def test_shares_keep_the_stronger_access(org, pair):
    source, target = pair
    group = make_group("学术组")
    make_share(source, user=org.rep_px, access="write")
    make_share(target, user=org.rep_px, access="read")
    make_share(source, group=group, access="read")
    make_share(target, group=group, access="write")
    make_share(source, user=org.rep_gz, access="read")
    make_share(source, user=org.rep_pd2, access="read")  # the target's owner: pointless on the target
    customer_merge(actor=org.pd_head, source_id=source.pk, target_id=target.pk)
    shares = {(s.user_id, s.group_id): s.access for s in CustomerShare.objects.filter(customer=target)}
    assert shares == {(org.rep_px.pk, None): "write", (None, group.pk): "write", (org.rep_gz.pk, None): "read"}
    assert not CustomerShare.objects.filter(customer=source).exists()


def test_one_to_one_keeps_target_values_and_fills_blanks(org, pair):
    from pharmcrm.customers.models import InvoiceProfile

    source, target = pair
    fields = {f.name for f in InvoiceProfile._meta.concrete_fields}
    blank_field = next(n for n in ("bank", "bank_name", "address", "phone", "account") if n in fields)
    theirs = build_row(InvoiceProfile, "customer", source, {"seq": iter(range(100, 200)), "owner": org.rep_pd1,
                                                             "other": target})
    InvoiceProfile.objects.filter(pk=theirs.pk).update(**{blank_field: "源的值"})
    ours = build_row(InvoiceProfile, "customer", target, {"seq": iter(range(200, 300)), "owner": org.rep_pd1,
                                                           "other": source})
    InvoiceProfile.objects.filter(pk=ours.pk).update(**{blank_field: ""})
    title_before = InvoiceProfile.objects.get(pk=ours.pk).title
    customer_merge(actor=org.pd_head, source_id=source.pk, target_id=target.pk)
    ours = InvoiceProfile.objects.get(pk=ours.pk)
    assert getattr(ours, blank_field) == "源的值" and ours.title == title_before
    assert InvoiceProfile.objects.get(pk=theirs.pk).customer_id == source.pk


def test_one_per_customer_flags_are_cleared_not_lost(org, pair):
    from pharmcrm.customers.models import ShippingAddress

    source, target = pair
    ctx = {"seq": iter(range(1000, 2000)), "owner": org.rep_pd1, "other": target}
    a = build_row(ShippingAddress, "customer", source, ctx)
    b = build_row(ShippingAddress, "customer", target, ctx)
    ShippingAddress.objects.filter(pk__in=[a.pk, b.pk]).update(is_default=True, is_active=True)
    result = customer_merge(actor=org.pd_head, source_id=source.pk, target_id=target.pk)
    a, b = ShippingAddress.objects.get(pk=a.pk), ShippingAddress.objects.get(pk=b.pk)
    assert a.customer_id == b.customer_id == target.pk
    assert b.is_default and not a.is_default
    assert result.moved["customers.ShippingAddress.customer"] == 1


def test_colliding_rows_stay_on_the_source(org, pair):
    from pharmcrm.customers.models import CustomerWantedRegion

    source, target = pair
    ctx = {"seq": iter(range(3000, 4000)), "owner": org.rep_pd1, "other": target}
    a = build_row(CustomerWantedRegion, "customer", source, ctx)
    b = build_row(CustomerWantedRegion, "customer", target, ctx)
    CustomerWantedRegion.objects.filter(pk__in=[a.pk, b.pk]).update(region_code="310000")
    c = build_row(CustomerWantedRegion, "customer", source, ctx)
    CustomerWantedRegion.objects.filter(pk=c.pk).update(region_code="320000")
    result = customer_merge(actor=org.pd_head, source_id=source.pk, target_id=target.pk)
    assert CustomerWantedRegion.objects.get(pk=a.pk).customer_id == source.pk
    assert CustomerWantedRegion.objects.get(pk=c.pk).customer_id == target.pk
    assert result.kept["customers.CustomerWantedRegion.customer"] == 1
    assert result.moved["customers.CustomerWantedRegion.customer"] == 1


def test_earlier_merges_follow(org, pair):
    source, target = pair
    older = make_customer(org.rep_pd1, "更早的重复")
    customer_merge(actor=org.pd_head, source_id=older.pk, target_id=source.pk)
    customer_merge(actor=org.pd_head, source_id=source.pk, target_id=target.pk)
    older.refresh_from_db()
    assert older.merged_into_id == target.pk


def test_rights(org, pair):
    source, target = pair
    for outsider in (org.rep_px, org.rep_gz, org.south_head, org.finance):
        with pytest.raises(NotFound):
            customer_merge(actor=outsider, source_id=source.pk, target_id=target.pk)
    with pytest.raises(NotFound):  # 李娜 owns the target but cannot see the source
        customer_merge(actor=org.rep_pd2, source_id=source.pk, target_id=target.pk)
    make_share(target, user=org.rep_pd1, access="write")
    with pytest.raises(PermissionDenied):  # 张伟 may write the target, not manage it
        customer_merge(actor=org.rep_pd1, source_id=source.pk, target_id=target.pk)
    with pytest.raises(ApplicationError):
        customer_merge(actor=org.pd_head, source_id=source.pk, target_id=source.pk)
    services.customer_delete(actor=org.pd_head, customer_id=target.pk)
    with pytest.raises(NotFound):
        customer_merge(actor=org.pd_head, source_id=source.pk, target_id=target.pk)
    for who in (org.pd_head, org.sh_head, org.admin):
        assert who.is_active
    mine = make_customer(org.rep_pd1, "我的重复客户")
    customer_merge(actor=org.rep_pd1, source_id=mine.pk, target_id=source.pk)  # an owner merges their own


def test_merge_is_atomic(org, pair, monkeypatch):
    source, target = pair
    make_share(source, user=org.rep_px)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(merge, "_fill_blanks", boom)
    with pytest.raises(RuntimeError):
        customer_merge(actor=org.pd_head, source_id=source.pk, target_id=target.pk)
    source.refresh_from_db()
    assert source.merged_into_id is None and source.deleted_at is None
    assert CustomerShare.objects.filter(customer=source).count() == 1
