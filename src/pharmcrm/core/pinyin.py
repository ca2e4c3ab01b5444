"""Search keys for Chinese text: full pinyin and initials, every reading of polyphones.

``search_key("中医药")`` contains "zhongyiyao" and "zyy" (and other readings of polyphonic
characters, e.g. 重庆 -> "chongqing" and "zhongqing"), so a rep finds a customer whichever
way they type it. The number of reading combinations is capped so a long name with many
polyphones stays a bounded string; every single alternative reading comes before any
combination of two, so the cap drops combinations first.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata

from pypinyin import Style, pinyin
from pypinyin.core import _default_convert, _default_pinyin

MAX_VARIANTS = 12
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFKC (full-width -> half-width), lower case, no whitespace."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text or "")).lower()


def _keep(s: str) -> list[str]:
    return list(s)


@functools.lru_cache(maxsize=65536)
def _char_readings(ch: str, style: Style) -> tuple[str, ...]:
    """Every reading of one character (the dictionary lookup dominates imports: cached)."""
    return tuple(pinyin(ch, style=style, heteronym=True, errors=_keep)[0])


@functools.lru_cache(maxsize=65536)
def _word_readings(word: str, style: Style) -> tuple[tuple[str, ...], ...]:
    """``pinyin(word)`` of one segment of the phrase segmentation, cached: names share their words
    (医药, 有限公司, 上海...), and converting a word dominates an import of 100,000 names."""
    return tuple(tuple(r) for r in _default_convert.convert(word, style, False, _keep, True))


def _in_context(text: str, style: Style) -> list[tuple[str, ...]]:
    """Exactly ``pinyin(text, style=style, errors=_keep)``: pypinyin segments the text, then
    converts each segment on its own, so the segments' results can be cached."""
    out: list[tuple[str, ...]] = []
    for word in _default_pinyin.seg(text):
        out.extend(_word_readings(word, style))
    return out


@functools.lru_cache(maxsize=65536)
def _options(ch: str, first: str, style: Style) -> tuple[str, ...]:
    """One character's readings: ``first`` (in context), then every other one, lower case, no repeats."""
    readings = [first, *_char_readings(ch, style)]
    return tuple(dict.fromkeys(r.lower() for r in readings if r)) or ("",)


def _readings(text: str, style: Style) -> list[tuple[str, ...]]:
    """Per character: the reading in context first (phrase dictionary), then every other one."""
    return [_options(ch, first[0], style) for ch, first in zip(text, _in_context(text, style), strict=False)]


@functools.lru_cache(maxsize=65536)
def _initials_of(chunk: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(r[:1] for r in chunk))


def _initials(parts: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    return [_initials_of(chunk) for chunk in parts]


def _variants(parts: list[tuple[str, ...]]) -> list[str]:
    """The in-context reading first, then it with ONE character read differently, for every
    alternative of every character (so "zhongqing" finds 重庆市中药饮片厂 even though 片 and
    厂 are polyphones too), then further combinations while there is room."""
    base = [p[0] for p in parts]
    first = "".join(base)
    result: list[str] = [first]
    seen = {first}
    polyphones = [i for i, p in enumerate(parts) if len(p) > 1]
    if not polyphones:
        return result  # every combination is the in-context reading
    for i in polyphones:
        head, tail = "".join(base[:i]), "".join(base[i + 1:])
        for alt in parts[i][1:]:
            if len(result) >= MAX_VARIANTS:
                return result
            s = head + alt + tail
            if s not in seen:
                seen.add(s)
                result.append(s)
    for combo in itertools.product(*parts):
        if len(result) >= MAX_VARIANTS:
            break
        s = "".join(combo)
        if s not in seen:
            seen.add(s)
            result.append(s)
    return result


def pinyin_full(text: str) -> list[str]:
    return _variants(_readings(normalise(text), Style.NORMAL))


def pinyin_initials(text: str) -> list[str]:
    return _variants(_initials(_readings(normalise(text), Style.NORMAL)))


def search_key(*texts: str) -> str:
    """One lower-case string to match a search term against with a substring test."""
    pieces: list[str] = []
    for text in texts:
        if not text:
            continue
        pieces.append(normalise(text))
        if any("\u4e00" <= ch <= "\u9fff" for ch in text):
            parts = _readings(normalise(text), Style.NORMAL)  # once for both the full pinyin and initials
            pieces.extend(_variants(parts))
            pieces.extend(_variants(_initials(parts)))
    return "|".join(dict.fromkeys(p for p in pieces if p))
