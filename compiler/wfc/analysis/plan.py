"""The static execution plan: what the analysis computes from a Workflow, as frozen data.

Every renderer (plan JSON, Python module, command doc, report) and the runtime read this; none of
them recompute the analysis. All times are seconds from the start of a run.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Dict, Mapping, Optional, Tuple

from wfc.diagnostics import Diagnostic
from wfc.model import Workflow


@dataclass(frozen=True)
class ScheduledStep:
    """One step's slot in a simulated schedule."""

    step: str
    start: float
    finish: float


@dataclass(frozen=True)
class PlannedStep:
    """A step as the plan sees it: place in the graph, timing, and its static cache key."""

    id: str
    dependencies: Tuple[str, ...]  # resolved from needs and inputs, sorted by id
    dependents: Tuple[str, ...]
    level: int
    wave: int  # index into Plan.waves
    estimate: float
    cached_estimate: float
    estimate_defaulted: bool
    priority: float  # longest remaining path: own estimate plus the longest chain after it
    earliest_start: float
    latest_start: float
    slack: float
    critical: bool
    cache_key: str


@dataclass(frozen=True)
class Task:
    """A progress task in TodoWrite's shape."""

    step: str
    content: str
    active_form: str
    status: str = "pending"


@dataclass(frozen=True)
class Estimate:
    """Every figure in seconds except the ratios; see the format spec for definitions."""

    sequential: float
    sequential_unshared: float
    redundant_work_eliminated_pct: float
    level_barrier: float
    makespan: float
    lower_bound: float
    critical_path: float
    speedup: float
    time_saved_pct: float
    max_width: int
    warm_makespan: float
    worst_case: float


@dataclass(frozen=True)
class Plan:
    workflow: Workflow
    order: Tuple[str, ...]  # deterministic topological order: by level, then priority, then id
    steps: Tuple[PlannedStep, ...]  # in `order`
    levels: Tuple[Tuple[str, ...], ...]
    waves: Tuple[Tuple[str, ...], ...]
    critical_path: Tuple[str, ...]
    schedule: Tuple[ScheduledStep, ...]  # the makespan schedule, by start then step id
    tasks: Tuple[Task, ...]  # one per step, in schedule order
    estimate: Estimate
    warnings: Tuple[Diagnostic, ...] = ()
    cache_keys: Mapping[str, str] = field(default_factory=dict)

    def planned(self, step_id: str) -> PlannedStep:
        return self._planned_index[step_id]

    def scheduled(self, step_id: str) -> Optional[ScheduledStep]:
        return self._scheduled_index.get(step_id)

    @cached_property
    def _planned_index(self) -> Dict[str, PlannedStep]:
        """Built once: renderers ask per step, and a scan per question is quadratic."""
        return {step.id: step for step in self.steps}

    @cached_property
    def _scheduled_index(self) -> Dict[str, ScheduledStep]:
        return {slot.step: slot for slot in self.schedule}
