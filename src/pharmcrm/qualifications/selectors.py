"""The only readers of qualification documents. Every read starts from the visibility rule:
a document is visible exactly when its customer is (``org.visibility.visible_customers``);
missing and invisible are the same ``NotFound``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from pharmcrm.core.errors import NotFound
from pharmcrm.customers.models import Customer
from pharmcrm.org import visibility
from pharmcrm.org.models import User
from pharmcrm.qualifications import rules
from pharmcrm.qualifications.models import (
    CustomerQualificationState,
    DocumentState,
    QualificationDocument,
    QualificationFile,
    QualificationFlag,
    ValidityStatus,
)


def documents_visible(actor: User) -> QuerySet:
    """Every document (any state) of every customer ``actor`` may see."""
    return QualificationDocument.objects.filter(customer_id__in=visibility.visible_customers(actor).values("pk"))


def _customer(actor: User, customer_id: int) -> Customer:
    customer = visibility.visible_customers(actor).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(_("Customer not found."))
    return customer


def document_list(*, actor: User, customer_id: int, include_history: bool = False) -> QuerySet:
    """The documents of one visible customer: current ones, or all (with replaced and voided)."""
    _customer(actor, customer_id)
    qs = QualificationDocument.objects.filter(customer_id=customer_id)
    if not include_history:
        qs = qs.filter(state=DocumentState.CURRENT)
    return (qs.select_related("uploaded_by", "voided_by", "replaced_by")
            .prefetch_related(Prefetch("files", queryset=QualificationFile.objects.order_by("id")))
            .order_by("type", "-created_at", "-id"))


def document_get(*, actor: User, document_id: int) -> QualificationDocument:
    doc = (
        documents_visible(actor)
        .select_related("customer", "customer__owner", "uploaded_by", "voided_by", "replaced_by")
        .prefetch_related(Prefetch("files", queryset=QualificationFile.objects.order_by("id").select_related(
            "uploaded_by")))
        .filter(pk=document_id)
        .first()
    )
    if doc is None:
        raise NotFound(_("Qualification document not found."))
    return doc


def document_history(*, document: QualificationDocument) -> list[QualificationDocument]:
    """The chain of versions the document belongs to, newest first (predecessors via
    ``replaces``, successors via ``replaced_by``); the document is already visibility-checked."""
    chain = [document]
    seen = {document.pk}
    cur = document
    while cur.replaced_by_id and cur.replaced_by_id not in seen:
        cur = QualificationDocument.objects.select_related("uploaded_by").get(pk=cur.replaced_by_id)
        seen.add(cur.pk)
        chain.insert(0, cur)
    cur = document
    while True:
        prev = QualificationDocument.objects.select_related("uploaded_by").filter(replaced_by_id=cur.pk).first()
        if prev is None or prev.pk in seen:
            break
        seen.add(prev.pk)
        chain.append(prev)
        cur = prev
    return chain


def file_get(*, actor: User, file_id: int) -> QualificationFile:
    """One scanned file, if its document's customer is visible to ``actor``."""
    f = (
        QualificationFile.objects.filter(pk=file_id, document__in=documents_visible(actor).values("pk"))
        .select_related("document")
        .first()
    )
    if f is None:
        raise NotFound(_("File not found."))
    return f


def can_write_documents(*, actor: User, customer_id: int) -> bool:
    """Whether ``actor`` may add, replace and void the customer's documents (and read the full
    ID number of an authorised person)."""
    return visibility.can_write(actor, customer_id)


# --- status ---------------------------------------------------------------------------------

def customer_qualification_status(*, actor: User, customer_id: int,
                                  on: datetime.date | None = None) -> rules.QualificationStatus:
    """``rules.qualification_status`` for a customer id, visibility-checked."""
    return rules.qualification_status(_customer(actor, customer_id), on=on)


def qualification_flag(customer_id: int) -> str:
    """The stored flag ("complete" / "missing" / "expired") of a customer the caller already
    may see; a customer without documents has no row and is "missing"."""
    flag = CustomerQualificationState.objects.filter(customer_id=customer_id).values_list("flag", flat=True).first()
    return flag or QualificationFlag.MISSING


_STATE_ATTR = "_qualification_state"


