"""The only readers of customers. Every read starts from the visibility rule."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from pharmcrm.core.errors import NotFound
from pharmcrm.core.pinyin import normalise
from pharmcrm.core.regions import region_prefix
from pharmcrm.core.validators import normalise_credit_code, validate_credit_code
from pharmcrm.customers.models import Customer, CustomerShare, TransferLog
from pharmcrm.org import visibility
from pharmcrm.org.models import User

SORTS = {
    "recent": ("-updated_at", "-id"),
    "-recent": ("updated_at", "id"),
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "status": ("status", "-updated_at", "-id"),
    "-status": ("-status", "-updated_at", "-id"),
    "owner": ("owner__full_name", "-updated_at", "-id"),
    "-owner": ("-owner__full_name", "-updated_at", "-id"),
}
DEFAULT_SORT = "recent"


@dataclass(frozen=True)
class CustomerFilters:
    q: str = ""
    owner_id: int | None = None
    department_id: int | None = None
    status: str = ""
    type: str = ""
    grade: str = ""
    region: str = ""  # a region code: customers anywhere inside it (330000 = all of 浙江)
    sort: str = DEFAULT_SORT
    pool: bool | None = False  # False: owned customers; True: the public pool only; None: both


def _search(qs: QuerySet, q: str) -> QuerySet:
    term = normalise(q)
    if not term:
        return qs
    code = normalise_credit_code(q)
    if _is_credit_code(code):
        return qs.filter(credit_code=code)
    # (an 18-letter pinyin such as "beijingtongrentang" is a name, not a credit code)
    return qs.filter(search_text__contains=term)


def _is_credit_code(code: str) -> bool:
    try:
        validate_credit_code(code)
    except ValidationError:
        return False
    return True


def customer_list(*, actor: User, filters: CustomerFilters | None = None) -> QuerySet:
    f = filters or CustomerFilters()
    qs = visibility.visible_customers(actor, pool=f.pool)
    qs = _search(qs, f.q)
    if f.owner_id:
        qs = qs.filter(owner_id=f.owner_id)
    if f.department_id:
        from pharmcrm.org.models import DepartmentClosure

        qs = qs.filter(
            owner_department_id__in=DepartmentClosure.objects.filter(ancestor_id=f.department_id).values(
                "descendant_id"
            )
        )
    if f.status:
        qs = qs.filter(status=f.status)
    if f.type:
        qs = qs.filter(type=f.type)
    if f.grade:
        qs = qs.filter(grade=f.grade)
    if f.region:  # containment = code prefix (core.regions.region_contains)
        qs = qs.filter(region_code__startswith=region_prefix(f.region))
    qs = qs.select_related("owner", "owner_department", "pool_department")
    return qs.order_by(*SORTS.get(f.sort, SORTS[DEFAULT_SORT]))


def customer_get(*, actor: User, customer_id: int) -> Customer:
    """The customer, or ``NotFound`` whether it is missing, deleted or invisible to ``actor``."""
    customer = (
        visibility.visible_customers(actor)
        .select_related("owner", "owner_department", "created_by", "pool_department")
        .filter(pk=customer_id)
        .first()
    )
    if customer is None:
        raise NotFound(_("Customer not found."))
    return customer


def customer_recycle_bin(*, actor: User) -> QuerySet:
    return (
        visibility.manageable_customers(actor, include_deleted=True)
        .filter(deleted_at__isnull=False, merged_into__isnull=True)  # a merged one lives on in another
        .select_related("owner", "deleted_by", "pool_department")
        .order_by("-deleted_at", "-id")
    )


def customer_shares(*, actor: User, customer_id: int) -> QuerySet:
    customer_get(actor=actor, customer_id=customer_id)
    return CustomerShare.objects.filter(customer_id=customer_id).select_related("user", "group", "created_by")


def customer_permissions(*, actor: User, customer: Customer) -> dict[str, bool]:
    return {
        "write": visibility.can_write(actor, customer.pk),
        "manage": visibility.can_manage(actor, customer.pk),
        "transfer": visibility.can_transfer(actor, customer.pk),
    }


def transfer_logs(*, actor: User) -> QuerySet:
    qs = TransferLog.objects.select_related("actor").order_by("-created_at", "-id")
    if actor.is_admin:
        return qs
    return qs.filter(actor=actor)
