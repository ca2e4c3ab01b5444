"""Status of a document at the date boundaries (Asia/Shanghai calendar days), completeness per
customer type, the reminder steps, and the PRC ID number check."""

from __future__ import annotations

import datetime
import zoneinfo
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from pharmcrm.customers.models import CustomerType
from pharmcrm.qualifications import rules
from pharmcrm.qualifications.models import DocumentState, QualificationType, ValidityStatus
from pharmcrm.qualifications.validators import id_check_char, mask_id_number, validate_id_number

D = datetime.date
T = QualificationType
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def doc(kind=T.DRUG_LICENCE, valid_to=None, no_expiry=False, state=DocumentState.CURRENT, pk=None):
    doc.n = getattr(doc, "n", 0) + 1
    return SimpleNamespace(pk=pk or doc.n, type=kind, valid_to=valid_to, no_expiry=no_expiry, state=state)


TODAY = D(2026, 3, 1)


@pytest.mark.parametrize("valid_to,expected", [
    (D(2026, 2, 28), ValidityStatus.EXPIRED),       # yesterday was the last day
    (D(2026, 3, 1), ValidityStatus.EXPIRING),       # today is the last valid day
    (D(2026, 5, 30), ValidityStatus.EXPIRING),      # 90 days away
    (D(2026, 5, 31), ValidityStatus.VALID),         # 91 days away
    (D(2030, 1, 1), ValidityStatus.VALID),
])
def test_validity_boundaries(valid_to, expected):
    assert rules.validity_status(valid_to, False, on=TODAY) == expected


def test_no_expiry_is_always_valid():
    assert rules.validity_status(None, True, on=TODAY) == ValidityStatus.VALID
    assert rules.validity_status(D(2000, 1, 1), True, on=TODAY) == ValidityStatus.VALID


def test_window_is_a_setting(settings):
    settings.PHARMCRM = {**settings.PHARMCRM, "QUALIFICATION_WARNING_DAYS": (60, 14)}
    assert rules.warning_days() == (60, 14)
    assert rules.validity_status(D(2026, 4, 30), False, on=TODAY) == ValidityStatus.EXPIRING  # 60 days
    assert rules.validity_status(D(2026, 5, 1), False, on=TODAY) == ValidityStatus.VALID


@pytest.mark.parametrize("left,step", [(91, None), (90, 90), (31, 90), (30, 30), (8, 30), (7, 7), (0, 7), (-1, None)])
def test_reminder_steps(left, step):
    d = doc(valid_to=TODAY + datetime.timedelta(days=left))
    assert rules.reminder_step(d, on=TODAY) == step
    assert rules.days_left(d, on=TODAY) == left


def test_today_is_the_shanghai_calendar_day(settings):
    """At 23:30 UTC on 28 Feb it is already 1 March in Shanghai: a licence valid to 28 Feb is expired."""
    from unittest import mock

    moment = datetime.datetime(2026, 2, 28, 23, 30, tzinfo=datetime.UTC)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        assert rules.today() == D(2026, 3, 1)
        assert rules.document_status(doc(valid_to=D(2026, 2, 28))) == ValidityStatus.EXPIRED
        assert rules.document_status(doc(valid_to=D(2026, 3, 1))) == ValidityStatus.EXPIRING
    # and at 15:59 UTC on 28 Feb it is still 23:59 on 28 Feb in Shanghai: the last valid day
    moment = datetime.datetime(2026, 2, 28, 15, 59, tzinfo=datetime.UTC)
    assert timezone.localtime(moment, SHANGHAI).date() == D(2026, 2, 28)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        assert rules.document_status(doc(valid_to=D(2026, 2, 28))) == ValidityStatus.EXPIRING


AGENT_SET = [T.BUSINESS_LICENCE, T.DRUG_LICENCE, T.QUALITY_AGREEMENT, T.PURCHASE_AUTHORISATION]


@pytest.mark.parametrize("ctype,required,optional", [
    (CustomerType.AGENT, AGENT_SET, []),
    (CustomerType.DISTRIBUTOR, AGENT_SET, []),
    (CustomerType.CHAIN, AGENT_SET, []),
    (CustomerType.PHARMACY, AGENT_SET, []),
    (CustomerType.HOSPITAL, [T.PRACTICE_LICENCE], [T.PURCHASE_AUTHORISATION]),
    (CustomerType.CLINIC, [T.PRACTICE_LICENCE], [T.PURCHASE_AUTHORISATION]),
    (CustomerType.OTHER, [T.BUSINESS_LICENCE], []),
])
def test_required_set_per_customer_type(ctype, required, optional):
    assert list(rules.required_types(ctype)) == required
    assert list(rules.optional_types(ctype)) == optional
    empty = rules.evaluate(ctype, [], on=TODAY)
    assert not empty.complete and empty.flag == "missing" and empty.missing == required
    full = rules.evaluate(ctype, [doc(t, valid_to=D(2030, 1, 1)) for t in required], on=TODAY)
    assert full.complete and full.flag == "complete" and full.missing == [] and full.expired == []
    for t in required:  # each required type, left out, makes the file incomplete
        partial = rules.evaluate(ctype, [doc(x, valid_to=D(2030, 1, 1)) for x in required if x != t], on=TODAY)
        assert not partial.complete and partial.missing == [t]


