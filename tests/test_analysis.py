"""The analysis on the seed's /review-all and on small hand-checked workflows."""
from __future__ import annotations

from factories import MINUTE, REVIEWERS, make_step, make_workflow, review_all
from wfc.analysis import analyze
from wfc.model import Retry
from wfc.analysis.plan import Estimate, ScheduledStep, Task

REVIEWER_ORDER = ("quality", "security", "architecture", "best-practices", "performance")


def test_review_all_reference_figures() -> None:
    estimate = analyze(review_all()).estimate
    assert estimate == Estimate(
        sequential=38 * MINUTE,
        sequential_unshared=58 * MINUTE,
        redundant_work_eliminated_pct=80.0,
        level_barrier=17 * MINUTE,
        makespan=17 * MINUTE,
        lower_bound=17 * MINUTE,
        critical_path=17 * MINUTE,
        speedup=2.24,
        time_saved_pct=55.3,
        max_width=5,
        warm_makespan=12 * MINUTE,  # analyze is cached; a reviewer and report rerun
        worst_case=17 * MINUTE,
    )


def test_review_all_with_three_slots_takes_22_minutes() -> None:
    plan = analyze(review_all(max_parallel=3))
    assert plan.estimate.makespan == 22 * MINUTE
    assert plan.estimate.level_barrier == 22 * MINUTE
    assert plan.estimate.critical_path == 17 * MINUTE
    assert plan.estimate.lower_bound == 17 * MINUTE
    assert plan.estimate.speedup == 1.73
    assert plan.schedule == (
        ScheduledStep("analyze", 0.0, 300.0),
        ScheduledStep("architecture", 300.0, 600.0),
        ScheduledStep("quality", 300.0, 660.0),
        ScheduledStep("security", 300.0, 660.0),
        ScheduledStep("best-practices", 600.0, 900.0),
        ScheduledStep("performance", 660.0, 960.0),
        ScheduledStep("report", 960.0, 1320.0),
    )


def test_review_all_structure() -> None:
    plan = analyze(review_all(max_parallel=3))
    assert plan.levels == (("analyze",), REVIEWER_ORDER, ("report",))
    assert plan.waves == (("analyze",), REVIEWER_ORDER[:3], REVIEWER_ORDER[3:], ("report",))
    assert plan.order == ("analyze", *REVIEWER_ORDER, "report")
    assert plan.critical_path == ("analyze", "quality", "report")
    assert [step.id for step in plan.steps] == list(plan.order)
    assert plan.warnings == ()


def test_planned_step_timing() -> None:
    plan = analyze(review_all())
    quality, best = plan.planned("quality"), plan.planned("best-practices")
    assert (quality.level, quality.wave, quality.priority) == (1, 1, 12 * MINUTE)
    assert (quality.earliest_start, quality.latest_start, quality.slack, quality.critical) == (
        300.0, 300.0, 0.0, True)
    assert (best.priority, best.earliest_start, best.latest_start, best.slack, best.critical) == (
        11 * MINUTE, 300.0, 360.0, 60.0, False)
    assert plan.planned("report").dependencies == tuple(sorted(REVIEWERS))
    assert plan.planned("analyze").dependents == tuple(sorted(REVIEWERS))
    assert [s.id for s in plan.steps if s.critical] == ["analyze", "quality", "security", "report"]


def test_tasks_follow_the_schedule() -> None:
    plan = analyze(review_all(max_parallel=3))
    assert plan.tasks[:2] == (
        Task("analyze", "Analyze the codebase", "Analyzing the codebase"),
        Task("architecture", "Review architecture", "Reviewing architecture"),
    )
    assert [task.step for task in plan.tasks] == [slot.step for slot in plan.schedule]
    assert {task.status for task in plan.tasks} == {"pending"}


def test_critical_path_ties_go_to_the_smaller_id() -> None:
    plan = analyze(make_workflow([
        make_step("b", estimate=5), make_step("a", estimate=5),
        make_step("z", estimate=2, needs=["a", "b"]), make_step("y", estimate=2, needs=["a", "b"]),
    ]))
    assert plan.critical_path == ("a", "y")
    assert plan.estimate.critical_path == 7.0


