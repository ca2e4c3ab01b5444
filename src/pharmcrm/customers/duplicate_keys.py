"""The keys the duplicate check (查重) compares: pure functions, no database.

A customer matches another when they share a non-empty

* unified social credit code (stored upper-case, ``core.validators.normalise_credit_code``),
* ``name_key(name)``, or
* ``phone_key(phone)``.

``Customer.name_key`` and ``Customer.phone_key`` store the keys (indexed), written by the
customer services (``customers.services._apply``) so a check is a few indexed look-ups.
After a change of the rules below, run ``manage.py customers_rekey`` to recompute them.

name_key — the exact rule
-------------------------
1. Unicode NFKC, then case folding, then NFKC again: full-width letters, digits and
   brackets become half-width (``（`` → ``(``, ``Ａ`` → ``a``), upper case becomes lower case.
2. Every character that is whitespace, punctuation, a symbol or a control/format character
   (Unicode categories Z*, P*, S*, C*) is removed: brackets of any kind, dots, commas, ``·``,
   ``&``, ``-``, spaces. So ``国药控股（上海）有限公司`` and ``国药控股上海有限公司`` agree,
   and so do ``华润医药(集团)有限公司`` and ``华润医药集团有限公司``.
3. Repeatedly, while something changes:

   * one company-form suffix is removed from the end — ``股份有限公司``, ``有限责任公司``,
     ``股份公司``, ``有限公司``, ``公司``, ``companylimited``, ``colimited``, ``coltd``,
     ``limited``, ``ltd`` — unless fewer than 2 characters would remain;
   * a leading province-level name keeps its name but loses its administrative suffix:
     ``上海市…`` → ``上海…``, ``浙江省…`` → ``浙江…``, ``广西壮族自治区…``/``广西自治区…`` → ``广西…``,
     ``香港特别行政区…`` → ``香港…`` (the 34 province-level divisions only).

Deliberately NOT normalised (they name different customers often enough that blocking a rep
would be wrong): ``集团`` is kept (a group and its subsidiary are different customers); a
branch ``…分公司`` keeps ``分`` so it differs from its head office; city and county names keep
``市``/``县``/``区`` (``新都市…`` is not ``新都…``); bracketed store names keep their content
(``老百姓大药房（南京路店）`` is not ``老百姓大药房``); English ``inc``/``corp`` are kept
(``zinc`` must not become ``z``).

The rule is idempotent (``name_key(name_key(x)) == name_key(x)``) and insensitive to width
and whitespace; tests/customers/test_duplicate_keys.py checks both with hypothesis.

phone_key — the exact rule
--------------------------
1. NFKC (full-width digits become ASCII); only the first number counts when several are
   given (split at ``/ , ; 、 ，；`` or ``或``).
2. An extension is dropped: everything from ``转``, ``分机``, ``ext``, ``x`` or ``#``, and a
   third dash-separated group after an area code (``021-58888888-8001``).
3. Only digits are kept (spaces, dashes, dots, brackets go).
4. The international prefix goes: ``+86``/``0086`` (or ``86`` before an 11-digit mobile).
   A landline written internationally gets its trunk ``0`` back, so ``+86 21 5888 8888``
   and ``021-5888 8888`` agree; another country's number keeps ``+`` and its code. A
   landline's area code is kept, never guessed: ``58888888``
   and ``021-58888888`` do not match.
5. Fewer than 7 digits is no key at all (never a match).
"""

from __future__ import annotations

import re
import unicodedata

NAME_KEY_MAX = 200
PHONE_KEY_MAX = 30

COMPANY_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "股份公司",
    "有限公司",
    "公司",
    "companylimited",
    "colimited",
    "coltd",
    "limited",
    "ltd",
)

# province-level divisions and the administrative suffixes that may follow them
PROVINCES: dict[str, tuple[str, ...]] = {
    **{n: ("市",) for n in ("北京", "天津", "上海", "重庆")},
    **{
        n: ("省",)
        for n in (
            "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建", "江西", "山东",
            "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海", "台湾",
        )
    },
    "内蒙古": ("自治区",),
    "广西": ("壮族自治区", "自治区"),
    "西藏": ("自治区",),
    "宁夏": ("回族自治区", "自治区"),
    "新疆": ("维吾尔自治区", "自治区"),
    "香港": ("特别行政区",),
    "澳门": ("特别行政区",),
}
# longest first, so 黑龙江 is tried before anything shorter
_PROVINCE_PREFIXES = sorted(
    ((name + suffix, name) for name, suffixes in PROVINCES.items() for suffix in suffixes),
    key=lambda pair: -len(pair[0]),
)
_MIN_LEFT = 2


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def _drop_separators(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "ZPSC")


def _step(key: str) -> str:
    for suffix in COMPANY_SUFFIXES:
        if key.endswith(suffix) and len(key) - len(suffix) >= _MIN_LEFT:
            return key[: -len(suffix)]
    for prefix, name in _PROVINCE_PREFIXES:
        if key.startswith(prefix) and len(key) - len(prefix) >= _MIN_LEFT:
            return name + key[len(prefix):]
    return key


def name_key(name: str | None) -> str:
    """The normalised company name two customers are compared on ("" for no name)."""
    key = name or ""
    for _ in range(64):  # each round shortens or settles the key; real names settle in a few
        settled = _step(_drop_separators(_fold(key)))[:NAME_KEY_MAX]
        if settled == key:
            break
        key = settled
    return key


_SPLIT_NUMBERS = re.compile(r"[/,;、，；]|或")
_EXTENSION = re.compile(r"(转|分机|ext\.?|x|#).*$", re.IGNORECASE)
_DASH_EXTENSION = re.compile(r"^(\(?0\d{2,3}\)?[-\s]?\d{7,8})-\d{1,6}$")
_MIN_DIGITS = 7


def phone_key(phone: str | None) -> str:
    """The normalised phone number two customers are compared on ("" for none)."""
    text = unicodedata.normalize("NFKC", phone or "").strip()
    text = _SPLIT_NUMBERS.split(text, maxsplit=1)[0].strip()
    text = _EXTENSION.sub("", text).strip()
    text = _DASH_EXTENSION.sub(r"\1", text)
    international = text.startswith("+")
    digits = "".join(ch for ch in text if ch.isascii() and ch.isdigit())
    if digits.startswith("0086"):
        digits, international = digits[4:], True
    elif international and digits.startswith("86"):
        digits = digits[2:]
    elif len(digits) == 13 and digits.startswith("861"):
        digits, international = digits[2:], True
    elif international:  # another country: "+" and its code, so it never equals a Chinese number
        return ("+" + digits)[:PHONE_KEY_MAX] if len(digits) >= _MIN_DIGITS else ""
    if international and digits and not digits.startswith(("1", "0")):
        digits = "0" + digits  # a landline written +86 21 ...: the trunk prefix comes back
    if len(digits) < _MIN_DIGITS:
        return ""
    return digits[:PHONE_KEY_MAX]
