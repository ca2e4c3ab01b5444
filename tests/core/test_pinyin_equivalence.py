"""core.pinyin: the cached, faster search_key gives exactly what the plain pypinyin computation gives."""

from __future__ import annotations

import itertools
import random

from pypinyin import Style, pinyin

from pharmcrm.core import pinyin as P


def _reference_readings(text):
    in_context = pinyin(text, style=Style.NORMAL, errors=P._keep)
    out = []
    for ch, first in zip(text, in_context, strict=False):
        readings = [first[0], *pinyin(ch, style=Style.NORMAL, heteronym=True, errors=P._keep)[0]]
        out.append(list(dict.fromkeys(r.lower() for r in readings if r)) or [""])
    return out


def _reference_variants(parts):
    base = [p[0] for p in parts]
    singles = ([*base[:i], alt, *base[i + 1:]] for i, p in enumerate(parts) for alt in p[1:])
    result = []
    for combo in itertools.chain([base], singles, itertools.product(*parts)):
        if len(result) >= P.MAX_VARIANTS:
            break
        s = "".join(combo)
        if s not in result:
            result.append(s)
    return result


def _reference_search_key(*texts):
    pieces = []
    for text in texts:
        if not text:
            continue
        pieces.append(P.normalise(text))
        if any("\u4e00" <= ch <= "\u9fff" for ch in text):
            parts = _reference_readings(P.normalise(text))
            pieces.extend(_reference_variants(parts))
            pieces.extend(_reference_variants([list(dict.fromkeys(r[:1] for r in chunk)) for chunk in parts]))
    return "|".join(dict.fromkeys(p for p in pieces if p))


def test_search_key_equals_the_plain_computation():
    rnd = random.Random(7)
    chars = [chr(c) for c in range(0x4e00, 0x4e00 + 2500)] + list("重庆长行乐藏 ＡＢ1２3-（）a")
    texts = ["重庆市中药饮片厂", "上海康泰000123医药有限公司", "银行长春 行长", "", "abc", "乐乐乐乐乐乐乐乐"]
    texts += ["".join(rnd.choice(chars) for _ in range(rnd.randint(1, 14))) for _ in range(1500)]
    for text in texts:
        assert P.search_key(text, "简称", "91330106MA2", "138") == _reference_search_key(text, "简称", "91330106MA2",
                                                                                         "138"), text
