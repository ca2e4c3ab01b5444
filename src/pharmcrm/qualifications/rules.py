"""The rules of the qualification file (首营资料): what each customer type must hold, and the
status of a document and of a customer. THE place the order review (issue 5) and the desktop
(issue 4) ask::

    from pharmcrm.qualifications.rules import qualification_status

    status = qualification_status(customer)   # customer already visibility-checked by the caller
    if not status.complete:                   # a required type is missing or only expired
        ...  status.missing (type codes), status.expired_required (type codes),
        ...  status.expired / status.expiring (documents), status.flag ("complete"/"missing"/"expired")

``qualification_status`` reads the documents (one query) and is always exact. The same answer
is stored per customer in ``CustomerQualificationState`` (indexed; ``selectors.qualification_flag``)
for lists and filters; it is recomputed on every document change and by the daily step.

Required documents per customer type (DOMAIN.md "Qualification file"); edit ``REQUIREMENTS``
to change them. GSP certificates were abolished in December 2019 and are not required (nor a type).

| customer type                                        | required                                                        | optional |
|------------------------------------------------------|-----------------------------------------------------------------|----------|
| agent, distributor, pharmacy chain, single pharmacy  | business licence, drug business licence, quality agreement, purchasing-agent authorisation | — |
| hospital, primary clinic                             | medical institution practice licence                            | purchasing-agent authorisation |
| other                                                | business licence                                                | — |

Dates are calendar days in the company's time zone (``TIME_ZONE``, Asia/Shanghai): ``valid_to``
is the last valid day. A document is *expired* from the day after ``valid_to``; *expiring* when
``valid_to`` is at most ``QUALIFICATION_WARNING_DAYS[0]`` days away (90 by default; 30 and 7
are the further reminder steps, ``reminder_step``); *valid* otherwise, or when it has no expiry
(长期). ``valid_from`` is informative and does not change the status.

A required type is *covered* when a current document of that type is valid or expiring. The
customer is complete when every required type is covered. Otherwise the flag is ``expired``
when some uncovered required type has an expired current document, else ``missing``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from pharmcrm.customers.models import CustomerType
from pharmcrm.qualifications.models import (
    DocumentState,
    QualificationDocument,
    QualificationFlag,
    QualificationType,
    ValidityStatus,
)

T = QualificationType

#: customer type -> (required document types, optional document types), in display order
REQUIREMENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    CustomerType.AGENT: ((T.BUSINESS_LICENCE, T.DRUG_LICENCE, T.QUALITY_AGREEMENT, T.PURCHASE_AUTHORISATION), ()),
    CustomerType.DISTRIBUTOR: (
        (T.BUSINESS_LICENCE, T.DRUG_LICENCE, T.QUALITY_AGREEMENT, T.PURCHASE_AUTHORISATION), ()),
    CustomerType.CHAIN: ((T.BUSINESS_LICENCE, T.DRUG_LICENCE, T.QUALITY_AGREEMENT, T.PURCHASE_AUTHORISATION), ()),
    CustomerType.PHARMACY: (
        (T.BUSINESS_LICENCE, T.DRUG_LICENCE, T.QUALITY_AGREEMENT, T.PURCHASE_AUTHORISATION), ()),
    CustomerType.HOSPITAL: ((T.PRACTICE_LICENCE,), (T.PURCHASE_AUTHORISATION,)),
    CustomerType.CLINIC: ((T.PRACTICE_LICENCE,), (T.PURCHASE_AUTHORISATION,)),
    CustomerType.OTHER: ((T.BUSINESS_LICENCE,), ()),
}
DEFAULT_WARNING_DAYS = (90, 30, 7)


def required_types(customer_type: str) -> tuple[str, ...]:
    return REQUIREMENTS.get(customer_type, REQUIREMENTS[CustomerType.OTHER])[0]


def optional_types(customer_type: str) -> tuple[str, ...]:
    return REQUIREMENTS.get(customer_type, REQUIREMENTS[CustomerType.OTHER])[1]


def warning_days() -> tuple[int, ...]:
    """The reminder steps in days before expiry, largest first (setting
    ``PHARMCRM["QUALIFICATION_WARNING_DAYS"]``, default 90/30/7). The first is the window in
    which a document counts as "expiring"."""
    days = settings.PHARMCRM.get("QUALIFICATION_WARNING_DAYS") or DEFAULT_WARNING_DAYS
    return tuple(sorted({int(d) for d in days if int(d) >= 0}, reverse=True)) or DEFAULT_WARNING_DAYS


def warning_window() -> int:
    return warning_days()[0]


def today() -> datetime.date:
    """Today in the company's time zone (Asia/Shanghai)."""
    return timezone.localdate()


