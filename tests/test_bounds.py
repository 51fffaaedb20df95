"""The lower bound and the priority search: exact figures on hand-made DAGs, the bound against
brute-force optima, and the search's promises (never longer, same bytes under any hash seed)."""
from __future__ import annotations

import dataclasses
import itertools
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Dict, FrozenSet, Mapping, Set, Tuple

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factories import make_step, make_workflow
from wfc.analysis import analyze, bounds, critical, estimates, schedule, search
from wfc.analysis.bounds import Limit
from wfc.analysis.graph import build_graph
from wfc.model import Workflow

ROOT = Path(__file__).resolve().parent.parent


def _bound(workflow: Workflow) -> float:
    graph = build_graph(workflow)
    durations = {step.id: step.estimate for step in workflow.steps}
    problem = estimates.problem(workflow, graph, durations, critical.priorities(graph, durations))
    return bounds.lower_bound(problem, graph.topological_order())


# -- each term, exactly ------------------------------------------------------------------------


def test_a_lock_behind_its_ancestors_raises_the_head_of_the_step_after_them() -> None:
    # x (after a) and y (after b) share a lock, so z cannot start before 1 + 3 + 3 = 7 although
    # its longest chain is only 5 s: the bound is the optimum, 8 s, where the critical path says 6.
    workflow = make_workflow([
        make_step("a", estimate=1), make_step("b", estimate=2),
        make_step("x", estimate=3, needs=["a"], resources={"lock": 1}),
        make_step("y", estimate=3, needs=["b"], resources={"lock": 1}),
        make_step("z", estimate=1, needs=["x", "y"]),
    ], resources={"lock": 1})
    graph = build_graph(workflow)
    durations = {step.id: step.estimate for step in workflow.steps}
    problem = estimates.problem(workflow, graph, durations, critical.priorities(graph, durations))
    heads = bounds.raised_heads(graph.topological_order(), graph.dependency_map, durations, bounds.limits(problem))
    assert heads == {"a": 0.0, "b": 0.0, "x": 1.0, "y": 2.0, "z": 7.0}
    plan = analyze(workflow)
    assert (plan.estimate.critical_path, plan.estimate.lower_bound, plan.estimate.makespan) == (6.0, 8.0, 8.0)
    assert plan.estimate.optimal and plan.estimate.gap == 0.0


def test_windows_find_the_busy_stretch_of_a_lock_between_two_points_of_the_chain() -> None:
    # The lock's three steps fit in 6 s from 0, but x and y cannot start before 3 and leave 3 s
    # of the run after them: 3 + 4 + 3 = 10, the optimum (z runs while `a` does).
    limit = Limit("lock", 1, {"x": 1, "y": 1, "z": 1})
    durations = {"x": 2.0, "y": 2.0, "z": 2.0}
    heads, tails = {"x": 3.0, "y": 3.0, "z": 0.0}, {"x": 3.0, "y": 3.0, "z": 0.0}
    assert bounds.work_over_capacity(limit, durations) == 6.0
    assert bounds.head_body_tail(limit, heads, tails, durations) == 6.0
    assert bounds.windows(limit, heads, tails, durations) == 10.0
    workflow = make_workflow([
        make_step("a", estimate=3),
        make_step("x", estimate=2, needs=["a"], resources={"lock": 1}),
        make_step("y", estimate=2, needs=["a"], resources={"lock": 1}),
        make_step("b", estimate=3, needs=["x", "y"]),
        make_step("z", estimate=2, resources={"lock": 1}),
    ], resources={"lock": 1})
    assert _bound(workflow) == 10.0 and analyze(workflow).estimate.makespan == 10.0


def test_head_body_tail_counts_the_slots_between_the_first_head_and_the_last_tail() -> None:
    # Four 2 s steps after a 1 s step, before a 1 s step, on two slots: 1 + 8 / 2 + 1 = 6.
    workflow = make_workflow([make_step("a", estimate=1)] + [
        make_step(f"m{i}", estimate=2, needs=["a"]) for i in range(4)] + [
        make_step("z", estimate=1, needs=[f"m{i}" for i in range(4)])], max_parallel=2)
    plan = analyze(workflow)
    assert (plan.estimate.critical_path, plan.estimate.lower_bound, plan.estimate.makespan) == (4.0, 6.0, 6.0)


