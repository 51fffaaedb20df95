"""The makespan's lower bound: no schedule, whatever its priorities, can finish sooner.

Every term is the optimum of a relaxation of the real problem (non-preemptive steps, precedence,
`max_parallel` and every resource at once), so none can exceed the real optimum; the bound is the
largest. `docs/format.md` ("The lower bound") gives each term's proof sketch.

The terms share three ingredients:

- a *limit*: something steps hold while they run, with a capacity: `max_parallel` (every step
  holds one slot), each resource (a step holds its units), and each resource's *exclusive* steps,
  those holding more than half of it, of which no two can ever run together;
- a step's *head*: a time before which it cannot start (the longest chain of estimates before it,
  raised by the work its ancestors must pass through each limit);
- a step's *tail*: how long the run must go on after it finishes (likewise after it).

All arithmetic is on the exact, unrounded estimates; the caller rounds once.
"""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from typing import Dict, Iterable, List, Mapping, Sequence, Tuple

from wfc.analysis.schedule import Problem, dependents

Job = Tuple[float, float, float]  # (head, time on a unit-speed machine, tail)
RAISE_BUDGET = 400_000
"""How many (step, ancestor) pairs the head and tail raising may visit in all: linear-ish on the
shipped shapes, and a ceiling on a dense 10,000-step graph under a lock (the bound then falls
back to the plain precedence heads for the rest, still valid, only looser)."""


@dataclass(frozen=True)
class Limit:
    """A capacity that the steps in `units` hold while they run (name for diagnostics only)."""

    name: str
    capacity: int
    units: Mapping[str, int]

    def time(self, step: str, duration: float) -> float:
        """How long the limit is busy with `step` if its units could be spread over the whole capacity."""
        return self.units[step] * duration / self.capacity


def limits(problem: Problem) -> Tuple[Limit, ...]:
    """Slots, every resource, and every resource's exclusive steps (when that is not the resource
    itself: a lock's steps are all exclusive and already counted whole)."""
    found: List[Limit] = []
    if problem.max_parallel is not None:
        found.append(Limit("max_parallel", problem.max_parallel, {step: 1 for step in problem.steps}))
    for name in sorted(problem.capacities):
        capacity = problem.capacities[name]
        units = {step: wanted[name] for step, wanted in problem.requests.items() if wanted.get(name)}
        if not units or capacity < 1:
            continue
        found.append(Limit(name, capacity, units))
        exclusive = {step: 1 for step, held in units.items() if 2 * held > capacity}
        if exclusive and capacity > 1:
            found.append(Limit(f"{name} (exclusive)", 1, exclusive))
    return tuple(found)


def lower_bound(problem: Problem, order: Sequence[str]) -> float:
    """The largest of the terms below; `order` is a topological order of `problem.steps`."""
    durations = problem.durations
    found = limits(problem)
    heads = raised_heads(order, problem.dependencies, durations, found)
    tails = raised_heads(tuple(reversed(order)), dependents(problem), durations, found)
    terms = [critical_path(heads, tails, durations)]
    for limit in found:
        terms.append(work_over_capacity(limit, durations))
        terms.append(head_body_tail(limit, heads, tails, durations))
        terms.append(windows(limit, heads, tails, durations))
    return max(terms, default=0.0)


def critical_path(heads: Mapping[str, float], tails: Mapping[str, float], durations: Mapping[str, float]) -> float:
    """A step cannot start before its head, takes its estimate, and the run goes on for its tail
    after it. With plain precedence heads and tails this is exactly the critical path."""
    return max((heads[step] + durations[step] + tails[step] for step in durations), default=0.0)


def work_over_capacity(limit: Limit, durations: Mapping[str, float]) -> float:
    """Units held at any instant never exceed the capacity, so the units x seconds its steps hold
    take at least their sum over the capacity (`max_parallel`: all work over the slots)."""
    return math.fsum(limit.units[step] * durations[step] for step in limit.units) / limit.capacity


def head_body_tail(limit: Limit, heads: Mapping[str, float], tails: Mapping[str, float],
                   durations: Mapping[str, float]) -> float:
    """None of the limit's steps starts before the smallest of their heads; all its work passes
    through it after that; and after the last of them finishes the run goes on for at least the
    smallest of their tails."""
    steps = limit.units
    return (min(heads[step] for step in steps) + work_over_capacity(limit, durations)
            + min(tails[step] for step in steps))


