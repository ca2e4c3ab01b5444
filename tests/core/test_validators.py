"""GB 32100-2015 unified social credit code (统一社会信用代码)."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from pharmcrm.core.validators import (
    CREDIT_CODE_ALPHABET,
    credit_code_check_char,
    normalise_credit_code,
    validate_credit_code,
)

EXAMPLE = "91350100M000100Y43"  # the example printed in GB 32100-2015


def code_of(exc: pytest.ExceptionInfo) -> str:
    return exc.value.error_list[0].code


def test_standard_example_is_valid():
    validate_credit_code(EXAMPLE)
    assert credit_code_check_char(EXAMPLE[:17]) == "3"


@pytest.mark.parametrize("code", ["914403001922038216", "91330100799655058B", "9144030071526726XG"])
def test_real_registered_codes(code):
    """Codes of well-known companies (Huawei, Alibaba China, Tencent), as published."""
    validate_credit_code(code)


def test_alphabet_has_31_characters_without_i_o_s_v_z():
    assert len(CREDIT_CODE_ALPHABET) == len(set(CREDIT_CODE_ALPHABET)) == 31
    assert not set("IOSVZ") & set(CREDIT_CODE_ALPHABET)


def test_normalisation_spaces_and_case():
    assert normalise_credit_code("  91350100m000100y43 ") == EXAMPLE
    validate_credit_code(" 91350100m000100y43 ")
    assert normalise_credit_code(None) == ""


@pytest.mark.parametrize("last", [c for c in CREDIT_CODE_ALPHABET if c != "3"])
def test_wrong_check_char(last):
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(EXAMPLE[:17] + last)
    assert code_of(exc) == "credit_code_check"


@pytest.mark.parametrize("code", ["", "9135010", EXAMPLE[:17], EXAMPLE + "0", EXAMPLE * 2])
def test_wrong_length(code):
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(code)
    assert code_of(exc) == "credit_code_length"


@pytest.mark.parametrize("letter", list("IOSVZ"))
@pytest.mark.parametrize("position", [0, 8, 17])
def test_forbidden_letters(letter, position):
    code = EXAMPLE[:position] + letter + EXAMPLE[position + 1:]
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(code)
    assert code_of(exc) == "credit_code_chars"


@pytest.mark.parametrize("code", ["91350100M000100Y4-", "91350100M000100Y4中", "91350100M000 100Y4"])
def test_other_characters(code):
    with pytest.raises(ValidationError):
        validate_credit_code(code)


prefixes = st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=17, max_size=17)


@given(prefix=prefixes)
def test_computed_check_char_makes_a_valid_code(prefix):
    validate_credit_code(prefix + credit_code_check_char(prefix))
    validate_credit_code((prefix + credit_code_check_char(prefix)).lower())


@given(prefix=prefixes, data=st.data())
def test_any_other_last_char_is_invalid(prefix, data):
    right = credit_code_check_char(prefix)
    wrong = data.draw(st.sampled_from([c for c in CREDIT_CODE_ALPHABET if c != right]))
    with pytest.raises(ValidationError):
        validate_credit_code(prefix + wrong)


@given(prefix=prefixes, pos=st.integers(0, 16), data=st.data())
def test_single_substitution_is_detected(prefix, pos, data):
    """A mod-31 check with weights coprime to 31 catches every single-character typo."""
    code = prefix + credit_code_check_char(prefix)
    other = data.draw(st.sampled_from([c for c in CREDIT_CODE_ALPHABET if c != code[pos]]))
    with pytest.raises(ValidationError):
        validate_credit_code(code[:pos] + other + code[pos + 1:])