def test_gsp_is_neither_a_type_nor_required():
    assert not any("gsp" in v.lower() for v in QualificationType.values)
    for ctype in CustomerType.values:
        assert all("gsp" not in t for t in rules.required_types(ctype))


def test_expired_required_document_makes_the_flag_expired():
    docs = [doc(T.PRACTICE_LICENCE, valid_to=D(2026, 2, 28))]
    s = rules.evaluate(CustomerType.HOSPITAL, docs, on=TODAY)
    assert not s.complete and s.flag == "expired" and s.expired_required == [T.PRACTICE_LICENCE]
    assert [d.pk for d in s.expired] == [docs[0].pk] and s.missing == []
    # a valid second licence of the same type covers it; the expired one is still listed
    docs.append(doc(T.PRACTICE_LICENCE, valid_to=D(2031, 1, 1)))
    s = rules.evaluate(CustomerType.HOSPITAL, docs, on=TODAY)
    assert s.complete and len(s.expired) == 1


def test_expired_optional_document_does_not_block():
    docs = [doc(T.PRACTICE_LICENCE, no_expiry=True), doc(T.PURCHASE_AUTHORISATION, valid_to=D(2025, 1, 1))]
    s = rules.evaluate(CustomerType.HOSPITAL, docs, on=TODAY)
    assert s.complete and s.flag == "complete" and len(s.expired) == 1


def test_expiring_counts_as_covered():
    docs = [doc(T.BUSINESS_LICENCE, valid_to=TODAY)]
    s = rules.evaluate(CustomerType.OTHER, docs, on=TODAY)
    assert s.complete and [d.pk for d in s.expiring] == [docs[0].pk]
    assert s.next_check == TODAY + datetime.timedelta(days=1)


def test_replaced_and_voided_documents_do_not_count():
    docs = [doc(T.BUSINESS_LICENCE, valid_to=D(2030, 1, 1), state=DocumentState.VOIDED),
            doc(T.BUSINESS_LICENCE, valid_to=D(2030, 1, 1), state=DocumentState.SUPERSEDED)]
    s = rules.evaluate(CustomerType.OTHER, docs, on=TODAY)
    assert not s.complete and s.missing == [T.BUSINESS_LICENCE]


def test_missing_and_expired_together_show_expired():
    docs = [doc(T.BUSINESS_LICENCE, valid_to=D(2020, 1, 1))]
    s = rules.evaluate(CustomerType.AGENT, docs, on=TODAY)
    assert s.flag == "expired" and set(s.missing) == set(AGENT_SET) - {T.BUSINESS_LICENCE}
    assert s.uncovered == AGENT_SET


dates = st.dates(D(2020, 1, 1), D(2035, 12, 31))


@given(valid_to=dates, on=dates)
def test_next_status_change_is_exactly_when_the_status_changes(valid_to, on):
    d = doc(valid_to=valid_to)
    change = rules.next_status_change(d, on=on)
    status = rules.document_status(d, on=on)
    if change is None:
        assert status == ValidityStatus.EXPIRED
        return
    assert change > on
    assert rules.document_status(d, on=change - datetime.timedelta(days=1)) == status
    assert rules.document_status(d, on=change) != status


@given(docs=st.lists(st.tuples(st.sampled_from(T.values), dates, st.booleans()), max_size=8),
       ctype=st.sampled_from(CustomerType.values), on=dates)
def test_complete_iff_every_required_type_has_an_unexpired_document(docs, ctype, on):
    objs = [doc(t, valid_to=v, no_expiry=n) for t, v, n in docs]
    s = rules.evaluate(ctype, objs, on=on)
    covered = {o.type for o in objs if o.no_expiry or o.valid_to >= on}
    assert s.complete == (set(rules.required_types(ctype)) <= covered)
    assert (s.flag == "complete") == s.complete
    held = {o.type for o in objs}
    assert s.missing == [t for t in rules.required_types(ctype) if t not in held]


# --- the PRC ID number ---------------------------------------------------------------------

def test_id_number_examples():
    validate_id_number("11010519491231002X")  # GB 11643-1999's example
    validate_id_number("11010519491231002x")  # lower-case x is normalised
    for bad in ("110105194912310021", "11010519491231002", "1101051949123100234", "11010519491331002X",
                "A1010519491231002X", ""):
        with pytest.raises(ValidationError):
            validate_id_number(bad)


@given(st.text("0123456789", min_size=17, max_size=17))
def test_id_check_char_detects_any_single_digit_change(first17):
    check = id_check_char(first17)
    for i in range(17):
        changed = first17[:i] + str((int(first17[i]) + 1) % 10) + first17[i + 1:]
        assert id_check_char(changed) != check


def test_mask():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number("") == ""
