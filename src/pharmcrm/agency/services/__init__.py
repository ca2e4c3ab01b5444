"""The only writers of agency agreements, their lines and territory.

Rights follow the agent customer (``org.visibility``): whoever may WRITE the agent creates and
edits drafts (header, lines, territory) and records the deposit; whoever may MANAGE it (owner,
heads above, administrators — not read-write shares) puts an agreement in force or terminates
it. Invisible agreements are ``NotFound``.

States: draft → active (``agreement_activate``) → expired (``agreements_expire``, daily) or
terminated (``agreement_terminate``); a draft may also be terminated (abandoned). Nothing else:
expired and terminated are final. Lines and territory change only in draft; an active
agreement's dates may change (re-checked against THE rule), its exclusivity may not.
Every change is in the agent customer's history (``audit_record(customer_id=agent)``).
"""

from pharmcrm.agency.services.header import agreement_create, agreement_create_full, agreement_update
from pharmcrm.agency.services.lines import (
    agreement_hospital_add,
    agreement_hospital_remove,
    agreement_line_add,
    agreement_line_remove,
    agreement_line_update,
    agreement_region_add,
    agreement_region_remove,
)
from pharmcrm.agency.services.state import (
    agreement_activate,
    agreement_deposit_update,
    agreement_terminate,
    agreements_expire,
)

__all__ = [
    "agreement_activate",
    "agreement_create",
    "agreement_create_full",
    "agreement_deposit_update",
    "agreement_hospital_add",
    "agreement_hospital_remove",
    "agreement_line_add",
    "agreement_line_remove",
    "agreement_line_update",
    "agreement_region_add",
    "agreement_region_remove",
    "agreement_terminate",
    "agreement_update",
    "agreements_expire",
]
