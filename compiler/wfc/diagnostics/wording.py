"""How diagnostics name things: values found, places in a workflow, paths as users write them."""
from __future__ import annotations

from typing import Any, Iterable, Optional, Tuple


def describe(value: Any) -> str:
    """What was found, briefly: `an integer (3)`, `a list`, `the string 'x'`."""
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    return f"{'an integer' if isinstance(value, int) else 'a number'} ({value})"


def where(path: Tuple[Any, ...]) -> str:
    """`step 'quality'`, `argument 'target'`, `the top level`, ... for messages."""
    if not path:
        return "the top level"
    labels = {"steps": "step", "arguments": "argument", "context": "context entry", "resources": "resource"}
    if len(path) >= 2 and path[0] in labels:
        label = f"{labels[path[0]]} '{path[1]}'"
        rest = dotted(path[2:])
        return f"`{rest}` of {label}" if rest else label
    return f"`{dotted(path)}`"


def dotted(path: Tuple[Any, ...]) -> str:
    """`retry.attempts`, `needs[0]`: the way users write paths."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def closest(name: Any, candidates: Iterable[Any]) -> Optional[str]:
    """The candidate a typo most likely meant, or None: every "did you mean" uses this one rule."""
    import difflib  # only on a mistake: `wfc` start-up stays free of it

    close = difflib.get_close_matches(str(name), [str(c) for c in candidates], n=1, cutoff=0.6)
    return close[0] if close else None
