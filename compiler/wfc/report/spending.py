"""Tokens and dollars of measured runs: each step's spend summed over its attempts, and each run's.

The runtime journals one `agent_attempt` event per attempt of an agent step, as the attempt ends
(session id, model, subtype, turns, tokens from Claude Code's `modelUsage`, `cost_usd`, denials), a
failed attempt included: it was paid for too. Those events are summed per step (an instance of a
fan-out counts toward its map node, named by the event's `map`), and a run's total adds the
compensations' attempts. A journal written before the runtime journaled attempts has only each
session's ended event (`step_finished`, `step_failed`, `step_cancelled`) with `cost_usd`,
`tokens_in`/`tokens_out` (or the API's `input_tokens`/`output_tokens`): those are summed instead.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

ATTEMPT = "agent_attempt"
ENDED = ("step_finished", "step_failed", "step_cancelled")
# figure -> the journal keys it may be written under, the runtime's first
USAGE_FIELDS: Dict[str, Tuple[str, ...]] = {
    "cost_usd": ("cost_usd",), "tokens_in": ("tokens_in", "input_tokens"),
    "tokens_out": ("tokens_out", "output_tokens"), "tokens_cache_read": ("tokens_cache_read",),
    "tokens_cache_write": ("tokens_cache_write",),
}


@dataclass(frozen=True)
class StepUsage:
    """What a step (or a run) reported spending; None where nothing reported that kind.
    `attempts` counts the agent attempts journaled (0 for a journal that predates them)."""

    cost_usd: Optional[float] = None
    tokens_in: Optional[float] = None
    tokens_out: Optional[float] = None
    tokens_cache_read: Optional[float] = None
    tokens_cache_write: Optional[float] = None
    attempts: int = 0

    def plus(self, other: "StepUsage") -> "StepUsage":
        summed = {name: _add(getattr(self, name), getattr(other, name)) for name in USAGE_FIELDS}
        return StepUsage(**summed, attempts=self.attempts + other.attempts)

    @property
    def reported(self) -> bool:
        return any(getattr(self, name) is not None for name in USAGE_FIELDS)


def usage_of(event: Mapping[str, Any]) -> StepUsage:
    """One event's figures (an `agent_attempt` also counts as one attempt)."""
    values = {name: next((_number(event.get(key)) for key in keys if _number(event.get(key)) is not None), None)
              for name, keys in USAGE_FIELDS.items()}
    return StepUsage(**values, attempts=int(event.get("event") == ATTEMPT))


def step_spend(events: Iterable[Mapping[str, Any]]) -> Tuple[Dict[str, StepUsage], StepUsage]:
    """Per step, its spend summed over its attempts (steps that reported nothing left out), and the
    compensations' spend."""
    attempted: Dict[str, StepUsage] = {}
    ended: Dict[str, StepUsage] = {}
    compensations = StepUsage()
    for event in events:
        kind, step = event.get("event"), event.get("step")
        if not isinstance(step, str):
            continue
        if kind == ATTEMPT and event.get("compensation") is True:
            compensations = compensations.plus(usage_of(event))
        elif kind == ATTEMPT:
            owner = event["map"] if isinstance(event.get("map"), str) else step
            attempted[owner] = attempted.get(owner, StepUsage()).plus(usage_of(event))
        elif kind in ENDED:
            ended[step] = ended.get(step, StepUsage()).plus(usage_of(event))
    found = {step: usage for step, usage in ended.items() if usage.reported}
    found.update((step, usage) for step, usage in attempted.items() if usage.reported or usage.attempts)
    return found, compensations


def summed(usages: Iterable[StepUsage]) -> StepUsage:
    total = StepUsage()
    for usage in usages:
        total = total.plus(usage)
    return total


@dataclass(frozen=True)
class StepSpend:
    """One step over the measured runs: its attempts' spend summed over every run, and in how many
    runs it spent anything."""

    step: str
    runs: int
    usage: StepUsage


@dataclass(frozen=True)
class RunSpend:
    """One measured run: every agent attempt of it summed, compensations included."""

    run_id: str
    usage: StepUsage


@dataclass(frozen=True)
class Spending:
    steps: Tuple[StepSpend, ...]  # in plan order, the steps that spent anything
    runs: Tuple[RunSpend, ...]  # by run id
    total: StepUsage  # every run's total


def spending(order: Sequence[str], runs: Sequence[Tuple[str, Mapping[str, StepUsage], StepUsage]]
             ) -> Optional[Spending]:
    """The tokens-and-dollars section of a workflow's report, from (run id, per step, run total) of
    each measured run; None when no run reported any spend."""
    if not any(total.reported or total.attempts for _, _, total in runs):
        return None
    steps: List[StepSpend] = []
    for step in order:
        spent = [per_step[step] for _, per_step, _ in runs if step in per_step]
        if spent:
            steps.append(StepSpend(step, len(spent), summed(spent)))
    ordered = sorted(runs, key=lambda run: run[0])
    listed = tuple(RunSpend(run_id, total) for run_id, _, total in ordered)
    return Spending(tuple(steps), listed, summed(run.usage for run in listed))


def median_usage(usages: Sequence[StepUsage]) -> Dict[str, Optional[float]]:
    """Each figure's median over the usages that reported it (None where none did)."""
    return {name: _median([getattr(usage, name) for usage in usages]) for name in USAGE_FIELDS}


def _median(values: Sequence[Optional[float]]) -> Optional[float]:
    known = [value for value in values if value is not None]
    return round(statistics.median(known), 6) + 0.0 if known else None


def _add(mine: Optional[float], theirs: Optional[float]) -> Optional[float]:
    return theirs if mine is None else mine if theirs is None else round(mine + theirs, 9) + 0.0


def _number(value: Any) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != value:
        return None
    return float(value)
