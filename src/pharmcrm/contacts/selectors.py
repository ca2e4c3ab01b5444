"""The only readers of contacts. Every read starts from the customers the user sees.

The rule: a contact is visible to u iff at least one of its employments (current or
former) is at a customer u sees (``org.visibility.visible_customers``), and the contact is
not deleted. On a contact's page u sees only the employments at customers u sees: an
employment hangs off its customer and is visible exactly when the customer is, so an
invisible employer is not revealed — not even as a count (it would tell a rep that a
colleague elsewhere deals with the same person, which is for the duplicate check to say).

Query shape: the visible customers are ONE sub-select; the contacts are a semi-join on it,
so a list costs the same number of queries whatever its length. For administrators (who see
almost everything) it is a correlated ``EXISTS`` so the database walks the sort index and
``LIMIT`` stops early; for everyone else (few visible customers) an ``IN`` that drives from
the visible customers' employments (on SQLite a head who sees many customers gets the EXISTS
too, by the customers' own volume estimate). Both shapes return the same set (property-tested).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from django.utils.translation import gettext as _

from pharmcrm.contacts.dates import month_day_window
from pharmcrm.contacts.models import CURRENT, BusinessRole, Contact, Employment
from pharmcrm.contacts.validation import today
from pharmcrm.core.errors import NotFound
from pharmcrm.core.pinyin import normalise
from pharmcrm.customers.selectors import customer_get
from pharmcrm.org import visibility
from pharmcrm.org.models import User

SORTS = {
    "name": ("name_pinyin", "id"),
    "-name": ("-name_pinyin", "-id"),
    "recent": ("-updated_at", "-id"),
    "-recent": ("updated_at", "id"),
    "created": ("-created_at", "-id"),
    "-created": ("created_at", "id"),
    "birthday": (F("birth_month").asc(nulls_last=True), F("birth_day").asc(nulls_last=True), "name_pinyin", "id"),
    "-birthday": (F("birth_month").desc(nulls_last=True), F("birth_day").desc(nulls_last=True), "name_pinyin",
                  "id"),
}
DEFAULT_SORT = "name"
STATUSES = ("current", "former")
BIRTHDAYS = ("week", "month")

# "exists" or "in" to force a shape (tests); None = chosen per user
FORCE_SHAPE: str | None = None


@dataclass(frozen=True)
class ContactFilters:
    q: str = ""
    customer_id: int | None = None
    role: str = ""
    status: str = ""  # "" | "current" | "former" (at the filtered customer, if any)
    birthday: str = ""  # "" | "week" (next 7 days) | "month" (this month)
    sort: str = DEFAULT_SORT


def visible_employments(user: User) -> QuerySet:
    """Employments at customers ``user`` sees (current and former)."""
    return Employment.objects.filter(customer_id__in=visibility.visible_customers(user).values("id"))


def _shape(user: User) -> str:
    if FORCE_SHAPE:
        return FORCE_SHAPE
    if user.is_admin or connection.vendor == "postgresql":
        return "exists"  # PostgreSQL turns either into a semi-join and picks the side to drive from
    # SQLite: drive from the visible customers' employments unless the user sees many customers
    # (the customers' own estimate, cached; see org/visibility.py "Query shapes")
    large = visibility.LARGE_VOLUME
    if user.is_head and large >= 0 and visibility._estimated_volume(user) > large:
        return "exists"
    return "in"


def _with_employment(qs: QuerySet, user: User, employments: QuerySet) -> QuerySet:
    if _shape(user) == "exists":
        return qs.filter(Exists(employments.filter(contact_id=OuterRef("pk"))))
    return qs.filter(pk__in=employments.values("contact_id"))


def visible_contacts(user: User, *, include_deleted: bool = False) -> QuerySet:
    """Every contact ``user`` may read. Start every contact read here."""
    qs = Contact.objects.all() if include_deleted else Contact.objects.filter(deleted_at__isnull=True)
    if not user.is_active:
        return qs.none()
    return _with_employment(qs, user, visible_employments(user))


def _search(qs: QuerySet, q: str) -> QuerySet:
    term = normalise(q)
    if not term:
        return qs
    if any(c.isdigit() for c in term) and all(c.isdigit() or c in "-+()" for c in term):
        term = "".join(c for c in term if c.isdigit()) or term  # "138-0013" finds 13800138000
    return qs.filter(search_text__contains=term)


def contact_list(*, actor: User, filters: ContactFilters | None = None) -> QuerySet:
    """Visible contacts, filtered and sorted, with their visible employments prefetched
    (``contact.seen_employments``: current first) — two queries for a page, whatever its size."""
    f = filters or ContactFilters()
    qs = _search(visible_contacts(actor), f.q)
    emps = visible_employments(actor)
    if f.customer_id:
        emps = emps.filter(customer_id=f.customer_id)
    if f.role in BusinessRole.values:
        emps = emps.filter(role=f.role)
    if f.status == "current":
        qs = _with_employment(qs, actor, emps.filter(CURRENT))
    elif f.status == "former":
        qs = _with_employment(qs, actor, emps.filter(end_date__isnull=False))
        qs = qs.exclude(Exists(emps.filter(CURRENT, contact_id=OuterRef("pk"))))
    elif f.customer_id or f.role in BusinessRole.values:
        qs = _with_employment(qs, actor, emps)
    if f.birthday == "month":
        qs = qs.filter(birth_month=today().month)
    elif f.birthday == "week":
        qs = qs.filter(month_day_window(today(), 7, month="birth_month", day="birth_day"))
    return with_employments(qs, actor).order_by(*SORTS.get(f.sort, SORTS[DEFAULT_SORT]))


def with_employments(qs: QuerySet, actor: User) -> QuerySet:
    """Prefetch each contact's visible employments as ``seen_employments`` (current first)."""
    return qs.prefetch_related(
        Prefetch(
            "employments",
            queryset=visible_employments(actor).select_related("customer").order_by(
                F("end_date").desc(nulls_first=True), "-is_primary", "-id"),
            to_attr="seen_employments",
        )
    )


