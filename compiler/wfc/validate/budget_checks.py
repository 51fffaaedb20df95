"""`max_cost`: a budget in US dollars, the run's (top level) or one agent attempt's (a step's).

The schema says "a number above 0"; these checks say it in a budget's terms (WFC330) and also refuse
what JSON cannot hold but YAML can (`.nan`, `.inf`): either would be no budget at all, silently.
Claude Code itself refuses `--max-budget-usd 0` ("must be a number greater than 0").
"""
from __future__ import annotations

import math
from typing import Any, Iterator, Mapping, Tuple

from wfc.diagnostics import codes
from wfc.diagnostics.wording import describe, where
from wfc.format.vocabulary import BUDGET_KEY
from wfc.validate.finding import Finding

HINT = (f"write US dollars above 0, such as `{BUDGET_KEY}: 5` or `{BUDGET_KEY}: 0.50` (no `$`, no quotes); "
        "leave the key out for no budget")


def budget_findings(data: Mapping[str, Any], steps: Mapping[str, Mapping[str, Any]]) -> Iterator[Finding]:
    yield from _check((BUDGET_KEY,), data)
    for step_id, step in steps.items():
        yield from _check(("steps", step_id, BUDGET_KEY), step)


def _check(path: Tuple[Any, ...], owner: Mapping[str, Any]) -> Iterator[Finding]:
    if BUDGET_KEY not in owner or is_dollars(owner[BUDGET_KEY]):
        return
    value = owner[BUDGET_KEY]
    yield Finding(codes.BUDGET_NOT_DOLLARS, f"{where(path)} must be an amount of US dollars above 0, "
                  f"found {describe(value)}", HINT, path)


def is_dollars(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0
