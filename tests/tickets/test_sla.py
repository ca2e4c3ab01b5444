import datetime

import pytest
from django.utils import timezone

from pharmcrm.tickets import sla
from pharmcrm.tickets.models import Priority, TicketType


def test_every_type_and_priority_has_a_positive_sla():
    for t in TicketType.values:
        for p in Priority.values:
            assert sla.sla_hours(t, p) > 0, (t, p)


def test_defaults_are_tighter_for_urgent_complaints_than_low_consultations():
    assert sla.sla_hours("complaint", "urgent") == 4
    assert sla.sla_hours("quality", "urgent") == 4
    assert sla.sla_hours("consultation", "low") == 72
    for t in TicketType.values:
        hours = [sla.sla_hours(t, p) for p in ("urgent", "high", "normal", "low")]
        assert hours == sorted(hours), t


def test_due_at_adds_the_hours_to_the_start():
    start = timezone.make_aware(datetime.datetime(2026, 3, 1, 23, 30))
    assert sla.due_at("complaint", "urgent", start) == start + datetime.timedelta(hours=4)
    assert sla.due_at("consultation", "normal", start) == start + datetime.timedelta(hours=48)


def test_settings_override_single_cells(settings):
    settings.PHARMCRM = {**settings.PHARMCRM, "TICKET_SLA_HOURS": {"complaint": {"urgent": 2}, "other": {"low": 240}}}
    assert sla.sla_hours("complaint", "urgent") == 2
    assert sla.sla_hours("complaint", "high") == 12  # the default stays
    assert sla.sla_hours("other", "low") == 240


def test_a_non_positive_setting_is_refused(settings):
    settings.PHARMCRM = {**settings.PHARMCRM, "TICKET_SLA_HOURS": {"return": {"low": 0}}}
    with pytest.raises(ValueError):
        sla.sla_hours("return", "low")
