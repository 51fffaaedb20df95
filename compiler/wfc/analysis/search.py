"""The compile-time search for priorities that shorten the list schedule.

The estimates, the runtime and the command doc all follow one policy (`schedule`), driven by one
number per step, its priority. The longest remaining path is a good priority but not always the
best one under `max_parallel` and resources: starting the longest chain first can leave a lock idle
that a shorter chain would have kept busy. So the analysis tries a fixed number of perturbations of
the best priorities so far, each simulated by that same policy, keeps one only when it shortens the
makespan, and stops as soon as the makespan meets the lower bound. The winner *is* the plan's
per-step `priority`, what the runtime's ready queue orders by: nothing downstream needs to know a
search happened, and there is no second ordering rule to keep in step.

Deterministic to the byte: the random numbers come from a seed made of the workflow's name and
step ids (SHA-256, never Python's hash), and every candidate is rounded to the millisecond, as the
plan writes priorities, before it is simulated, so what the plan stores is what was simulated.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, replace
from typing import AbstractSet, Dict, List, Mapping, Sequence, Tuple

from wfc.analysis.estimates import seconds
from wfc.analysis.schedule import Problem, dependents, span, start_times

ROUNDS = 512
MIN_ROUNDS = 4
STEP_BUDGET = 64_000
"""Simulated steps in all: 512 rounds up to 125 steps, 64 at 1,000 and the minimum of 4 past
16,000, which keeps a capped 10,000-step compile within a few times the 1,000-step one."""
NOISE = (0.1, 0.3, 0.6, 1.2)  # how far a free round moves every priority, cycled: small moves, then bold ones
CHAIN_NOISE = (0.1, 0.3)  # the same for the rounds that push the chain holding up the end
CHAIN_PUSH = 2.0  # a step on that chain has its priority raised by up to this factor more


@dataclass(frozen=True)
class Searched:
    """The winning priorities (rounded to the millisecond) and the starts they give."""

    priorities: Mapping[str, float]
    starts: Mapping[str, float]
    rounds: int  # candidates simulated


def improve(problem: Problem, bound: float, seed_text: str) -> Searched:
    """`problem`'s own priorities, or perturbations of them that the policy schedules shorter.

    Rounds alternate between moving every priority at random around the best so far and also
    pushing up the steps that hold up its last finish (`holding_up`): those are where a better
    order can gain. An uncapped, resource-free problem is not searched: with no `max_parallel` and
    no resources the policy never passes a ready step over, so each step starts the instant its
    last dependency finishes, whatever the priorities. Its makespan is then the critical path,
    which no schedule can beat: it is optimal already, and no priority could change a single start."""
    starts = start_times(problem)
    if problem.max_parallel is None and not any(problem.requests.values()):
        return Searched(problem.priorities, starts, 0)
    best, best_span = problem.priorities, span(starts, problem.durations)
    best, best_span, starts, justifying = justify(problem, best, best_span, starts, bound)
    rng = random.Random(seed(seed_text))
    rounds = budgeted_rounds(len(problem.steps))
    tried = justifying
    while tried < rounds and best_span > bound:
        pushed = holding_up(problem, starts) if tried % 2 == 0 else frozenset()
        noise = CHAIN_NOISE[tried // 2 % len(CHAIN_NOISE)] if pushed else NOISE[tried // 2 % len(NOISE)]
        candidate = perturbed(best, problem.steps, rng, noise, pushed)
        tried += 1
        candidate_starts = start_times(replace(problem, priorities=candidate))
        length = span(candidate_starts, problem.durations)
        if length < best_span:
            best, best_span, starts = candidate, length, candidate_starts
    return Searched(best, starts, tried)


JUSTIFY_ROUNDS = 4
"""Forward-backward passes tried before the random rounds (each costs two simulations)."""


def justify(problem: Problem, priorities: Mapping[str, float], length: float, starts: Dict[str, float],
            bound: float) -> Tuple[Mapping[str, float], float, Dict[str, float], int]:
    """Forward-backward improvement: schedule the reversed graph by latest finish first, then take
    the order it implies (latest reverse finish first) as the forward priorities, and repeat.

    A list schedule can leave a resource idle early that the optimum keeps busy; the backward pass
    packs steps against the end instead, and the forward pass then starts them in that packed order.
    It is the classic repair for what random priority moves rarely find (a whole chain reordered),
    and it is deterministic. A pass is kept only when the real policy schedules it shorter."""
    best, best_length, best_starts = priorities, length, starts
    current = starts
    passes = 0
    while passes < 2 * JUSTIFY_ROUNDS and best_length > bound:
        candidate = backward_priorities(problem, current)
        current = start_times(replace(problem, priorities=candidate))
        passes += 2
        length = span(current, problem.durations)
        if length < best_length:
            best, best_length, best_starts = candidate, length, current
    return best, best_length, best_starts, passes


def backward_priorities(problem: Problem, starts: Mapping[str, float]) -> Dict[str, float]:
    """Forward priorities from a schedule of the reversed graph whose priorities are `starts`'
    finishes: a step finishing late forward starts early backward, and the later a step finishes
    backward, the earlier (the higher priority) it should start forward. Rounded as the plan writes."""
    durations = problem.durations
    reverse = replace(problem, dependencies=dependents(problem), dependents=problem.dependencies,
                      priorities={step: seconds(starts[step] + durations[step]) for step in problem.steps})
    backward = start_times(reverse)
    return {step: seconds(backward[step] + durations[step]) for step in problem.steps}


def budgeted_rounds(steps: int) -> int:
    return min(ROUNDS, max(MIN_ROUNDS, STEP_BUDGET // max(steps, 1)))


def seed(text: str) -> int:
    """A seed from the workflow's content alone, the same on every machine and under any hash seed."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def perturbed(priorities: Mapping[str, float], steps: Sequence[str], rng: random.Random, noise: float,
              pushed: AbstractSet[str] = frozenset()) -> Dict[str, float]:
    """Each priority times (1 + noise x u) / (1 + noise x v), u and v uniform in [0, 1), and a
    pushed one times 1 + CHAIN_PUSH x w more; drawn in file order and rounded to the millisecond
    as the plan writes it. Only IEEE arithmetic (no exp or log, which libm may round differently
    from one machine to the next), so the bytes are the same everywhere."""
    moved: Dict[str, float] = {}
    for step in steps:
        factor = (1.0 + noise * rng.random()) / (1.0 + noise * rng.random())
        if step in pushed:
            factor *= 1.0 + CHAIN_PUSH * rng.random()
        moved[step] = seconds(priorities[step] * factor)
    return moved


def holding_up(problem: Problem, starts: Mapping[str, float]) -> AbstractSet[str]:
    """The steps that hold up the schedule's last finish: from the step that finishes last (the
    smallest id among ties), back through whatever finished at the instant it started, a
    dependency by preference, otherwise a step whose slot or resource it then took."""
    durations = problem.durations
    finishing: Dict[float, List[str]] = {}
    for step in sorted(starts):
        finishing.setdefault(starts[step] + durations[step], []).append(step)
    step = finishing[max(finishing)][0]
    chain = {step}
    while starts[step] > 0.0:
        released = [
            s for s in finishing.get(starts[step], ()) if s not in chain
        ]  # zero-length steps finish as they start
        if not released:
            break
        step = next((s for s in released if s in problem.dependencies.get(step, ())), released[0])
        chain.add(step)
    return chain
