"""Every estimate the plan reports (see "The compiled plan" in the format spec).

Each figure answers one question a reviewer asks of a workflow change: how long one agent doing
everything would take (`sequential`), how much re-analysis sharing context saves
(`sequential_unshared`, `redundant_work_eliminated_pct`), what the seed's level-by-level executor
would take (`level_barrier`), what the dependency-driven runtime takes (`makespan`) and how far that
is from the best any schedule could do (`lower_bound`, `optimal`, `gap`; see `bounds`), and the
re-run and disaster cases (`warm_makespan`, `worst_case`).

The alternative schedules (level barrier, warm, worst case) keep the plan's priorities: the runtime
orders its ready queue by them whatever the steps then really take.

Figures are computed exactly and rounded once, here: seconds to the millisecond (the finest unit a
workflow can write), percentages to 0.1, the speedup to 0.01.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Mapping, Optional, Set, Tuple

from wfc.analysis import schedule
from wfc.analysis.levels import Levels
from wfc.analysis.graph import Graph
from wfc.model import Step, Workflow
from wfc.model.fan_out import scheduled_resources
from wfc.analysis.plan import Estimate, ScheduledStep


# Claude Code's Workflow runtime runs at most min(16, CPUs - 2) agent() calls at once; 16 is the
# most any machine gives, so the figure under it is the best a Workflow script can reach.
CLAUDE_CODE_AGENTS = 16


def seconds(value: float) -> float:
    """Rounded to the millisecond; `+ 0.0` turns a negative zero into a plain one."""
    return round(value, 3) + 0.0


@dataclass(frozen=True)
class Inputs:
    """What the estimates are computed from (exact, unrounded)."""

    workflow: Workflow
    graph: Graph
    levels: Levels
    priorities: Mapping[str, float]  # the plan's, which every schedule here follows
    critical_path: float
    lower_bound: float
    slots: Mapping[str, ScheduledStep]  # the makespan schedule


def problem(workflow: Workflow, graph: Graph, durations: Mapping[str, float],
            priorities: Mapping[str, float], max_parallel: Optional[int] = None) -> schedule.Problem:
    """The scheduling problem for `workflow` with the given durations (and a tighter slot limit)."""
    requests, capacities = scheduled_resources(workflow)
    return schedule.Problem(
        steps=graph.steps,
        dependencies=graph.dependency_map,
        durations=durations,
        priorities=priorities,
        max_parallel=workflow.max_parallel if max_parallel is None else max_parallel,
        requests=requests,
        capacities=capacities,
        dependents=graph.dependent_map,
    )


def compute(given: Inputs) -> Estimate:
    workflow = given.workflow
    estimates = {step.id: step.estimate for step in workflow.steps}
    sequential = math.fsum(estimates.values())
    extra, read_total = _recomputation(given.graph, estimates)
    makespan = schedule.makespan(given.slots)
    return Estimate(
        sequential=seconds(sequential),
        sequential_unshared=seconds(sequential + extra),
        redundant_work_eliminated_pct=round(100.0 * extra / read_total, 1) if read_total else 0.0,
        level_barrier=seconds(_level_barrier(given, estimates)),
        makespan=seconds(makespan),
        **_against_bound(seconds(makespan), seconds(given.lower_bound)),
        critical_path=seconds(given.critical_path),
        speedup=round(sequential / makespan, 2) if makespan > 0 else 1.0,
        time_saved_pct=round(100.0 * (sequential - makespan) / sequential, 1) if sequential > 0 else 0.0,
        max_width=max((len(level) for level in given.levels), default=0),
        warm_makespan=seconds(_replay(given, {s.id: _warm(s) for s in workflow.steps})),
        worst_case=seconds(_replay(given, {s.id: _worst(s) for s in workflow.steps})),
        claude_code_makespan=_under_claude_code_cap(given, estimates),
    )


def _under_claude_code_cap(given: Inputs, estimates: Mapping[str, float]) -> Optional[float]:
    """The makespan with at most CLAUDE_CODE_AGENTS steps at once, when the makespan schedule runs
    more than that together (the same simulation, one slot limit tighter); else None."""
    if peak_parallel(given.slots.values()) <= CLAUDE_CODE_AGENTS:
        return None
    capped = problem(given.workflow, given.graph, estimates, given.priorities, CLAUDE_CODE_AGENTS)
    return seconds(schedule.makespan_of(capped))


def peak_parallel(slots: Iterable[ScheduledStep]) -> int:
    """The most steps running at one instant; a step finishing at t frees its slot for one starting at t."""
    events = sorted([(slot.finish, -1) for slot in slots if slot.finish > slot.start] +
                    [(slot.start, 1) for slot in slots if slot.finish > slot.start])
    running = peak = 0
    for _, change in events:
        running += change
        peak = max(peak, running)
    return peak


def _against_bound(makespan: float, bound: float) -> Dict[str, Any]:
    """The bound and how far the makespan is above it, both as the plan rounds them. A bound may
    come out an ulp over the makespan from its divisions; it never exceeds it by more."""
    bound = min(bound, makespan)
    gap = seconds(makespan - bound)
    return {"lower_bound": bound, "optimal": gap == 0.0, "gap": gap,
            "gap_pct": round(100.0 * gap / bound, 1) if bound > 0 else 0.0}


def _recomputation(graph: Graph, estimates: Mapping[str, float]) -> Tuple[float, float]:
    """(sum of (k - 1) x estimate(P), sum of k x estimate(P)) over producers P read by k >= 1
    distinct steps: what unshared readers would recompute, and what all readers would."""
    readers: Dict[str, Set[str]] = {}
    for name in graph.produced():
        for producer in graph.producers_of(name):
            readers.setdefault(producer, set()).update(graph.consumers_of(name))
    extra = math.fsum((len(users) - 1) * estimates[p] for p, users in readers.items() if users)
    total = math.fsum(len(users) * estimates[p] for p, users in readers.items() if users)
    return extra, total


def _level_barrier(given: Inputs, estimates: Mapping[str, float]) -> float:
    """The seed's executor: each level scheduled alone, the next starting when it ends."""
    total = 0.0
    limit = given.workflow.max_parallel
    requests, capacities = scheduled_resources(given.workflow)
    for level in given.levels:
        held = {step: requests[step] for step in level if step in requests}
        alone = schedule.Problem(level, {}, estimates, given.priorities, limit, held, capacities)
        total += schedule.makespan_of(alone)
    return total


def _replay(given: Inputs, durations: Mapping[str, float]) -> float:
    """Makespan of the same workflow, same policy and priorities, with other durations."""
    return schedule.makespan_of(problem(given.workflow, given.graph, durations, given.priorities))


def _warm(step: Step) -> float:
    """A re-run where nothing changed: a cacheable step whose outputs are all cached is skipped;
    any other step (uncacheable, or with no outputs to find in the cache) takes its
    `cached_estimate`, since everything it reads comes from the cache."""
    return 0.0 if step.cache and step.outputs else step.cached_estimate


def _worst(step: Step) -> float:
    """Every attempt runs into its timeout (or takes its estimate when it has none), and every
    retry first waits its full backoff."""
    attempts = max(step.retry.attempts, 1)
    per_try = step.timeout if step.timeout is not None else step.estimate
    waits = math.fsum(step.retry.delay_before(attempt) for attempt in range(2, attempts + 1))
    return attempts * per_try + waits
