"""批准文号 validation and normalisation; spec normalisation."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from pharmcrm.catalog.validators import normalise_approval_number, normalise_spec, validate_approval_number

FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789HZSJhzsj"}


@pytest.mark.parametrize("value", [
    "国药准字H20103026", "国药准字Z11020001", "国药准字S20063016", "国药准字J20130082",
    " 国药准字 H2010 3026 ", "国药准字h20103026", "国药准字Ｈ２０１０３０２６", "H20103026", "z11020001",
])
def test_accepted_and_normalised(value):
    validate_approval_number(value)
    code = normalise_approval_number(value)
    assert code.startswith("国药准字") and len(code) == 13 and " " not in code and code[4].isupper()


@pytest.mark.parametrize("value,expected", [
    ("国药准字X20103026", "一个字母"),       # unknown letter
    ("国药准字H2010302", "8位数字"),          # 7 digits
    ("国药准字H201030261", "8位数字"),        # 9 digits
    ("国药准字H2010302A", "8位数字"),
    ("国药准字", "一个字母"),
    ("国药准字20103026", "一个字母"),
    ("国械注准20153460001", "国药准字"),      # a device registration number, not a drug approval
    ("H2010302", "国药准字"),
    ("", "国药准字"),
])
def test_refused_with_a_clear_chinese_message(value, expected):
    with pytest.raises(ValidationError) as exc:
        validate_approval_number(value)
    message = exc.value.messages[0]
    assert expected in message, message


@given(letter=st.sampled_from("HZSJhzsj"), digits=st.text("0123456789", min_size=8, max_size=8),
       spaces=st.lists(st.sampled_from([" ", "\u3000", "\t"]), max_size=3), full=st.booleans())
def test_any_spelling_of_a_valid_number_normalises_to_one_form(letter, digits, spaces, full):
    raw = "国药准字" + "".join(spaces) + letter + digits
    if full:
        raw = "".join(FULL_WIDTH.get(ch, ch) for ch in raw)
    validate_approval_number(raw)
    assert normalise_approval_number(raw) == "国药准字" + letter.upper() + digits


@given(st.text(max_size=20))
def test_validator_never_crashes_and_agrees_with_the_format(text):
    code = normalise_approval_number(text)
    ok = len(code) == 13 and code.startswith("国药准字") and code[4] in "HZSJ" and code[5:].isascii() \
        and code[5:].isdigit()
    try:
        validate_approval_number(text)
    except ValidationError:
        assert not ok
    else:
        assert ok


@pytest.mark.parametrize("raw,expected", [
    ("0.25g x 24粒", "0.25g×24粒"), ("0.25g*24粒", "0.25g×24粒"), ("10ml＊10支", "10ml×10支"),
    (" 5mg×7片 ", "5mg×7片"), ("0.5g X 30片", "0.5g×30片"), ("每袋装10g×6袋", "每袋装10g×6袋"),
])
def test_spec_normalised(raw, expected):
    assert normalise_spec(raw) == expected
