"""The audit trail: services call these in the same transaction as their writes."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import models

from pharmcrm.core.models import AuditEvent


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return {"id": value.pk, "label": str(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """The values of ``fields`` (foreign keys as {id, label}) for a later ``diff``."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value changed."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model,
    changes: dict[str, Any] | None = None,
    customer_id: int | None = None,
    label: str | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.model_name,
        target_id=target.pk,
        target_label=(label if label is not None else str(target))[:300],
        customer_id=customer_id,
        changes={k: _plain(v) for k, v in (changes or {}).items()},
    )


def audit_bulk(*, actor, action: str, targets: list[tuple[models.Model, dict, int | None]]) -> None:
    """Many events in one INSERT (transfers of thousands of customers)."""
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor if getattr(actor, "pk", None) else None,
                action=action,
                target_type=t._meta.model_name,
                target_id=t.pk,
                target_label=str(t)[:300],
                customer_id=cust_id,
                changes={k: _plain(v) for k, v in changes.items()},
            )
            for t, changes, cust_id in targets
        ],
        batch_size=500,
    )


def audit_history(*, target_type: str, target_id: int, limit: int = 200):
    return (
        AuditEvent.objects.filter(target_type=target_type, target_id=target_id)
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )


def audit_customer_history(*, customer_id: int, limit: int = 200):
    return (
        AuditEvent.objects.filter(customer_id=customer_id)
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )
