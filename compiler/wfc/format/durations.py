"""Durations as users write them (`90s`, `5m`, `1h30m`, `1.5h`, `250ms`), as seconds.

A bare number is seconds. The grammar is the one in schema/workflow.schema.json (DURATION_PATTERN),
so the editor and the compiler accept the same strings.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Optional, Union

# [0-9], not \d: Python's \d also matches other scripts' digits (Arabic-Indic "٥"), which editors'
# ECMA-262 patterns and every other validator reject.
DURATION_PATTERN = r"^\s*([0-9]+(\.[0-9]+)?\s*(ms|s|m|h|d)\s*)+$|^\s*[0-9]+(\.[0-9]+)?\s*$"
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|d)")
_WHOLE = re.compile(DURATION_PATTERN)


def parse_duration(value: Union[str, int, float]) -> Optional[float]:
    """Seconds for a duration, or None when it is not one (the caller reports where)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) and value >= 0 else None
    return _parse_text(value) if isinstance(value, str) else None


@lru_cache(maxsize=1024)
def _parse_text(value: str) -> Optional[float]:
    """Remembered: a workflow spells its few distinct durations (`5m`, `1h`) once per step."""
    if not _WHOLE.match(value):
        return None
    stripped = value.strip()
    if _PART.search(stripped) is None:
        return float(stripped)
    return sum(float(number) * _UNIT_SECONDS[unit] for number, unit in _PART.findall(stripped))


def format_duration(seconds: float) -> str:
    """Short human form, whole units where possible: 1020 -> `17m`, 5400 -> `1h30m`, 0.5 -> `500ms`."""
    if seconds < 1 and seconds > 0:
        return f"{round(seconds * 1000)}ms"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{secs}s" if secs else ""]
    return "".join(parts) or "0s"


def format_minutes(seconds: float) -> str:
    """Minutes with at most one decimal, for reports: 1020 -> `17`, 90 -> `1.5`."""
    minutes = round(seconds / 60.0, 1)
    return f"{minutes:g}"