def contact_get(*, actor: User, contact_id: int) -> Contact:
    """The contact, or ``NotFound`` whether it is missing, deleted or invisible to ``actor``."""
    contact = visible_contacts(actor).select_related("created_by").filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(_("Contact not found."))
    return contact


def contact_employments(*, actor: User, contact: Contact) -> list[Employment]:
    """The contact's career as far as ``actor`` may see it: current first, then newest first."""
    return list(
        visible_employments(actor).filter(contact=contact).select_related("customer", "customer__owner")
        .order_by(F("end_date").desc(nulls_first=True), F("start_date").desc(nulls_last=True), "-id")
    )


def customer_contacts(*, actor: User, customer_id: int) -> tuple[list[Employment], list[Employment]]:
    """(current, former) employments at a customer, with their contacts; ``NotFound`` if the
    customer is invisible. A person who left and came back is listed once, as current."""
    customer_get(actor=actor, customer_id=customer_id)
    rows = list(
        Employment.objects.filter(customer_id=customer_id, contact__deleted_at__isnull=True)
        .select_related("contact")
        .order_by(F("end_date").desc(nulls_first=True), "-is_primary", "contact__name_pinyin", "-id")
    )
    current = [e for e in rows if e.end_date is None]
    here = {e.contact_id for e in current}
    former, seen = [], set()
    for e in rows:
        if e.end_date is not None and e.contact_id not in here and e.contact_id not in seen:
            seen.add(e.contact_id)
            former.append(e)
    return current, former


def contact_recycle_bin(*, actor: User) -> QuerySet:
    """Deleted contacts that ``actor`` would see if they were not deleted."""
    return (
        visible_contacts(actor, include_deleted=True).filter(deleted_at__isnull=False)
        .select_related("deleted_by").order_by("-deleted_at", "-id")
    )


# --- rights --------------------------------------------------------------------------------

def acting_employments(contact_id: int) -> QuerySet:
    """The employments that give the right to change a contact: the current ones at live
    customers, or — for someone who left everywhere — all of them."""
    live = Employment.objects.filter(contact_id=contact_id, customer__deleted_at__isnull=True)
    return live.filter(CURRENT) if live.filter(CURRENT).exists() else live


def writable_customer_ids(actor: User, customer_ids) -> set[int]:
    ids = {i for i in customer_ids if i}
    if not ids:
        return set()
    return set(visibility.writable_customers(actor).filter(pk__in=ids).values_list("id", flat=True))


def contact_permissions(*, actor: User, contact: Contact) -> dict[str, bool]:
    """edit: write a customer where the contact works now (or, if they left everywhere,
    where they worked); delete: write EVERY such customer (a rep cannot make a person
    disappear from a colleague's customer); add_employment: write any customer at all."""
    acting = list(acting_employments(contact.pk).values_list("customer_id", flat=True))
    writable = writable_customer_ids(actor, acting)
    return {
        "edit": bool(writable),
        "delete": bool(acting) and set(acting) <= writable,
        "add_employment": visibility.writable_customers(actor).exists(),
    }


def acting_customer_id(actor: User, contact_id: int) -> int | None:
    """The customer through which ``actor`` may change the contact (None: no right)."""
    acting = list(acting_employments(contact_id).order_by("-is_primary", "id").values_list("customer_id", flat=True))
    writable = writable_customer_ids(actor, acting)
    return next((cid for cid in acting if cid in writable), None)

