"""Who may do what in the catalog (re-exported by ``catalog.selectors``).

Read: every logged-in, active user reads products and every price EXCEPT floor prices.
Floor prices (底价) — ``can_see_floor_price``: administrators, sales admins (商务内勤),
finance (they review orders against the floor) and department heads (they negotiate).
Write (products and prices) — ``can_edit_catalog``: administrators and sales admins only.
Customer-specific prices hang off their customer: they are read and written only by users
who also see that customer (``org.visibility``), on top of the rules above.
"""

from __future__ import annotations

from pharmcrm.org.models import Role, User

FLOOR_PRICE_ROLES = frozenset({Role.ADMIN, Role.SALES_ADMIN, Role.FINANCE})
CATALOG_WRITE_ROLES = frozenset({Role.ADMIN, Role.SALES_ADMIN})


def can_see_floor_price(user: User) -> bool:
    """Administrators, sales admins, finance and department heads (of any department)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(FLOOR_PRICE_ROLES & user.role_codes) or user.is_head


def can_edit_catalog(user: User) -> bool:
    """Administrators and sales admins create and change products and prices."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(CATALOG_WRITE_ROLES & user.role_codes)