def test_a_step_that_does_not_fit_is_passed_over_not_waited_for() -> None:
    # `big` has the highest priority but the lock is taken; `free` starts at once anyway.
    plan = analyze(make_workflow([
        make_step("holder", estimate=10, resources={"lock": 1}),
        make_step("big", estimate=8, resources={"lock": 1}),
        make_step("free", estimate=1),
    ], resources={"lock": 1}, max_parallel=2))
    assert plan.schedule == (
        ScheduledStep("free", 0.0, 1.0),
        ScheduledStep("holder", 0.0, 10.0),
        ScheduledStep("big", 10.0, 18.0),
    )
    assert plan.estimate.lower_bound == 18.0  # the lock's work over its capacity
    assert plan.estimate.level_barrier == 18.0


def test_resource_units_count_against_capacity() -> None:
    plan = analyze(make_workflow([
        make_step("a", estimate=4, resources={"gpu": 2}),
        make_step("b", estimate=4, resources={"gpu": 2}),
        make_step("c", estimate=4, resources={"gpu": 1}),
    ], resources={"gpu": 3}))
    assert [(s.step, s.start) for s in plan.schedule] == [("a", 0.0), ("c", 0.0), ("b", 4.0)]
    assert plan.estimate.lower_bound == 6.667 and plan.estimate.makespan == 8.0  # (2x4 + 2x4 + 4) / 3


def test_level_barrier_waits_for_the_slowest_step_of_each_level() -> None:
    plan = analyze(make_workflow([
        make_step("slow", estimate=10), make_step("fast", estimate=1),
        make_step("after-fast", estimate=5, needs=["fast"]),
    ]))
    assert plan.estimate.makespan == 10.0
    assert plan.estimate.level_barrier == 15.0


def test_warm_makespan_skips_cached_producers() -> None:
    plan = analyze(make_workflow([
        make_step("build", estimate=100, outputs=["artifact"]),
        make_step("lint", estimate=100, cached_estimate=10, outputs=["lint-report"], cache=False),
        make_step("test", estimate=50, cached_estimate=20, inputs=["artifact", "lint-report"]),
    ]))
    assert plan.estimate.warm_makespan == 30.0  # build skipped, lint reruns (10), test (20)


def test_worst_case_counts_every_attempt_and_backoff() -> None:
    plan = analyze(make_workflow([
        make_step("flaky", estimate=10, timeout=30, retry=Retry(attempts=3, backoff=5, factor=2)),
        make_step("plain", estimate=7, retry=Retry(attempts=2, backoff=1), needs=["flaky"]),
    ]))
    assert plan.estimate.worst_case == (3 * 30 + 5 + 10) + (2 * 7 + 1)


def test_redundant_work_counts_distinct_readers_per_producer() -> None:
    plan = analyze(make_workflow([
        make_step("p", estimate=10, outputs=["x", "y"]),
        make_step("q", estimate=4, outputs=["z"]),
        make_step("r1", estimate=1, inputs=["x", "y"]),
        make_step("r2", estimate=1, inputs=["y", "z"]),
    ]))
    # p is read by 2 distinct steps, q by 1: extra 10, all readers 2x10 + 1x4
    assert plan.estimate.sequential_unshared == 16.0 + 10.0
    assert plan.estimate.redundant_work_eliminated_pct == round(100 * 10 / 24, 1) == 41.7


def test_nothing_shared_means_no_redundant_work() -> None:
    plan = analyze(make_workflow([make_step("a", estimate=3), make_step("b", estimate=4)]))
    assert plan.estimate.redundant_work_eliminated_pct == 0.0
    assert plan.estimate.sequential_unshared == plan.estimate.sequential == 7.0
    assert plan.estimate.max_width == 2 and plan.estimate.time_saved_pct == 42.9


def test_zero_estimates_do_not_divide_by_zero() -> None:
    plan = analyze(make_workflow([make_step("a", estimate=0), make_step("b", estimate=0, needs=["a"])]))
    assert (plan.estimate.makespan, plan.estimate.speedup, plan.estimate.time_saved_pct) == (0.0, 1.0, 0.0)
    assert plan.schedule == (ScheduledStep("a", 0.0, 0.0), ScheduledStep("b", 0.0, 0.0))


def test_cache_keys_are_sha256_hex_per_step() -> None:
    plan = analyze(review_all())
    assert list(plan.cache_keys) == ["analyze", *REVIEWERS, "report"]
    assert all(len(key) == 64 and int(key, 16) >= 0 for key in plan.cache_keys.values())
    assert len(set(plan.cache_keys.values())) == 7
    assert plan.planned("report").cache_key == plan.cache_keys["report"]
