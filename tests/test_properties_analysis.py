"""Properties of the analysis over random DAGs (hypothesis).

Graphs are drawn as a size, a shape and a seed, then built with `random.Random(seed)`: far faster
than drawing every edge through hypothesis, which keeps 500 graphs of up to 200 steps in seconds.
Estimates are whole seconds so that every comparison below is exact.
"""
from __future__ import annotations

import dataclasses
import random
from typing import Dict, Iterator, List, Mapping, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factories import make_step, make_workflow
from wfc.analysis import analyze, estimates, schedule, search
from wfc.analysis.cache_keys import cache_keys
from wfc.analysis.graph import build_graph
from wfc.model import Step, Workflow
from wfc.analysis.plan import Plan

RESOURCE_NAMES = ("db", "gpu", "lock")


@pytest.fixture(autouse=True, scope="module")
def few_search_rounds() -> Iterator[None]:
    """The invariants below hold whatever priorities the search picks (the plan's own are checked
    against the naive policy); a few rounds keep 500 graphs of up to 200 steps fast. The search
    at its real size has its own tests (test_bounds.py)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "ROUNDS", 4)
        yield


@st.composite
def workflows(draw: st.DrawFn, max_steps: int = 200) -> Workflow:
    size = draw(st.integers(1, max_steps))
    max_parallel = draw(st.one_of(st.none(), st.integers(1, 8)))
    capacities = draw(st.dictionaries(st.sampled_from(RESOURCE_NAMES), st.integers(1, 3), max_size=3))
    rng = random.Random(draw(st.integers(0, 2**32)))
    fan_in = draw(st.integers(0, 4))
    return make_workflow(_steps(rng, size, fan_in, capacities), max_parallel=max_parallel,
                         resources=capacities)


def _steps(rng: random.Random, size: int, fan_in: int, capacities: Mapping[str, int]) -> List[Step]:
    ids = [f"{rng.choice('abcxyz')}{index}" for index in range(size)]  # file order != id order
    steps: List[Step] = []
    for index, step_id in enumerate(ids):
        window = range(max(0, index - rng.choice((3, 20, 200))), index)
        parents = rng.sample(window, min(len(window), rng.randint(0, fan_in)))
        needs = [ids[p] for p in parents if p % 2]
        inputs = [f"out-{ids[p]}" for p in parents if not p % 2]
        held = {name: rng.randint(1, cap) for name, cap in capacities.items() if rng.random() < 0.3}
        steps.append(make_step(step_id, estimate=rng.choice((0, 1, 5, 30, 60, 61, 300, 900)),
                               needs=needs, inputs=inputs, outputs=[f"out-{step_id}"] if not index % 2 else [],
                               resources=held))
    return steps


def _naive_schedule(workflow: Workflow, priority: Mapping[str, float]) -> Dict[str, Tuple[float, float]]:
    """The spec's policy read literally: at every finish instant, scan all ready steps by
    priority then id and start each that fits. Quadratic, and obviously right."""
    graph = build_graph(workflow)
    steps = workflow.steps_by_id()
    free = dict(workflow.resources)
    done: Dict[str, float] = {}
    running: Dict[str, float] = {}
    slots: Dict[str, Tuple[float, float]] = {}
    now = 0.0
    while len(done) < len(steps):
        ready = sorted((s for s in steps if s not in slots and all(d in done for d in graph.dependencies_of(s))),
                       key=lambda s: (-priority[s], s))
        for step_id in ready:
            request = steps[step_id].resources
            room = workflow.max_parallel is None or len(running) < workflow.max_parallel
            if room and all(free[name] >= units for name, units in request.items()):
                for name, units in request.items():
                    free[name] -= units
                running[step_id] = now + steps[step_id].estimate
                slots[step_id] = (now, running[step_id])
        now = min(running.values())
        for step_id in [s for s, finish in running.items() if finish == now]:
            del running[step_id]
            done[step_id] = now
            for name, units in steps[step_id].resources.items():
                free[name] += units
    return slots


def _check_schedule_limits(workflow: Workflow, plan: Plan) -> None:
    """Sweep the schedule: finishes at an instant release before starts at it acquire."""
    steps = workflow.steps_by_id()
    events = sorted([(slot.finish, 0, slot.step) for slot in plan.schedule if slot.finish > slot.start]
                    + [(slot.start, 1, slot.step) for slot in plan.schedule if slot.finish > slot.start])
    running, used = 0, {name: 0 for name in workflow.resources}
    for _, starting, step_id in events:
        sign = 1 if starting else -1
        running += sign
        for name, units in steps[step_id].resources.items():
            used[name] += sign * units
            assert used[name] <= workflow.resources[name]
        assert workflow.max_parallel is None or running <= workflow.max_parallel


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workflows())
def test_analysis_invariants(workflow: Workflow) -> None:
    plan = analyze(workflow)
    planned = {step.id: step for step in plan.steps}
    slots = {slot.step: slot for slot in plan.schedule}
    figures = plan.estimate
    for step in plan.steps:
        for dependency in step.dependencies:
            assert planned[dependency].level < step.level
            assert slots[dependency].finish <= slots[step.id].start
        assert step.slack >= 0 and step.critical == (step.slack == 0)
    assert figures.lower_bound <= figures.makespan <= figures.sequential
    assert figures.critical_path <= figures.level_barrier <= figures.sequential
    if workflow.max_parallel is None and not any(step.resources for step in workflow.steps):
        assert figures.makespan == figures.critical_path
    _check_schedule_limits(workflow, plan)
    priority = {step.id: step.priority for step in plan.steps}  # what the runtime orders by
    assert {s.step: (s.start, s.finish) for s in plan.schedule} == _naive_schedule(workflow, priority)
    _check_structure(workflow, plan)


def _check_structure(workflow: Workflow, plan: Plan) -> None:
    path = plan.critical_path
    assert sum(plan.planned(step).estimate for step in path) == plan.estimate.critical_path
    assert all(b in plan.planned(a).dependents for a, b in zip(path, path[1:]))
    assert not plan.planned(path[0]).dependencies and not plan.planned(path[-1]).dependents
    assert tuple(step for wave in plan.waves for step in wave) == plan.order
    assert all(len(wave) <= (workflow.max_parallel or len(wave)) for wave in plan.waves)
    assert [task.step for task in plan.tasks] == [slot.step for slot in plan.schedule]
    assert sorted(plan.order) == sorted(step.id for step in workflow.steps)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workflows(), st.data())
def test_cache_key_changes_exactly_downstream_of_a_changed_definition(workflow: Workflow, data: st.DataObject) -> None:
    graph = build_graph(workflow)
    before = cache_keys(workflow, graph)
    assert len(set(before.values())) == len(before)
    target = data.draw(st.sampled_from(graph.steps))
    change = data.draw(st.sampled_from([{"run": "echo changed"}, {"env": {"MODE": "fast"}},
                                        {"timeout": 99.0}, {"cache": False}]))
    after = cache_keys(_edit(workflow, target, change), graph)
    changed = {step for step in before if before[step] != after[step]}
    assert changed == {target} | graph.descendants_of(target)
    cosmetic = {"title": "Another title", "estimate": 1234.0, "description": "new", "group": "G"}
    assert cache_keys(_edit(workflow, target, cosmetic), graph) == before


def _edit(workflow: Workflow, step_id: str, change: Mapping[str, object]) -> Workflow:
    steps = tuple(dataclasses.replace(s, **change) if s.id == step_id else s for s in workflow.steps)
    return dataclasses.replace(workflow, steps=steps)


@settings(max_examples=200, deadline=None)
@given(workflows(max_steps=60))
def test_replays_take_the_simulation_shortcut_only_when_it_is_exact(workflow: Workflow) -> None:
    """warm_makespan and worst_case skip the event simulation when unbounded and resource-free;
    they must equal what the full simulation gives."""
    plan = analyze(workflow)
    graph = build_graph(workflow)
    priority = {step.id: step.priority for step in plan.steps}
    warm = {s.id: 0.0 if s.cache and s.outputs else s.cached_estimate for s in workflow.steps}
    simulated = schedule.makespan_of(estimates.problem(workflow, graph, warm, priority))
    assert plan.estimate.warm_makespan == estimates.seconds(simulated)