def test_steps_holding_more_than_half_a_resource_add_up_whatever_their_units() -> None:
    limit = bounds.limits(schedule.Problem(("a", "b", "c"), {}, {"a": 4.0, "b": 4.0, "c": 4.0}, {},
                                           requests={"a": {"gpu": 2}, "b": {"gpu": 2}, "c": {"gpu": 1}},
                                           capacities={"gpu": 3}))
    assert limit == (Limit("gpu", 3, {"a": 2, "b": 2, "c": 1}), Limit("gpu (exclusive)", 1, {"a": 1, "b": 1}))


def test_jackson_preemptive_schedule_runs_the_larger_tail_first() -> None:
    # (head, time, tail): the second job arrives at 1 with the larger tail and preempts the first.
    assert bounds.jackson_preemptive([(0.0, 4.0, 0.0), (1.0, 2.0, 10.0)]) == 13.0
    assert bounds.jackson_preemptive([]) == 0.0


def test_the_gap_is_reported_when_the_bound_is_not_met() -> None:
    plan = analyze(make_workflow([make_step(f"s{i}", estimate=3) for i in range(3)], max_parallel=2))
    # three 3 s steps on two slots take 6 s; every term here stops at 4.5 s
    assert (plan.estimate.lower_bound, plan.estimate.makespan) == (4.5, 6.0)
    assert (plan.estimate.optimal, plan.estimate.gap, plan.estimate.gap_pct) == (False, 1.5, 33.3)


# -- the bound never exceeds the optimum -------------------------------------------------------


@st.composite
def small_workflows(draw: st.DrawFn) -> Workflow:
    rng = random.Random(draw(st.integers(0, 2**32)))
    size = draw(st.integers(1, 8))
    capacities = {name: rng.randint(1, 3) for name in rng.sample(["db", "lock"], rng.randint(0, 2))}
    steps = []
    for index in range(size):
        needs = [f"s{other}" for other in range(index) if rng.random() < 0.25]
        held = {name: rng.randint(1, cap) for name, cap in capacities.items() if rng.random() < 0.5}
        steps.append(make_step(f"s{index}", estimate=rng.choice((0, 1, 2, 3, 5)), needs=needs, resources=held))
    return make_workflow(steps, max_parallel=draw(st.one_of(st.none(), st.integers(1, 3))), resources=capacities)


def brute_force_optimum(workflow: Workflow) -> float:
    """The shortest makespan over every active schedule: each step placed, in every order its
    dependencies allow, at the earliest instant it fits (the serial schedule generation scheme,
    which reaches every active schedule, and some active schedule is optimal). Partial schedules
    already seen are not extended twice, nor any that cannot end before the best so far (a placed
    step's finish plus the longest chain after it)."""
    steps = workflow.steps_by_id()
    graph = build_graph(workflow)
    needs = {step_id: graph.dependencies_of(step_id) for step_id in steps}
    remaining = critical.priorities(graph, {step_id: step.estimate for step_id, step in steps.items()})
    after = {step_id: remaining[step_id] - steps[step_id].estimate for step_id in steps}
    best = [sum(step.estimate for step in steps.values()) + 1.0]
    seen: Set[FrozenSet[Tuple[str, Tuple[float, float]]]] = set()

    def extend(placed: Dict[str, Tuple[float, float]]) -> None:
        key = frozenset(placed.items())
        if key in seen:
            return
        seen.add(key)
        if max((finish + after[step] for step, (_, finish) in placed.items()), default=0.0) >= best[0]:
            return
        if len(placed) == len(steps):
            best[0] = max(finish for _, finish in placed.values())
            return
        for step_id in sorted(steps):
            if step_id not in placed and all(need in placed for need in needs[step_id]):
                start = _earliest_fit(workflow, step_id, placed, needs[step_id])
                extend({**placed, step_id: (start, start + steps[step_id].estimate)})

    extend({})
    return best[0]


