"""The list schedule: the one policy the estimates simulate and the runtime follows.

At time 0 and whenever steps finish (every finish at one instant handled together), the ready steps
are scanned by priority, highest first, then by id; each one that fits within `max_parallel` and
the free capacity of every resource it holds starts; one that does not fit is passed over, not
waited for.

The scan must not cost a pass over every ready step at every event, or a wide workflow becomes
quadratic. Ready steps are therefore kept in one heap per *request* (the exact resources and units
a step holds). A scan merges the heads of those heaps; when a head does not fit, nothing else with
the same request can fit either (capacity only shrinks during a scan), so the whole heap is dropped
from this scan; when no slot is left, nothing fits and the scan stops. That gives exactly the order
and choices of the naive scan at O((started + requests) log n) per event.
"""
from __future__ import annotations

import heapq
from operator import attrgetter
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, MutableMapping, Optional, Sequence, Tuple

from wfc.analysis.plan import ScheduledStep

Request = Tuple[Tuple[str, int], ...]  # (resource, units), sorted by resource


class ScheduleError(RuntimeError):
    """A step can never start (it asks for more than a capacity): validation should have said so."""


class ReadyQueue:
    """Ready steps in policy order, taken in batches by `take`. The runtime uses it too."""

    def __init__(self, priorities: Mapping[str, float], requests: Mapping[str, Mapping[str, int]]) -> None:
        self._priorities = priorities
        self._keys = {step: tuple(sorted(request.items())) for step, request in requests.items() if request}
        self._heaps: Dict[Request, List[Tuple[float, str]]] = {}
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def push(self, step_id: str) -> None:
        request = self._keys.get(step_id, ())
        heapq.heappush(self._heaps.setdefault(request, []), (-self._priorities[step_id], step_id))
        self._size += 1

    def take(self, free_slots: Optional[int], free: MutableMapping[str, int]) -> List[str]:
        """Remove and return, in start order, every ready step the policy starts now.

        `free_slots` is how many more steps may run (None: unbounded); `free` is each resource's
        free capacity, reduced here by what the started steps hold."""
        started: List[str] = []
        heads = [(heap[0], request) for request, heap in self._heaps.items()]
        heapq.heapify(heads)
        while heads and (free_slots is None or len(started) < free_slots):
            (_, step_id), request = heapq.heappop(heads)
            if any(free.get(name, 0) < units for name, units in request):
                continue  # the whole request is blocked for the rest of this scan
            heap = self._heaps[request]
            heapq.heappop(heap)
            for name, units in request:
                free[name] = free.get(name, 0) - units
            started.append(step_id)
            if heap:
                heapq.heappush(heads, (heap[0], request))
            else:
                del self._heaps[request]
        self._size -= len(started)
        return started


@dataclass(frozen=True)
class Problem:
    """What one simulation needs: the steps, their dependencies, durations and demands.

    `dependents` is the inverse of `dependencies`; pass it when you have it (the graph does),
    otherwise it is derived."""

    steps: Sequence[str]
    dependencies: Mapping[str, Sequence[str]]
    durations: Mapping[str, float]
    priorities: Mapping[str, float]
    max_parallel: Optional[int] = None
    requests: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    capacities: Mapping[str, int] = field(default_factory=dict)
    dependents: Optional[Mapping[str, Sequence[str]]] = None


def simulate(problem: Problem) -> Dict[str, ScheduledStep]:
    """Start and finish of every step under the policy; exact floats, in no particular order."""
    starts = start_times(problem)
    durations = problem.durations
    return {step: ScheduledStep(step, start, start + durations[step]) for step, start in starts.items()}


def start_times(problem: Problem) -> Dict[str, float]:
    """When each step starts under the policy (its finish is start plus duration)."""
    _check_fits(problem)
    waiting = {step: len(problem.dependencies.get(step, ())) for step in problem.steps}
    dependents = problem.dependents if problem.dependents is not None else _dependents(problem)
    queue = ReadyQueue(problem.priorities, problem.requests)
    for step in problem.steps:
        if not waiting[step]:
            queue.push(step)
    durations, requests, limit = problem.durations, problem.requests, problem.max_parallel
    running: List[Tuple[float, str]] = []
    free = dict(problem.capacities)
    starts: Dict[str, float] = {}
    now = 0.0
    while True:
        for step in queue.take(None if limit is None else limit - len(running), free):
            starts[step] = now
            heapq.heappush(running, (now + durations[step], step))
        if not running:
            break
        now = running[0][0]
        while running and running[0][0] == now:
            done = heapq.heappop(running)[1]
            if done in requests:
                _release(requests[done], free)
            for follower in dependents.get(done, ()):
                waiting[follower] -= 1
                if not waiting[follower]:
                    queue.push(follower)
    _check_complete(problem, starts)
    return starts


def _check_complete(problem: Problem, starts: Mapping[str, float]) -> None:
    if len(starts) != len(problem.steps):
        missing = sorted(set(problem.steps) - set(starts))
        raise ScheduleError(f"internal error: steps {missing} never became ready (a cycle or a "
                            "dependency outside the problem)")


def _release(request: Mapping[str, int], free: MutableMapping[str, int]) -> None:
    for name, units in request.items():
        free[name] = free.get(name, 0) + units


def _dependents(problem: Problem) -> Dict[str, List[str]]:
    dependents: Dict[str, List[str]] = {}
    for step in problem.steps:
        for dependency in problem.dependencies.get(step, ()):
            dependents.setdefault(dependency, []).append(step)
    return dependents


def _check_fits(problem: Problem) -> None:
    if problem.max_parallel is not None and problem.max_parallel < 1:
        raise ScheduleError(f"internal error: max_parallel is {problem.max_parallel}; it must be >= 1")
    for step, request in problem.requests.items():
        for name, units in request.items():
            capacity = problem.capacities.get(name, 0)
            if units > capacity:
                raise ScheduleError(f"internal error: step '{step}' holds {units} of resource '{name}', "
                                    f"whose capacity is {capacity}; validation should have rejected it")


def ordered(slots: Mapping[str, ScheduledStep]) -> Tuple[ScheduledStep, ...]:
    """Slots by start, then step id: the order of the plan's schedule and task list."""
    return tuple(sorted(slots.values(), key=attrgetter("start", "step")))


def makespan(slots: Mapping[str, ScheduledStep]) -> float:
    return max((slot.finish for slot in slots.values()), default=0.0)


def makespan_of(problem: Problem) -> float:
    """The makespan alone, without building the slots."""
    durations = problem.durations
    return max((start + durations[step] for step, start in start_times(problem).items()), default=0.0)