def qualification_state_of(customer) -> CustomerQualificationState | None:
    """The stored state row of a customer instance the caller already may see (None: no
    documents yet), kept on the instance: the page header's tag and the key figure read it
    once per page."""
    if _STATE_ATTR not in customer.__dict__:
        customer.__dict__[_STATE_ATTR] = CustomerQualificationState.objects.filter(customer_id=customer.pk).first()
    return customer.__dict__[_STATE_ATTR]


@dataclass
class OverviewRow:
    """One line of the customer's 资质 tab: a document, or a required type with none."""

    type: str
    type_label: str
    requirement: str  # "required" | "optional" | ""
    status: str  # ValidityStatus
    document: QualificationDocument | None = None
    days_left: int | None = None
    extra: dict = field(default_factory=dict)


@dataclass
class Overview:
    status: rules.QualificationStatus
    rows: list[OverviewRow]
    history: list[QualificationDocument]


def customer_overview(*, actor: User, customer: Customer, on: datetime.date | None = None,
                      with_history: bool = True) -> Overview:
    """The 资质 tab: every required/optional type in table order with its current documents
    (or a *missing* row), then other current documents; replaced and voided ones as history.
    ``customer`` was loaded through a selector (visibility-checked). Two or three queries."""
    on = on or rules.today()
    docs = list(document_list(actor=actor, customer_id=customer.pk, include_history=with_history))
    current = [d for d in docs if d.state == DocumentState.CURRENT]
    status = rules.evaluate(customer.type, current, on=on)
    from pharmcrm.qualifications.models import QualificationType

    labels = dict(QualificationType.choices)
    rows: list[OverviewRow] = []
    by_type: dict[str, list[QualificationDocument]] = {}
    for d in sorted(current, key=lambda d: (d.valid_to is None, d.valid_to or datetime.date.max, d.pk)):
        by_type.setdefault(d.type, []).append(d)
    listed = set()
    for kind, requirement in [*((t, "required") for t in status.required), *((t, "optional") for t in status.optional)]:
        listed.add(kind)
        held = by_type.get(kind, [])
        if not held and requirement == "required":
            rows.append(OverviewRow(kind, str(labels[kind]), requirement, ValidityStatus.MISSING))
        for d in held:
            rows.append(OverviewRow(kind, str(labels[kind]), requirement, rules.document_status(d, on=on), d,
                                    rules.days_left(d, on=on)))
        if not held and requirement == "optional":
            rows.append(OverviewRow(kind, str(labels[kind]), requirement, "", None))
    for kind, _label in QualificationType.choices:
        if kind in listed:
            continue
        for d in by_type.get(kind, []):
            rows.append(OverviewRow(kind, str(d), "", rules.document_status(d, on=on), d, rules.days_left(d, on=on)))
    history = [d for d in docs if d.state != DocumentState.CURRENT]
    history.sort(key=lambda d: (d.replaced_at or d.voided_at or d.updated_at), reverse=True)
    return Overview(status=status, rows=rows, history=history)


# --- expiring (the list page, the desktop of issue 4) ---------------------------------------

EXPIRING_SORTS = {
    "valid_to": ("valid_to", "id"),
    "-valid_to": ("-valid_to", "-id"),
    "customer": ("customer__name", "valid_to", "id"),
    "-customer": ("-customer__name", "valid_to", "id"),
    "type": ("type", "valid_to", "id"),
    "-type": ("-type", "valid_to", "id"),
}


def qualifications_expiring(actor: User, within_days: int | None = None, *, include_expired: bool = True,
                            type: str = "", sort: str = "valid_to", on: datetime.date | None = None) -> QuerySet:
    """Current documents of customers ``actor`` can see whose validity ends within
    ``within_days`` days (default: the warning window, 90), and — with ``include_expired`` —
    those already expired; soonest first. For the expiring list and the desktop (issue 4)."""
    on = on or rules.today()
    within = rules.warning_window() if within_days is None else max(0, int(within_days))
    qs = documents_visible(actor).filter(state=DocumentState.CURRENT, no_expiry=False,
                                         valid_to__lte=on + datetime.timedelta(days=within))
    if not include_expired:
        qs = qs.filter(valid_to__gte=on)
    if type:
        qs = qs.filter(type=type)
    return qs.select_related("customer", "customer__owner").order_by(*EXPIRING_SORTS.get(sort, EXPIRING_SORTS["valid_to"]))