def _earliest_fit(workflow: Workflow, step_id: str, placed: Mapping[str, Tuple[float, float]],
                  needs: Tuple[str, ...]) -> float:
    ready = max((placed[need][1] for need in needs), default=0.0)
    duration = workflow.step(step_id).estimate
    for start in sorted({ready} | {finish for _, finish in placed.values() if finish > ready}):
        if _fits(workflow, step_id, start, start + duration, placed):
            return start
    raise AssertionError("a step fits after everything placed has finished")


def _fits(workflow: Workflow, step_id: str, start: float, finish: float,
          placed: Mapping[str, Tuple[float, float]]) -> bool:
    """Whether the step fits at every instant of [start, finish): usage only grows where a placed
    step starts, so checking `start` and the starts inside the interval is enough."""
    if finish == start:
        return True
    wanted = workflow.step(step_id).resources
    for instant in {start} | {s for s, f in placed.values() if start < s < finish}:
        running = [other for other, (s, f) in placed.items() if s <= instant < f]
        if workflow.max_parallel is not None and len(running) + 1 > workflow.max_parallel:
            return False
        for name, units in wanted.items():
            if units + sum(workflow.step(o).resources.get(name, 0) for o in running) > workflow.resources[name]:
                return False
    return True


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_workflows())
def test_the_bound_never_exceeds_the_optimum_and_the_plan_never_beats_it(workflow: Workflow) -> None:
    optimum = brute_force_optimum(workflow)
    plan = analyze(workflow)
    assert _bound(workflow) <= optimum + 1e-9
    assert plan.estimate.lower_bound <= optimum <= plan.estimate.makespan
    assert plan.estimate.optimal == (plan.estimate.makespan == plan.estimate.lower_bound)


def test_the_brute_force_finds_an_optimum_no_priority_order_reaches() -> None:
    # The optimum (8 s) keeps the lock idle from 1 s to 2 s, waiting for s1; the policy never
    # leaves a ready step that fits waiting, so every priority order gives 10 s or more. A brute
    # force over priority orders would call 10 the optimum and pass a bound of 9.
    workflow = make_workflow([
        make_step("s0", estimate=2), make_step("s1", estimate=2, needs=["s0"], resources={"lock": 1}),
        make_step("s2", estimate=1, resources={"lock": 1}), make_step("s3", estimate=4, needs=["s1"]),
        make_step("s4", estimate=4, resources={"lock": 1}),
    ], max_parallel=2, resources={"lock": 1})
    problem = _problem(workflow)
    orders = itertools.permutations(problem.steps)
    by_order = min(schedule.makespan_of(dataclasses.replace(problem, priorities={s: -i for i, s in enumerate(order)}))
                   for order in orders)
    assert (brute_force_optimum(workflow), by_order, analyze(workflow).estimate.makespan) == (8.0, 10.0, 10.0)
    assert analyze(workflow).estimate.lower_bound <= 8.0


# -- the search --------------------------------------------------------------------------------


def _list_schedule_makespan(workflow: Workflow) -> float:
    graph = build_graph(workflow)
    durations = {step.id: step.estimate for step in workflow.steps}
    priorities = {step: estimates.seconds(value) for step, value in critical.priorities(graph, durations).items()}
    return estimates.seconds(schedule.makespan_of(estimates.problem(workflow, graph, durations, priorities)))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_workflows())
def test_the_search_never_makes_the_schedule_longer(workflow: Workflow) -> None:
    assert analyze(workflow).estimate.makespan <= _list_schedule_makespan(workflow)


SEARCHED = make_workflow([
    make_step("s0", estimate=3), make_step("s1", estimate=5, resources={"lock": 1}), make_step("s2", estimate=1),
    make_step("s3", estimate=5, needs=["s0", "s2"], resources={"lock": 1}),
    make_step("s4", estimate=4, needs=["s0", "s3"], resources={"lock": 1}),
    make_step("s5", estimate=1, needs=["s1", "s3", "s4"], resources={"lock": 1}),
], max_parallel=2, resources={"lock": 1})


