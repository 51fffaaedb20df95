"""A finding about raw workflow data, before it has a position, and the helpers every check uses
to read that data defensively (the schema may have failed elsewhere)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Sequence, Tuple

from wfc.diagnostics.codes import Code
from wfc.diagnostics.wording import closest


@dataclass(frozen=True)
class Finding:
    code: Code
    message: str
    hint: str
    path: Tuple[Any, ...]
    at_key: bool = False  # point at the key rather than its value
    near: str = ""  # a regular expression (group `at`) for the spot inside the value, where it can be found

    @property
    def warning(self) -> bool:
        return self.code.is_warning


def suggest(name: str, candidates: Sequence[str]) -> str:
    """A "did you mean" hint, or an empty string when nothing is close."""
    close = closest(name, candidates)
    return f"did you mean '{close}'?" if close else ""


def names(value: Any) -> List[str]:
    """A `needs`-like field as a list of strings, whatever shape the user wrote (bad items dropped)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def indexed(value: Any) -> List[Tuple[Tuple[Any, ...], str]]:
    """(path suffix, name) pairs, so a finding can point at the exact list item."""
    if isinstance(value, str):
        return [((), value)]
    if isinstance(value, list):
        return [((index,), item) for index, item in enumerate(value) if isinstance(item, str)]
    return []


def mapping(value: Any) -> Dict[str, Any]:
    return value if isinstance(value, dict) else {}
