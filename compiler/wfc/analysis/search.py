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
from typing import Dict, Mapping, Sequence

from wfc.analysis.estimates import seconds
from wfc.analysis.schedule import Problem, span, start_times

ROUNDS = 256
MIN_ROUNDS = 4
STEP_BUDGET = 64_000
"""Simulated steps in all: 256 rounds up to 250 steps, 64 at 1,000 and the minimum of 4 past
16,000, which keeps a capped 10,000-step compile within a few times the 1,000-step one."""
AMPLITUDES = (0.05, 0.1, 0.2, 0.4)  # relative noise, cycled: small moves first, then bolder ones


@dataclass(frozen=True)
class Searched:
    """The winning priorities (rounded to the millisecond) and the starts they give."""

    priorities: Mapping[str, float]
    starts: Mapping[str, float]
    rounds: int  # candidates simulated


def improve(problem: Problem, bound: float, seed_text: str) -> Searched:
    """`problem`'s own priorities, or perturbations of them that the policy schedules shorter.

    An uncapped, resource-free problem is not searched: with no `max_parallel` and no resources
    the policy never passes a ready step over, so each step starts the instant its last dependency
    finishes, whatever the priorities. Its makespan is then the critical path, which no schedule
    can beat: it is optimal already, and no priority could change a single start."""
    starts = start_times(problem)
    if problem.max_parallel is None and not any(problem.requests.values()):
        return Searched(problem.priorities, starts, 0)
    best, best_span = problem.priorities, span(starts, problem.durations)
    rng = random.Random(seed(seed_text))
    rounds = budgeted_rounds(len(problem.steps))
    tried = 0
    while tried < rounds and best_span > bound:
        candidate = perturbed(best, problem.steps, rng, AMPLITUDES[tried % len(AMPLITUDES)])
        tried += 1
        candidate_starts = start_times(replace(problem, priorities=candidate))
        length = span(candidate_starts, problem.durations)
        if length < best_span:
            best, best_span, starts = candidate, length, candidate_starts
    return Searched(best, starts, tried)


def budgeted_rounds(steps: int) -> int:
    return min(ROUNDS, max(MIN_ROUNDS, STEP_BUDGET // max(steps, 1)))


def seed(text: str) -> int:
    """A seed from the workflow's content alone, the same on every machine and under any hash seed."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def perturbed(priorities: Mapping[str, float], steps: Sequence[str], rng: random.Random,
              amplitude: float) -> Dict[str, float]:
    """Each priority scaled by a factor drawn in [1 - amplitude, 1 + amplitude], in file order
    (so the draws are the same on every machine), rounded to the millisecond as the plan writes it."""
    return {step: seconds(priorities[step] * (1.0 + amplitude * (2.0 * rng.random() - 1.0))) for step in steps}
