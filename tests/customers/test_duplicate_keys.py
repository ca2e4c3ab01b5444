"""The duplicate check's keys: the documented rule, example by example, and its properties."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pharmcrm.customers.duplicate_keys import COMPANY_SUFFIXES, PROVINCES, name_key, phone_key

SAME_NAMES = [
    ("国药控股（上海）有限公司", "国药控股上海有限公司"),
    ("国药控股(上海)有限公司", "国药控股 上海 有限公司"),
    ("国药控股上海有限公司", "国药控股上海有限责任公司"),
    ("国药控股上海有限公司", "国药控股上海股份有限公司"),
    ("国药控股上海公司", "国药控股上海有限公司"),
    ("国药控股上海", "国药控股上海有限公司"),
    ("华润医药(集团)有限公司", "华润医药集团有限公司"),
    ("华润医药（集团）有限公司", "华润医药集团公司"),
    ("上海市第一医药有限公司", "上海第一医药有限公司"),
    ("浙江省医药有限公司", "浙江医药股份有限公司"),
    ("黑龙江省天龙药业有限公司", "黑龙江天龙药业有限公司"),
    ("广西壮族自治区柳州医药有限公司", "广西柳州医药有限公司"),
    ("广西自治区柳州医药有限公司", "广西柳州医药"),
    ("ＡＢＣ　医药有限公司", "abc医药有限公司"),
    ("Pharma Co., Ltd.", "PHARMA CO LTD"),
    ("Pharma Company Limited", "pharma"),
    ("老百姓大药房·南京路店", "老百姓大药房（南京路店）"),
    ("同仁堂\t药店", "同仁堂药店"),
]

DIFFERENT_NAMES = [
    ("华润医药集团有限公司", "华润医药有限公司"),  # a group and its subsidiary
    ("国药控股上海分公司", "国药控股上海有限公司"),  # a branch and its head office
    ("老百姓大药房（南京路店）", "老百姓大药房"),  # a store and its chain
    ("老百姓大药房（南京路店）", "老百姓大药房（淮海路店）"),
    ("新都市医药有限公司", "新都医药有限公司"),  # city names keep 市
    ("杭州市医药有限公司", "杭州医药有限公司"),
    ("Zinc Inc", "Z"),
    ("上海医药", "北京医药"),
    ("上海第一人民医院", "上海第六人民医院"),
]


@pytest.mark.parametrize("a,b", SAME_NAMES)
def test_names_that_are_the_same_customer(a, b):
    assert name_key(a) == name_key(b) != ""


@pytest.mark.parametrize("a,b", DIFFERENT_NAMES)
def test_names_that_are_different_customers(a, b):
    assert name_key(a) != name_key(b)


def test_name_key_examples():
    assert name_key("国药控股（上海）有限公司") == "国药控股上海"
    assert name_key("上海市国药控股有限责任公司") == "上海国药控股"
    assert name_key("") == name_key(None) == name_key(" （ ） ") == ""
    assert name_key("公司") == "公司"  # a suffix never eats the whole name
    assert name_key("有限公司") == "有限"
    assert name_key("上海市") == "上海市"  # nor does a province's suffix
    assert len(name_key("药" * 500)) == 200


def test_every_suffix_and_province_is_handled():
    for suffix in COMPANY_SUFFIXES:
        assert name_key("康泰医药" + suffix) == "康泰医药", suffix
    for province, suffixes in PROVINCES.items():
        for s in suffixes:
            assert name_key(f"{province}{s}康泰医药有限公司") == f"{province}康泰医药", (province, s)


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in text)


names = st.text(
    alphabet=st.sampled_from(list("国药控股上海浙江省市医药有限公司责任股份集团（）()·-  ABCabc123.,&分店") + ["\t", "Ｘ"]),
    max_size=40,
)


@given(names)
def test_name_key_is_idempotent(name):
    assert name_key(name_key(name)) == name_key(name)


@given(names, st.lists(st.integers(min_value=0, max_value=40), max_size=5))
def test_name_key_ignores_width_and_whitespace(name, cuts):
    assert name_key(_fullwidth(name)) == name_key(name)
    spaced = name
    for cut in sorted(cuts, reverse=True):
        spaced = spaced[:cut] + " \u3000\t" + spaced[cut:]
    assert name_key(spaced) == name_key(name)
    assert name_key(name.upper()) == name_key(name.lower())


@given(st.text(max_size=60))
def test_name_key_any_text_is_normalised_and_stable(text):
    key = name_key(text)
    assert key == name_key(key)
    assert not any(unicodedata.category(c)[0] in "ZPSC" for c in key)
    assert len(key) <= 200


SAME_PHONES = [
    ("13800138000", "+86 138 0013 8000"),
    ("13800138000", "+86-138-0013-8000"),
    ("13800138000", "0086 138 0013 8000"),
    ("13800138000", "8613800138000"),
    ("13800138000", "１３８ ００１３ ８０００"),
    ("138-0013-8000", "(138) 0013 8000"),
    ("021-58888888", "(021) 5888 8888"),
    ("021-58888888", "+86 21 5888 8888"),
    ("021-58888888", "0086-21-58888888"),
    ("021-58888888", "021-58888888-8001"),
    ("021-58888888", "021-58888888 转 8001"),
    ("021-58888888", "021 58888888 分机 12"),
    ("021-58888888", "021-58888888 ext. 3"),
    ("021-58888888", "021-58888888/13900000000"),
    ("0571-8888-8888", "057188888888"),
    ("400-820-8820", "4008208820"),
]

DIFFERENT_PHONES = [
    ("58888888", "021-58888888"),  # the area code is kept, never guessed
    ("021-58888888", "010-58888888"),
    ("13800138000", "13800138001"),
    ("+1 650 555 1234", "16505551234"),  # another country's number is not a Chinese mobile
]


@pytest.mark.parametrize("a,b", SAME_PHONES)
def test_phones_that_are_the_same(a, b):
    assert phone_key(a) == phone_key(b) != ""


@pytest.mark.parametrize("a,b", DIFFERENT_PHONES)
def test_phones_that_differ(a, b):
    assert phone_key(a) != phone_key(b)


def test_phone_key_examples():
    assert phone_key("+86 138 0013 8000") == "13800138000"
    assert phone_key("+86 21 5888 8888") == "02158888888"
    assert phone_key("+1 650 555 1234") == "+16505551234"
    for junk in ("", None, "110", "12345", "无", "---"):
        assert phone_key(junk) == ""


digits = st.text(alphabet="0123456789", min_size=7, max_size=12)


@given(digits, st.sampled_from(["", " ", "-", "  "]))
def test_phone_key_ignores_separators_and_width(number, sep):
    spaced = sep.join(number[i:i + 4] for i in range(0, len(number), 4))
    assert phone_key(spaced) == phone_key(number)
    assert phone_key(_fullwidth(spaced)) == phone_key(number)


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_mobile_with_or_without_country_code(mobile):
    for written in (mobile, f"+86 {mobile}", f"0086{mobile}", f"86{mobile}", f"+86-{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"):
        assert phone_key(written) == mobile


@given(st.text(max_size=40))
def test_phone_key_is_idempotent_on_its_output(text):
    key = phone_key(text)
    assert phone_key(key) == key
