"""The one way an area's registry (customer tabs, key figures, timeline sources, contact
interactions) names a function of another area without importing it at start-up."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import import_module


@cache
def resolve(dotted: str) -> Callable:
    """``"package.module:function"`` -> the function (imported on first use, then cached)."""
    module, sep, name = dotted.partition(":")
    if not sep or not name:
        raise ValueError(f"{dotted!r} is not 'module:function'")
    return getattr(import_module(module), name)
