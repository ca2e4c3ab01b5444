"""Template context for every page: the navigation built from the user's roles."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

BOTTOM_BAR_MAX = 5


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    icon: str
    url: str
    active: bool = False


# (key, label, icon, url name, who may use it, url prefixes that make it active).
# Areas that are not built yet are simply not listed: no dead links.
_AREAS = [
    ("desktop", _("My Desktop"), "bi-house-door", "web:desktop", "all", ("/",)),
    ("customers", _("Customers"), "bi-people", "web:customer_list", "all", ("/customers/", "/search/")),
    ("contacts", _("Contacts"), "bi-person-vcard", "web:contact_list", "all", ("/contacts/",)),
    ("followups", _("Follow-ups"), "bi-journal-text", "web:followup_list", "all", ("/followups/",)),
    ("calendar", _("Calendar"), "bi-calendar3", "web:calendar", "works", ("/calendar/",)),
    ("team_feed", _("Team activity"), "bi-activity", "web:team_feed", "head", ("/team/",)),
    ("tickets", _("Service tickets"), "bi-headset", "web:ticket_list", "all", ("/tickets/",)),
    ("opportunities", _("Opportunities"), "bi-lightbulb", "web:opportunity_list", "all", ("/opportunities/",)),
    ("quotations", _("Quotations"), "bi-file-earmark-text", "web:quotation_list", "all", ("/quotations/",)),
    ("orders", _("Orders"), "bi-cart3", "web:order_list", "all", ("/orders/",)),
    ("tenders", _("Tenders"), "bi-file-earmark-ruled", "web:tender_list", "all", ("/tenders/",)),
    ("invoicing", _("Invoices"), "bi-receipt", "web:invoice_ledger", "finance", ("/invoicing/",)),
    ("payments", _("Payments"), "bi-cash-coin", "web:payment_list", "finance", ("/payments/",)),
    ("receivables", _("Receivables ageing"), "bi-hourglass-split", "web:receivables", "works", ("/receivables/",)),
    ("catalog", _("Products"), "bi-capsule-pill", "web:product_list", "all", ("/catalog/",)),
    ("inventory", _("Stock"), "bi-box-seam", "web:stock_list", "all", ("/inventory/",)),
    ("agreements", _("Agency agreements"), "bi-file-earmark-text", "web:agreement_list", "all", ("/agreements/",)),
    ("settings", _("Settings"), "bi-gear", "web:settings_home", "admin", ("/settings/",)),
]


def _allowed(user, who: str) -> bool:
    if who == "all":
        return True
    if who == "admin":
        return user.is_admin
    if who == "head":
        return user.is_head
    if who == "works":  # works customers: sales roles and heads (the follow-up calendar)
        return user.is_head or bool(user.role_codes & {"sales_rep", "sales_admin"})
    return user.has_role(who) or user.is_admin


def _is_active(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == p if p == "/" else path.startswith(p) for p in prefixes)


def build_navigation(user, path: str) -> list[NavItem]:
    items: list[NavItem] = []
    for key, label, icon, url_name, who, prefixes in _AREAS:
        if not _allowed(user, who):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:  # an area whose routes do not exist (yet) is hidden
            continue
        items.append(NavItem(key, str(label), icon, url, _is_active(path, prefixes)))
    return items


class UnreadNotifications:
    """The bell's number: counted once, and only if the page shows it (a partial never does)."""

    def __init__(self, user):
        self._user = user

    @cached_property
    def count(self) -> int:
        # loaded with the session user (org.auth.load_roles_and_heads): no query of its own
        known = getattr(self._user, "unread_notifications", None)
        if known is not None:
            return known
        from pharmcrm.notifications.selectors import unread_count

        return unread_count(actor=self._user)

    @property
    def label(self) -> str:
        return "99+" if self.count > 99 else str(self.count)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    try:
        tokens_url = reverse("web:settings_tokens")
    except NoReverseMatch:
        tokens_url = None
    items = build_navigation(user, request.path)
    # the phone's bottom bar holds five: beyond, four and a "more" menu with the rest
    bottom, more = (items, []) if len(items) <= BOTTOM_BAR_MAX else (items[:BOTTOM_BAR_MAX - 1],
                                                                     items[BOTTOM_BAR_MAX - 1:])
    return {
        "nav_items": items,
        "nav_bottom": bottom,
        "nav_more": more,
        "nav_more_active": any(i.active for i in more),
        "can_transfer": user.is_admin or user.is_head,
        "tokens_url": tokens_url,
        "unread_notifications": UnreadNotifications(user),
    }