def test_the_search_shortens_a_schedule_and_the_plan_keeps_its_priorities() -> None:
    # Longest remaining path first starts s0 and s2 and leaves the lock idle for a second: 16 s.
    # The search starts s1 on the lock at once: 15 s, the lock's work, so it stops there.
    plan = analyze(SEARCHED)
    assert _list_schedule_makespan(SEARCHED) == 16.0
    assert (plan.estimate.makespan, plan.estimate.lower_bound, plan.estimate.optimal) == (15.0, 15.0, True)
    assert [(slot.step, slot.start) for slot in plan.schedule] == [
        ("s1", 0.0), ("s2", 0.0), ("s0", 1.0), ("s3", 5.0), ("s4", 10.0), ("s5", 14.0)]
    priorities = {step.id: step.priority for step in plan.steps}
    replay = schedule.start_times(dataclasses.replace(_problem(SEARCHED), priorities=priorities))
    assert {slot.step: slot.start for slot in plan.schedule} == replay
    assert plan.planned("s0").slack == 0.0 and plan.critical_path == ("s0", "s3", "s4", "s5")  # unchanged
    assert plan.levels[0] == tuple(sorted(("s0", "s1", "s2"), key=lambda step: -priorities[step]))


JUSTIFIED = make_workflow([
    make_step("s0", estimate=3, resources={"lock": 1}), make_step("s1", estimate=3),
    make_step("s2", estimate=2, needs=["s1"], resources={"lock": 1}), make_step("s3", estimate=5),
    make_step("s4", estimate=1, resources={"lock": 1}),
], max_parallel=2, resources={"lock": 1})


def test_the_forward_backward_pass_reaches_an_optimum_the_list_schedule_misses() -> None:
    # Longest path first runs s3 and s1, then s0 takes the lock and s2 waits for it: 9 s. Packed
    # against the end, the reversed schedule puts s0 first on the lock, which frees it for s2 as
    # soon as s1 is done: 8 s, the optimum (a brute force over every active schedule agrees).
    problem = _problem(JUSTIFIED)
    starts = schedule.start_times(problem)
    assert schedule.span(starts, problem.durations) == 9.0
    _, length, justified, _ = search.justify(problem, problem.priorities, 9.0, starts, bound=0.0)
    assert (length, brute_force_optimum(JUSTIFIED)) == (8.0, 8.0)
    assert justified == {"s0": 0.0, "s1": 0.0, "s2": 3.0, "s3": 3.0, "s4": 5.0}
    plan = analyze(JUSTIFIED)
    assert plan.estimate.makespan == 8.0 and [(slot.step, slot.start) for slot in plan.schedule] == [
        ("s0", 0.0), ("s1", 0.0), ("s2", 3.0), ("s3", 3.0), ("s4", 5.0)]


def _problem(workflow: Workflow) -> schedule.Problem:
    graph = build_graph(workflow)
    durations = {step.id: step.estimate for step in workflow.steps}
    return estimates.problem(workflow, graph, durations, critical.priorities(graph, durations))


def test_an_uncapped_workflow_is_not_searched() -> None:
    workflow = make_workflow([make_step("a", estimate=2), make_step("b", estimate=1, needs=["a"])])
    plan = analyze(workflow)
    assert [step.priority for step in plan.steps] == [3.0, 1.0]  # the longest remaining paths
    assert plan.estimate.optimal


def test_the_searched_plan_is_the_same_bytes_under_any_hash_seed(tmp_path: Path) -> None:
    # compliance-audit is one the search shortens (3,600 s with longest-path priorities).
    source = ROOT / "workflows" / "compliance-audit.yaml"
    outputs = set()
    for hash_seed in ("0", "1", "4242"):
        out = tmp_path / hash_seed
        subprocess.run([sys.executable, "-m", "wfc", "compile", str(source), "--out", str(out)], cwd=ROOT,
                       env={**os.environ, "PYTHONHASHSEED": hash_seed}, check=True, capture_output=True)
        outputs.add((out / "compliance-audit.plan.json").read_bytes())
    assert outputs == {(ROOT / "generated" / "compliance-audit.plan.json").read_bytes()}
    from wfc.validate import load_workflow
    assert _list_schedule_makespan(load_workflow(str(source))) == 3600.0