def windows(limit: Limit, heads: Mapping[str, float], tails: Mapping[str, float],
            durations: Mapping[str, float]) -> float:
    """`head_body_tail` over every subset of the limit's steps at once: the best window of time
    [smallest head, makespan - smallest tail] is what Jackson's preemptive schedule of the limit
    (as one machine of its capacity's speed, larger tail first) finishes at, by Carlier's theorem.
    The windows between two points of the critical path are among them."""
    return jackson_preemptive([(heads[step], limit.time(step, durations[step]), tails[step]) for step in limit.units])


def jackson_preemptive(jobs: Iterable[Job]) -> float:
    """max(finish + tail) of the preemptive one-machine schedule that always runs, among the
    released jobs, the one with the largest tail: optimal for that relaxation, and equal to
    max over subsets J of (min head + sum of times + min tail)."""
    pending = sorted(jobs, reverse=True)  # popped from the end: smallest head first
    released: List[Tuple[float, float]] = []  # (-tail, time left)
    now = best = 0.0
    while pending or released:
        if not released:
            now = max(now, pending[-1][0])
        while pending and pending[-1][0] <= now:
            head, time, tail = pending.pop()
            heapq.heappush(released, (-tail, time))
        negative_tail, left = heapq.heappop(released)
        arrival = pending[-1][0] if pending else math.inf
        if now + left <= arrival:
            now += left
            best = max(best, now - negative_tail)
        else:
            heapq.heappush(released, (negative_tail, left - (arrival - now)))
            now = arrival
    return best


def raised_heads(order: Sequence[str], before: Mapping[str, Sequence[str]], durations: Mapping[str, float],
                 found: Sequence[Limit]) -> Dict[str, float]:
    """Heads in `order` (pass the reverse order and the dependents to get tails).

    A step waits for each step before it, and also for all of its ancestors' work through each
    limit: they cannot all start before their own heads, and the limit serves them at most at its
    capacity, so the step's head is at least the earliest the limit can be done with them (taken
    in order of head, no idle time once work is released). A step whose ancestors through a limit
    are those of one predecessor plus that predecessor gains nothing from it (the predecessor's
    head already covers them, and it finishes no sooner than the limit could serve it), so only
    merge points are computed; `RAISE_BUDGET` caps the work on graphs where they are many."""
    index = {step: position for position, step in enumerate(order)}
    masks = [sum(1 << index[step] for step in limit.units) for limit in found]
    reach: Dict[str, int] = {}  # per step, the positions of all its ancestors, as bits
    heads: Dict[str, float] = {}
    budget = RAISE_BUDGET if found else 0
    for step in order:
        earliest, seen = 0.0, 0
        for previous in before.get(step, ()):
            earliest = max(earliest, heads[previous] + durations[previous])
            if budget > 0:
                seen |= reach[previous] | (1 << index[previous])
        reach[step] = seen
        for limit, mask in zip(found, masks):
            members = seen & mask
            if budget <= 0 or not members or _one_predecessor_covers(members, step, before, reach, index, mask):
                continue
            served = _members(members, order)
            budget -= len(served) + members.bit_length() // 64  # the steps visited, and reading them off
            earliest = max(earliest, release_schedule_end((heads[s], limit.time(s, durations[s])) for s in served))
        heads[step] = earliest
    return heads


def _one_predecessor_covers(members: int, step: str, before: Mapping[str, Sequence[str]],
                            reach: Mapping[str, int], index: Mapping[str, int], mask: int) -> bool:
    return any((reach[previous] | (1 << index[previous])) & mask == members for previous in before.get(step, ()))


def _members(bits: int, order: Sequence[str]) -> List[str]:
    """The steps whose positions in `order` are set in `bits` (read off its binary digits in C)."""
    digits = bin(bits)[:1:-1]
    found, position = [], digits.find("1")
    while position >= 0:
        found.append(order[position])
        position = digits.find("1", position + 1)
    return found


def release_schedule_end(jobs: Iterable[Tuple[float, float]]) -> float:
    """When one machine is done with jobs (head, time) served in order of head, never idle while
    one is released: the earliest any schedule of them can end, preemptive or not."""
    now = 0.0
    for head, time in sorted(jobs):
        now = max(now, head) + time
    return now
