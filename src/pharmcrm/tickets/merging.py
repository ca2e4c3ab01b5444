"""Customer merge and tickets: the tickets move to the surviving customer (``customers.merge
.move_all``); their timelines go with them. Registered from ``TicketsConfig.ready()``."""

from __future__ import annotations

from pharmcrm.customers import merge

LABEL = "tickets.Ticket.customer"


def move_tickets(relation: merge.Relation, source, target, result: merge.MergeResult) -> None:
    merge.move_all(relation, source, target, result)


def register() -> None:
    merge.HANDLERS.setdefault(LABEL, move_tickets)