def validity_status(valid_to: datetime.date | None, no_expiry: bool, *, on: datetime.date,
                    window: int | None = None) -> str:
    if no_expiry or valid_to is None:
        return ValidityStatus.VALID
    if valid_to < on:
        return ValidityStatus.EXPIRED
    if (valid_to - on).days <= (warning_window() if window is None else window):
        return ValidityStatus.EXPIRING
    return ValidityStatus.VALID


def document_status(doc: QualificationDocument, *, on: datetime.date | None = None) -> str:
    return validity_status(doc.valid_to, doc.no_expiry, on=on or today())


def days_left(doc: QualificationDocument, *, on: datetime.date | None = None) -> int | None:
    """Days until ``valid_to`` (0 on the last valid day, negative once expired); None: no expiry."""
    if doc.no_expiry or doc.valid_to is None:
        return None
    return (doc.valid_to - (on or today())).days


def reminder_step(doc: QualificationDocument, *, on: datetime.date | None = None) -> int | None:
    """The smallest reminder step (90/30/7 by default) the document has reached, or None (not
    within any step, no expiry, or already expired). For the reminders of issue 4."""
    left = days_left(doc, on=on)
    if left is None or left < 0:
        return None
    reached = [d for d in warning_days() if left <= d]
    return min(reached) if reached else None


def next_status_change(doc: QualificationDocument, *, on: datetime.date) -> datetime.date | None:
    """The first day after ``on`` on which ``document_status`` of ``doc`` will differ."""
    if doc.no_expiry or doc.valid_to is None:
        return None
    status = validity_status(doc.valid_to, doc.no_expiry, on=on)
    if status == ValidityStatus.VALID:
        return doc.valid_to - datetime.timedelta(days=warning_window())
    if status == ValidityStatus.EXPIRING:
        return doc.valid_to + datetime.timedelta(days=1)
    return None


@dataclass(frozen=True)
class QualificationStatus:
    """The qualification file of one customer on one day."""

    complete: bool
    flag: str  # QualificationFlag: complete / missing / expired
    missing: list[str]  # required types with no current document at all
    expired_required: list[str]  # required types whose current documents are all expired
    expired: list[QualificationDocument]  # every current document past its validity (any type)
    expiring: list[QualificationDocument]  # every current document within the warning window
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    on: datetime.date | None = None
    next_check: datetime.date | None = None  # the next day this answer may change by itself
    documents: list[QualificationDocument] = field(default_factory=list, repr=False)

    @property
    def uncovered(self) -> list[str]:
        """Required types not covered by a valid document (missing or expired), in table order."""
        return [t for t in self.required if t in self.missing or t in self.expired_required]


def evaluate(customer_type: str, documents: Iterable[QualificationDocument], *,
             on: datetime.date | None = None) -> QualificationStatus:
    """``qualification_status`` on documents already loaded (only ``current`` ones count)."""
    on = on or today()
    docs = [d for d in documents if d.state == DocumentState.CURRENT]
    required, optional = required_types(customer_type), optional_types(customer_type)
    statuses = {d.pk: document_status(d, on=on) for d in docs}
    by_type: dict[str, list[QualificationDocument]] = {}
    for d in docs:
        by_type.setdefault(d.type, []).append(d)
    missing, expired_required = [], []
    for t in required:
        held = by_type.get(t, [])
        if not held:
            missing.append(t)
        elif not any(statuses[d.pk] != ValidityStatus.EXPIRED for d in held):
            expired_required.append(t)
    complete = not missing and not expired_required
    if complete:
        flag = QualificationFlag.COMPLETE
    elif expired_required:
        flag = QualificationFlag.EXPIRED
    else:
        flag = QualificationFlag.MISSING
    changes = [c for c in (next_status_change(d, on=on) for d in docs) if c is not None]
    key = _by_expiry
    return QualificationStatus(
        complete=complete,
        flag=str(flag),
        missing=missing,
        expired_required=expired_required,
        expired=sorted((d for d in docs if statuses[d.pk] == ValidityStatus.EXPIRED), key=key),
        expiring=sorted((d for d in docs if statuses[d.pk] == ValidityStatus.EXPIRING), key=key),
        required=tuple(required),
        optional=tuple(optional),
        on=on,
        next_check=min(changes) if changes else None,
        documents=docs,
    )


def _by_expiry(doc: QualificationDocument):
    return (doc.valid_to or datetime.date.max, doc.pk or 0)


def qualification_status(customer, *, on: datetime.date | None = None,
                         documents: Sequence[QualificationDocument] | None = None) -> QualificationStatus:
    """The qualification status of ``customer`` (a ``Customer``), computed from its current
    documents (one query unless ``documents`` are given). The caller has already checked that
    its user may see the customer (a selector returned it)."""
    if documents is None:
        documents = list(QualificationDocument.objects.filter(customer_id=customer.pk,
                                                              state=DocumentState.CURRENT))
    return evaluate(customer.type, documents, on=on)
