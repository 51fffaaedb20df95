"""Times that a command's text gives, and only those.

A phase heading says `(0-20 mins)`, `(~15 min)`, `(1h)`, `(3-4 days)` or nothing. Two readings of a
range exist in the wild: a window on the command's clock (`0-20`, `20-40`, ... : the seed's
phases, whose lengths add up to the total) and an estimate (`3-4 days`, `4-5 days`: each phase takes
that long). `resolve` tells them apart by the ranges themselves: a window chain starts at 0 or
each range starts where the one before ended. An estimate range counts its midpoint, which is what
the commands call P50 (`284-354 hours (P50: 319 hours)`).

What is not a duration stays one: a percentage (`(40%)`), a range of steps or phases
(`Phase 1-3`, `steps 4-6`) and bare numbers have no unit, so they match nothing here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

# spelt-out units in any case, one-letter units lower-case only: `5M` is money, `5m` minutes
_UNIT = r"(?P<unit>(?i:min(?:ute)?s?|h(?:ou)?rs?|hours?|days?|weeks?)|m|h|d|w)\b\.?"
_NUMBER = r"\d+(?:\.\d+)?"
_RANGE = re.compile(rf"~?\s*(?<![$\d.])(?P<a>{_NUMBER})\s*(?:{_UNIT.replace('unit', 'unit_a')})?\s*"
                    rf"(?:-|–|—|to)\s*~?\s*(?P<b>{_NUMBER})\s*{_UNIT}")
_SINGLE = re.compile(rf"(?:~|about |approx\.? |up to )?\s*(?<![$\d.])(?P<n>{_NUMBER})\s*{_UNIT}")
_PERCENT = re.compile(rf"\(\s*~?{_NUMBER}\s*%[^)]*\)")
_SECONDS = {"m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
# a time line inside a phase: `**Time**: 10 min`, `Duration: 2 hours`, `Estimated time - 5m`
TIME_LINE = re.compile(r"^\W*(?:estimated (?:time|duration)|time budget|duration|timing|time|budget|"
                       r"estimated time|execution time)\W*\s*[:\-–—]\s*(?P<rest>.+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Said:
    """A time as the text said it: `low`..`high` seconds (equal for a single figure), and where."""

    low: float
    high: float
    text: str  # the words that said it, e.g. `0-20 mins`
    span: Tuple[int, int]  # where in the searched text

    @property
    def is_range(self) -> bool:
        return self.high != self.low


def said(text: str) -> Optional[Said]:
    """The first duration `text` gives, or None. A reversed range (`50-20 min`) is no duration."""
    match = _RANGE.search(text)
    if match:
        low = _seconds(float(match.group("a")), match.group("unit_a") or match.group("unit"))
        high = _seconds(float(match.group("b")), match.group("unit"))
        return Said(low, high, match.group(0).strip(), match.span()) if high >= low else None
    match = _SINGLE.search(text)
    if match:
        value = _seconds(float(match.group("n")), match.group("unit"))
        return Said(value, value, match.group(0).strip(), match.span())
    return None


def count(text: str) -> int:
    """How many durations `text` gives (a range counts once)."""
    return len(_SINGLE.findall(text))


def _seconds(value: float, unit: str) -> float:
    first = unit.lower()[0]
    return value * _SECONDS.get(first, 60.0)


def percentage(text: str) -> Optional[str]:
    """A share such as `(40%)` where a duration would stand: reported, never counted."""
    match = _PERCENT.search(text)
    return match.group(0) if match else None


def reversed_range(text: str) -> bool:
    match = _RANGE.search(text)
    return bool(match) and said(text) is None


def is_window_chain(times: Sequence[Said]) -> bool:
    """Whether the ranges are windows on one clock: the first starts at 0, or every range starts
    where the previous one ended. Single figures are durations either way."""
    ranges = [time for time in times if time.is_range]
    if not ranges:
        return False
    if ranges[0].low == 0:
        return True
    return len(ranges) > 1 and all(after.low == before.high for before, after in zip(ranges, ranges[1:]))


def resolve(times: Sequence[Optional[Said]]) -> List[Optional[float]]:
    """Seconds each phase takes: a window's length, an estimate range's midpoint, a single figure."""
    window = is_window_chain([time for time in times if time is not None])
    resolved: List[Optional[float]] = []
    for time in times:
        if time is None:
            resolved.append(None)
        elif time.is_range:
            resolved.append(time.high - time.low if window else (time.low + time.high) / 2)
        else:
            resolved.append(time.low)
    return resolved


def split(seconds: float, count: int) -> List[int]:
    """`seconds` in whole seconds shared by `count` steps, the first ones taking the remainder, so
    the shares add up exactly to the phase."""
    quotient, remainder = divmod(round(seconds), count)
    return [quotient + (1 if index < remainder else 0) for index in range(count)]
