"""Hooks of the agency area into the customers' public pool.

The daily expiry step itself is in ``daily_steps.py`` (found by ``core.daily``)."""

from __future__ import annotations


def register_pool_exemption() -> None:
    """Agents with an agreement in force never return to the public pool on their own."""
    from pharmcrm.customers import pool

    pool.register_exemption(active_agent_exemption)


def active_agent_exemption():
    from django.db.models import Exists, OuterRef, Q

    from pharmcrm.agency.models import AgencyAgreement, AgreementStatus

    return Q(Exists(AgencyAgreement.objects.filter(agent_id=OuterRef("pk"), status=AgreementStatus.ACTIVE)))
