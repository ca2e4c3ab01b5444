"""The key figures of the customer page's header (UI.md "Detail pages"): value class, sales this
year, receivables, last follow-up, contacts, qualifications, agreements, how long owned.

Each area registers a figure in ``FIGURES``: a key, a label, a function
``value(customer, perms, user) -> FigureValue | None`` (dotted path "module:function", so this
module imports no other area) and what to show while there is no value (``empty`` and the
tooltip ``empty_hint``). A function reads at most a query or two, whatever the data, and the
customer has already been visibility-checked. ``show`` (optional, same signature, returns bool)
hides a figure that does not apply (agreements of a hospital). Figures whose data come with later
issues (orders, payments, follow-ups, value scoring) are registered with ``value=None`` and show
their placeholder until an issue plugs a function in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from pharmcrm.core.registry import resolve


@dataclass(frozen=True)
class FigureValue:
    text: str  # what the header shows, e.g. "3" or "12天"
    value: Any = None  # the plain value for the API (a number, an ISO date, a status key)
    hint: str = ""  # tooltip
    tone: str = ""  # "good" | "warn" | "bad" | ""
    link: str = ""  # a tab or page with the details ("?tab=contacts")


@dataclass(frozen=True)
class KeyFigure:
    key: str
    label: str
    value: str | None  # dotted path "module:function"; None: not available yet (a later issue)
    empty: str = "—"
    empty_hint: str = ""
    show: str | None = None

    def load(self, customer, perms, user) -> FigureValue | None:
        return resolve(self.value)(customer, perms, user) if self.value else None

    def visible(self, customer, perms, user) -> bool:
        return self.show is None or bool(resolve(self.show)(customer, perms, user))


_HERE = "pharmcrm.customers.key_figures"

FIGURES: list[KeyFigure] = [
    KeyFigure("value_class", gettext_lazy("Value class"), None,
              empty_hint=gettext_lazy("Computed once the customer has orders")),
    KeyFigure("sales_this_year", gettext_lazy("Sales this year"), None,
              empty_hint=gettext_lazy("Shown once orders are recorded")),
    KeyFigure("receivables", gettext_lazy("Receivables"), None,
              empty_hint=gettext_lazy("Shown once payments are recorded")),
    KeyFigure("last_followup", gettext_lazy("Last follow-up"), f"{_HERE}:last_followup",
              empty=gettext_lazy("None yet"), empty_hint=gettext_lazy("No follow-up recorded yet")),
    KeyFigure("contacts", gettext_lazy("Contacts"), f"{_HERE}:current_contacts"),
    KeyFigure("qualifications", gettext_lazy("Qualifications"), f"{_HERE}:qualification_state"),
    KeyFigure("active_agreements", gettext_lazy("Agreements in force"), f"{_HERE}:active_agreements",
              show=f"{_HERE}:is_agent"),
    KeyFigure("owned_for", gettext_lazy("Owned for"), f"{_HERE}:owned_for", show=f"{_HERE}:has_owner"),
    KeyFigure("customer_since", gettext_lazy("Customer since"), f"{_HERE}:customer_since"),
]


@dataclass(frozen=True)
class FigureRow:
    key: str
    label: str
    value: FigureValue | None
    empty: str
    empty_hint: str


def figures_for(*, customer, perms, user) -> list[FigureRow]:
    """The header's figures, in display order (a constant number of queries)."""
    rows = []
    for f in FIGURES:
        if not f.visible(customer, perms, user):
            continue
        rows.append(FigureRow(f.key, str(f.label), f.load(customer, perms, user), str(f.empty), str(f.empty_hint)))
    return rows


# --- the figures available now ---------------------------------------------------------------

def _days(since) -> int:
    return max(0, (timezone.localdate() - timezone.localdate(since)).days)


def _day(value) -> str:
    return date_format(timezone.localtime(value), "Y-m-d")


def last_followup(customer, perms, user) -> FigureValue | None:
    if not customer.last_followup_at:
        return None
    days = _days(customer.last_followup_at)
    text = _("Today") if days == 0 else ngettext("%(n)d day ago", "%(n)d days ago", days) % {"n": days}
    return FigureValue(text, customer.last_followup_at.isoformat(), _day(customer.last_followup_at))


def current_contacts(customer, perms, user) -> FigureValue:
    from pharmcrm.contacts.models import Employment

    n = (Employment.objects.filter(customer_id=customer.pk, end_date__isnull=True, contact__deleted_at__isnull=True)
         .values("contact_id").distinct().count())
    return FigureValue(str(n), n, link="?tab=contacts")


def qualification_state(customer, perms, user) -> FigureValue:
    from pharmcrm.qualifications.models import QualificationFlag
    from pharmcrm.qualifications.selectors import qualification_state_of

    state = qualification_state_of(customer)
    link = "?tab=qualifications"
    if state is None or state.flag == QualificationFlag.MISSING:
        missing = len(state.missing_types) if state else 0
        hint = ngettext("%(n)d required document missing", "%(n)d required documents missing", missing) % {
            "n": missing} if missing else _("No documents uploaded")
        return FigureValue(_("Missing"), "missing", hint, "bad", link)
    if state.flag == QualificationFlag.EXPIRED:
        return FigureValue(_("Expired"), "expired", _("A required document has expired"), "bad", link)
    if state.expiring_count:
        hint = ngettext("%(n)d document expires soon", "%(n)d documents expire soon", state.expiring_count) % {
            "n": state.expiring_count}
        return FigureValue(_("Expiring"), "expiring", hint, "warn", link)
    return FigureValue(_("Complete"), "complete", "", "good", link)


def is_agent(customer, perms, user) -> bool:
    from pharmcrm.agency.models import AGENT_TYPES

    return customer.type in AGENT_TYPES


def active_agreements(customer, perms, user) -> FigureValue:
    from pharmcrm.agency.models import AgencyAgreement, AgreementStatus

    n = AgencyAgreement.objects.filter(agent_id=customer.pk, status=AgreementStatus.ACTIVE).count()
    return FigureValue(str(n), n, link="?tab=agreements")


def has_owner(customer, perms, user) -> bool:
    return customer.owner_id is not None  # a pool customer's header says since when it is in the pool


def owned_for(customer, perms, user) -> FigureValue | None:
    """Days with the current owner (since it was created, transferred, claimed or assigned)."""
    if customer.owner_id is None:
        return None
    since = customer.owned_since or customer.created_at
    days = _days(since)
    return FigureValue(ngettext("%(n)d day", "%(n)d days", days) % {"n": days}, days,
                       _("Owned by %(name)s since %(day)s") % {"name": customer.owner.full_name, "day": _day(since)})


def customer_since(customer, perms, user) -> FigureValue:
    return FigureValue(_day(customer.created_at), timezone.localdate(customer.created_at).isoformat())
