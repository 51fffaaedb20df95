"""The analysis: a validated Workflow in, a Plan out; pure functions, no I/O.

`analyze` only sequences the stages; each lives in its own module:

- `graph`: the DAG (needs plus producers of inputs), levels, topological order;
- `critical`: priorities (longest remaining path), earliest/latest start, slack, critical path;
- `levels`: levels in priority order, waves cut to `max_parallel`, the plan's step order;
- `schedule`: the list-schedule policy the estimates simulate and the runtime follows;
- `estimates`: every figure of the plan's `estimate`;
- `cache_keys`: the Merkle-chained static cache keys;
- `tasks`: the progress task list;
- `lints`: warnings that need the graph or the schedule (ttl, unread outputs, defaulted estimates).
"""
from __future__ import annotations

from typing import Dict, Mapping

from wfc.analysis import cache_keys, critical, estimates, levels, lints, schedule, tasks
from wfc.diagnostics import sorted_diagnostics
from wfc.analysis.graph import Graph, build_graph
from wfc.model import Workflow
from wfc.analysis.plan import Plan, PlannedStep, ScheduledStep

__all__ = ["analyze"]


def analyze(workflow: Workflow) -> Plan:
    """The static execution plan of `workflow` (which validation has accepted)."""
    graph = build_graph(workflow)
    durations = {step.id: step.estimate for step in workflow.steps}
    timing = critical.timing(graph, durations)
    ordered_levels = levels.by_priority(graph, timing.priority)
    wave_list = levels.waves(ordered_levels, workflow.max_parallel)
    starts = schedule.start_times(estimates.problem(workflow, graph, durations, timing.priority))
    slots = {step: _slot(step, start, durations[step]) for step, start in starts.items()}
    figures = estimates.compute(estimates.Inputs(
        workflow, graph, ordered_levels, timing.priority, timing.duration, slots))
    keys = cache_keys.cache_keys(workflow, graph)
    planned = _planned_steps(workflow, graph, timing, levels.wave_index(wave_list), keys)
    in_time_order = schedule.ordered(slots)
    return Plan(
        workflow=workflow,
        order=levels.order(ordered_levels),
        steps=tuple(planned[step] for step in levels.order(ordered_levels)),
        levels=ordered_levels,
        waves=wave_list,
        critical_path=timing.path,
        schedule=in_time_order,
        tasks=tasks.tasks(workflow, in_time_order),
        estimate=figures,
        warnings=sorted_diagnostics(lints.warnings(workflow, graph, slots)),
        cache_keys=keys,
    )


def _planned_steps(workflow: Workflow, graph: Graph, timing: critical.Timing,
                   waves: Mapping[str, int], keys: Mapping[str, str]) -> Dict[str, PlannedStep]:
    seconds = estimates.seconds
    return {
        step.id: PlannedStep(
            id=step.id,
            dependencies=graph.dependencies_of(step.id),
            dependents=graph.dependents_of(step.id),
            level=graph.level_of(step.id),
            wave=waves[step.id],
            estimate=seconds(step.estimate),
            cached_estimate=seconds(step.cached_estimate),
            estimate_defaulted=step.estimate_defaulted,
            priority=seconds(timing.priority[step.id]),
            earliest_start=seconds(timing.earliest_start[step.id]),
            latest_start=seconds(timing.latest_start[step.id]),
            slack=seconds(timing.slack[step.id]),
            critical=timing.critical[step.id],
            cache_key=keys[step.id],
        )
        for step in workflow.steps
    }


def _slot(step: str, start: float, duration: float) -> ScheduledStep:
    """A slot rounded like every other figure; rounding is monotone, so the schedule's order,
    its dependencies and its capacity limits all survive it."""
    return ScheduledStep(step, estimates.seconds(start), estimates.seconds(start + duration))
