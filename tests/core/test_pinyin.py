"""Search keys: the name, full pinyin and initials, every reading of polyphones."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pharmcrm.core.pinyin import MAX_VARIANTS, normalise, pinyin_full, pinyin_initials, search_key


def parts(text: str) -> list[str]:
    return search_key(text).split("|")


@pytest.mark.parametrize(
    "text, needles",
    [
        ("中医药", ["中医药", "zhongyiyao", "zyy", "zhongyi", "yiyao"]),
        ("重庆", ["chongqing", "zhongqing", "cq", "zq"]),
        ("银行", ["yinhang", "yinxing", "yh", "yx"]),
        ("长春药业", ["changchun", "zhangchun", "ccyy"]),
        ("北京同仁堂", ["beijingtongrentang", "bjtrt"]),
        ("华润三九ABC", ["huarunsanjiuabc", "hrsjabc", "华润三九abc"]),
        ("国药控股 第1分公司", ["guoyaokonggudi1fengongsi", "gykgd1fgs"]),
    ],
)
def test_search_key_contains(text, needles):
    key = search_key(text)
    for needle in needles:
        assert needle in key, (needle, key)


@pytest.mark.parametrize(
    "text, needle",
    [
        ("重庆市中药饮片厂", "zhongqing"),  # later polyphones (片, 厂) must not crowd out 重's other reading
        ("重庆市中药饮片厂", "zqszyy"),
        ("银行重庆分行", "yinxing"),
        ("银行重庆分行", "zhongqing"),
        ("重庆长安银行", "zhangan"),
    ],
)
def test_every_single_alternative_reading_survives_the_cap(text, needle):
    assert needle in search_key(text)


def test_plain_latin_and_digits_have_no_pinyin_pieces():
    assert search_key("ABC Pharma 123") == "abcpharma123"
    assert search_key("", None, "x") == "x"
    assert search_key() == ""


def test_several_texts_and_separator():
    key = search_key("中医药", "91350100M000100Y43", "021-123")
    assert "91350100m000100y43" in key and "021-123" in key and "zyy" in key
    # the separator prevents matches across two texts
    assert "yy91350100" not in key


def test_normalise():
    assert normalise("  Ｚｙｙ  中 医 ") == "zyy中医"
    assert normalise(None) == ""


def test_in_context_reading_first():
    assert pinyin_full("重庆")[0] == "chongqing"
    assert pinyin_initials("重庆")[0] == "cq"


def test_variants_are_capped():
    name = "重行长乐都会还得发" * 3  # many polyphones
    assert len(pinyin_full(name)) <= MAX_VARIANTS
    assert len(pinyin_initials(name)) <= MAX_VARIANTS
    assert len(search_key(name)) < 2000


@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=12))
def test_random_chinese_keys_are_lower_case_and_contain_the_text(text):
    key = search_key(text)
    assert text in key
    assert key == key.lower()
    assert len(pinyin_full(text)) >= 1
    # initials have one letter per character
    assert all(len(v) == len(text) for v in pinyin_initials(text))


@given(st.text(max_size=30))
def test_never_crashes(text):
    search_key(text)
