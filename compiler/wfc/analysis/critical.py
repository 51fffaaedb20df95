"""Longest paths: priorities, earliest and latest starts, slack and the critical path.

Everything here assumes unlimited parallelism and resources (the classic critical path method):
earliest start is when the last dependency can finish, priority is the longest remaining path
(own estimate plus the longest chain of estimates after it), latest start is how late a step may
start without stretching the critical path. The scheduler uses the priorities; the command doc and
the reports use the rest.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Mapping, Tuple

from wfc.analysis.graph import Graph


@dataclass(frozen=True)
class Timing:
    priority: Mapping[str, float]
    earliest_start: Mapping[str, float]
    latest_start: Mapping[str, float]
    slack: Mapping[str, float]
    critical: Mapping[str, bool]
    path: Tuple[str, ...]  # one critical path, source to sink
    duration: float  # the critical path's length


def priorities(graph: Graph, durations: Mapping[str, float]) -> Dict[str, float]:
    """Longest remaining path of every step, computed sinks first."""
    remaining: Dict[str, float] = {}
    dependents = graph.dependent_map
    for step in reversed(graph.topological_order()):
        after = 0.0
        for user in dependents[step]:
            if remaining[user] > after:
                after = remaining[user]
        remaining[step] = durations[step] + after
    return remaining


def earliest_starts(graph: Graph, durations: Mapping[str, float]) -> Dict[str, float]:
    """Earliest start of every step with unlimited parallelism, computed sources first.

    Finishes are summed in the same order the scheduler adds durations, so an unbounded
    schedule's makespan equals the critical path exactly, not just to a rounding."""
    start: Dict[str, float] = {}
    dependencies = graph.dependency_map
    for step in graph.topological_order():
        earliest = 0.0
        for needed in dependencies[step]:
            if start[needed] + durations[needed] > earliest:
                earliest = start[needed] + durations[needed]
        start[step] = earliest
    return start


def timing(graph: Graph, durations: Mapping[str, float]) -> Timing:
    remaining = priorities(graph, durations)
    earliest = earliest_starts(graph, durations)
    duration = max((earliest[s] + durations[s] for s in graph.steps), default=0.0)
    tolerance = 1e-9 * max(1.0, duration)
    latest: Dict[str, float] = {}
    slack: Dict[str, float] = {}
    critical: Dict[str, bool] = {}
    for step in graph.steps:
        spare = duration - remaining[step] - earliest[step]
        critical[step] = spare <= tolerance  # float sums in two directions may differ by an ulp
        slack[step] = 0.0 if critical[step] else spare
        latest[step] = earliest[step] + slack[step]
    path = critical_path(graph, remaining)
    return Timing(remaining, earliest, latest, slack, critical, path, duration)


def critical_path(graph: Graph, remaining: Mapping[str, float]) -> Tuple[str, ...]:
    """One longest chain: from the source with the longest remaining path, repeatedly the
    dependent with the longest remaining path; ties go to the smaller step id, so it is stable.

    Following the largest remaining path never leaves a longest path: if a step lies on one, so
    does its dependent with the largest remaining path."""
    candidates = graph.sources()
    path = []
    while candidates:
        step = min(candidates, key=lambda s: (-remaining[s], s))
        path.append(step)
        candidates = graph.dependents_of(step)
    return tuple(path)
