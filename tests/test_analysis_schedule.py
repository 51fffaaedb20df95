"""The list-schedule policy directly (the runtime shares ReadyQueue), and 10,000-step workflows."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import make_step, make_workflow
from wfc.analysis import analyze, schedule
from wfc.analysis.schedule import Problem, ReadyQueue, ScheduleError, start_times
from wfc.analysis.plan import ScheduledStep


def test_ready_queue_takes_by_priority_then_id_and_passes_over_what_does_not_fit() -> None:
    queue = ReadyQueue({"a": 5, "b": 9, "c": 5, "d": 1},
                       {"b": {"lock": 1}, "c": {"lock": 1}})
    for step in "dcba":
        queue.push(step)
    free = {"lock": 1}
    assert queue.take(None, free) == ["b", "a", "d"]  # c wants the lock b took
    assert free == {"lock": 0} and len(queue) == 1
    assert queue.take(None, free) == []
    free["lock"] = 1
    assert queue.take(1, free) == ["c"] and len(queue) == 0


def test_ready_queue_stops_when_no_slot_is_left() -> None:
    queue = ReadyQueue({"a": 1, "b": 2, "c": 3}, {})
    for step in "abc":
        queue.push(step)
    assert queue.take(2, {}) == ["c", "b"]
    assert queue.take(0, {}) == []
    assert queue.take(5, {}) == ["a"]


def test_finishes_at_one_instant_are_handled_together() -> None:
    # a and b both finish at 3; c (needs a) and d (needs b) are ready together, d first by priority,
    # and with one slot left over from the two finishes both start at 3.
    problem = Problem(steps=("a", "b", "c", "d"), dependencies={"c": ("a",), "d": ("b",)},
                      durations={"a": 3, "b": 3, "c": 1, "d": 2}, priorities={"a": 4, "b": 5, "c": 1, "d": 2},
                      max_parallel=2)
    assert schedule.simulate(problem) == {
        "a": ScheduledStep("a", 0, 3), "b": ScheduledStep("b", 0, 3),
        "c": ScheduledStep("c", 3, 4), "d": ScheduledStep("d", 3, 5),
    }


def test_a_request_above_capacity_is_an_internal_error() -> None:
    problem = Problem(("a",), {}, {"a": 1.0}, {"a": 1.0}, requests={"a": {"gpu": 2}}, capacities={"gpu": 1})
    with pytest.raises(ScheduleError, match="step 'a' holds 2 of resource 'gpu', whose capacity is 1"):
        schedule.simulate(problem)


def test_a_dependency_outside_the_problem_is_an_internal_error() -> None:
    problem = Problem(("a",), {"a": ("ghost",)}, {"a": 1.0}, {"a": 1.0})
    with pytest.raises(ScheduleError, match=r"steps \['a'\] never became ready"):
        schedule.simulate(problem)


def test_ten_thousand_step_chain() -> None:
    steps = [make_step(f"s{i:05d}", estimate=i % 7 + 1, needs=[f"s{i - 1:05d}"] if i else []) for i in range(10_000)]
    plan = analyze(make_workflow(steps))
    total = float(sum(i % 7 + 1 for i in range(10_000)))
    assert (plan.estimate.makespan, plan.estimate.critical_path, plan.estimate.sequential) == (total, total, total)
    assert len(plan.levels) == 10_000 and len(plan.critical_path) == 10_000


def test_ten_thousand_step_fan_out_under_a_lock() -> None:
    steps = [make_step("root", estimate=5, outputs=["x"])] + [
        make_step(f"s{i:05d}", estimate=2, inputs=["x"], resources={"lock": 1} if i % 2 else {})
        for i in range(9_999)]
    plan = analyze(make_workflow(steps, max_parallel=8, resources={"lock": 2}))
    # 4,999 locked steps two at a time take 5,000 s; the 5,000 others fill the six free slots
    assert plan.estimate.makespan == 5 + 2 * 2500
    assert plan.estimate.lower_bound == 4_999.0  # the lock's work over its capacity
    assert plan.estimate.redundant_work_eliminated_pct == 100.0  # 99.99 %, to one decimal


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_without_cap_or_resources_the_linear_path_starts_every_step_as_the_event_loop_does(data: st.DataObject) -> None:
    """The shortcut for unconstrained problems must give the event loop's floats exactly."""
    count = data.draw(st.integers(1, 40))
    steps = [f"s{index}" for index in range(count)]
    dependencies = {step: sorted(data.draw(st.sets(st.sampled_from(steps[:index]), max_size=3)) if index else [])
                    for index, step in enumerate(steps)}
    durations = {step: data.draw(st.sampled_from([0.0, 0.1, 0.2, 1 / 3, 60.0, 90.5, 1e-9])) for step in steps}
    priorities = {step: data.draw(st.floats(0, 100)) for step in steps}
    order = data.draw(st.permutations(steps))
    unconstrained = start_times(Problem(order, dependencies, durations, priorities))
    event_loop = start_times(Problem(order, dependencies, durations, priorities, max_parallel=count + 1))
    assert unconstrained == event_loop
