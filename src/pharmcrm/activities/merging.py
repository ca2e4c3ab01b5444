"""Customer merge and follow-ups: the follow-ups move to the surviving customer like any row
(``customers.merge.move_all``), then both customers' follow-up plans (``next_followup_on``)
are recomputed from the follow-ups they now have. Registered from ``ActivitiesConfig.ready()``
so that customers never imports activities."""

from __future__ import annotations

from pharmcrm.customers import merge

LABEL = "activities.FollowUp.customer"


def move_followups(relation: merge.Relation, source, target, result: merge.MergeResult) -> None:
    from pharmcrm.activities.services import refresh_plan

    merge.move_all(relation, source, target, result)

    def refresh() -> None:
        # merge saves the target object afterwards: keep its in-memory value right too
        target.next_followup_on = refresh_plan(target.pk)
        source.next_followup_on = refresh_plan(source.pk)

    result.after.append(refresh)


def register() -> None:
    merge.HANDLERS.setdefault(LABEL, move_followups)
