"""The report's figures are the plan's, and its own derivations (legacy, accuracy, order) are exact."""
from __future__ import annotations

import dataclasses

from dataclasses import asdict, replace
from typing import List

import pytest
from report_support import journal_events, model_plans

from factories import make_step, make_workflow
from wfc.analysis import analyze
from wfc.model import Docs
from wfc.analysis.plan import Plan
from wfc.report import build_report
from wfc.report.data import error_pct, suggested_estimate
from wfc.report.runs import measure
from wfc.validate import load_workflow, workflow_files


def shipped_plans() -> List[Plan]:
    return [analyze(load_workflow(path)) for path in workflow_files(["workflows"])]


@pytest.mark.parametrize("plan", shipped_plans() + model_plans(), ids=lambda plan: plan.workflow.name)
def test_figures_equal_the_plans(plan: Plan) -> None:
    report = build_report([plan]).workflows[0]
    assert report.estimate == plan.estimate
    assert report.critical_path == plan.critical_path
    assert report.levels == plan.levels
    assert [(s.id, s.start, s.finish) for s in report.steps] == [(s.step, s.start, s.finish) for s in plan.schedule]
    assert [s.slack for s in report.steps] == [plan.planned(s.id).slack for s in report.steps]
    assert report.zero_slack == tuple(s.id for s in plan.steps if s.slack == 0)
    assert len(report.widest_level) == plan.estimate.max_width
    assert report.time_saved == round(plan.estimate.sequential - plan.estimate.makespan, 3)


def test_seed_figures() -> None:
    seed = build_report(model_plans()).workflows
    review = next(w for w in seed if w.name == "review-all")
    assert (review.estimate.sequential, review.estimate.sequential_unshared, review.estimate.makespan) == (
        2280,
        3480,
        1020,
    )
    assert review.estimate.redundant_work_eliminated_pct == 80.0
    assert review.zero_slack == ("analyze", "quality", "security", "report")
    assert review.legacy_minutes == 60.0
    assert review.time_saved == 1260.0


def test_summary_sorted_by_time_saved_then_name() -> None:
    def chain(name: str, parallel: bool) -> Plan:
        steps = [make_step("a", estimate=60), make_step("b", estimate=60, needs=[] if parallel else ["a"])]
        return analyze(make_workflow(steps, name=name))

    data = build_report([chain("zeta", True), chain("beta", False), chain("alpha", True), chain("gamma", False)])
    assert [w.name for w in data.workflows] == ["alpha", "zeta", "beta", "gamma"]
    assert [w.estimate.time_saved_pct for w in data.workflows] == [50.0, 50.0, 0.0, 0.0]


def test_legacy_figure_and_source_from_docs_legacy() -> None:
    stated = make_workflow([make_step("a")], docs=Docs(legacy_minutes=210.0, legacy_source="its phase budgets"))
    unstated = make_workflow([make_step("a")], docs=Docs(purpose="Legacy time: 210 min (prose is not a figure)"))
    first, second = (build_report([analyze(w)]).workflows[0] for w in (stated, unstated))
    assert (first.legacy_minutes, first.legacy_source) == (210.0, "its phase budgets")
    assert (second.legacy_minutes, second.legacy_source) == (None, "")


def test_error_and_suggestion() -> None:
    assert error_pct(300, 330) == 10.0
    assert error_pct(300, 200) == -33.3
    assert error_pct(0, 0) == 0.0
    assert suggested_estimate([290.2, 410.0, 355.4]) == "5m55s"
    assert suggested_estimate([0.2, 0.25]) == "225ms"
    assert suggested_estimate([0.0]) == "1ms"


def test_accuracy_from_journals() -> None:
    plan = model_plans()[0]  # review-all: analyze 5m, reviewers 6/5/5/5/6m, report 6m
    fast = {s: 0.5 * plan.planned(s).estimate for s in plan.order}
    slow = dict(fast, analyze=600.0, security=720.0)
    runs = [measure("r1", journal_events("r1", "review-all", fast, 510.0)),
            measure("r2", journal_events("r2", "review-all", slow, 900.0)),
            measure("r3", journal_events("r3", "review-all", {"analyze": 450.0}, 450.0)),
            measure("other", journal_events("other", "review-capped", fast, 1.0))]
    accuracy = build_report([plan], [run for run in runs if run]).workflows[0].accuracy
    assert accuracy is not None
    assert accuracy.runs == ("r1", "r2", "r3")
    assert (accuracy.complete_runs, accuracy.estimated, accuracy.actual, accuracy.error_pct) == (
        2,
        1020.0,
        705.0,
        -30.9,
    )
    rows = {row.step: row for row in accuracy.steps}
    assert [row.step for row in accuracy.steps] == list(plan.order)
    assert (rows["analyze"].samples, rows["analyze"].median, rows["analyze"].error_pct, rows["analyze"].suggested) == (
        3,
        450.0,
        50.0,
        "7m30s",
    )
    assert (
        rows["security"].samples,
        rows["security"].median,
        rows["security"].error_pct,
        rows["security"].suggested,
    ) == (2, 450.0, 25.0, "7m30s")
    assert (rows["quality"].median, rows["quality"].error_pct) == (180.0, -50.0)
    assert accuracy.furthest_off == ("analyze", "architecture", "best-practices", "performance", "quality")


def test_a_resumed_or_failed_run_measures_steps_but_no_makespan() -> None:
    events = journal_events("r", "demo", {"a": 2.0}, 2.0)
    resumed = events[:3] + [dict(events[0], resumed=True)] + events[3:]
    failed = events[:-1] + [dict(events[-1], status="failed")]
    torn = [{"event": "step_finished", "step": "a", "t": 3.5}, {"event": "run_started"}]
    assert measure("r", resumed).elapsed is None and measure("r", resumed).durations == {"a": 2.0}
    assert measure("r", failed).elapsed is None
    assert measure("r", torn) is None
    no_duration = [
        e if e["event"] != "step_finished" else {k: v for k, v in e.items() if k != "duration"} for e in events
    ]
    assert measure("r", no_duration).durations == {"a": 2.0}


def test_defaults_keep_report_data_frozen() -> None:
    report = build_report(model_plans()).workflows[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.name = "x"  # type: ignore[misc]
    assert asdict(replace(report, plan=None))["name"] == report.name


def test_cost_and_tokens_per_step_are_medians_of_what_journals_report() -> None:
    """`cost_usd` as agent steps journal it today; `tokens_in`/`tokens_out` (or the API's
    `input_tokens`/`output_tokens`) where a runtime adds them; steps that report nothing have None."""
    plan = model_plans()[0]
    durations = {s: plan.planned(s).estimate for s in plan.order}

    def run(run_id: str, cost: float, tokens: bool) -> object:
        events = journal_events(run_id, "review-all", durations, 1020.0)
        for event in events:
            if event.get("step") == "analyze" and event["event"] == "step_finished":
                event["cost_usd"] = cost
                if tokens:
                    event.update(tokens_in=12000, output_tokens=800)
        return measure(run_id, events)

    runs = [run("r1", 0.25, True), run("r2", 0.75, False), run("r3", 0.5, False)]
    assert runs[0].usage["analyze"].tokens_out == 800.0 and "report" not in runs[0].usage
    rows = {row.step: row for row in build_report([plan], runs).workflows[0].accuracy.steps}
    assert (rows["analyze"].cost_usd, rows["analyze"].tokens_in, rows["analyze"].tokens_out) == (0.5, 12000.0, 800.0)
    assert (rows["report"].cost_usd, rows["report"].tokens_in) == (None, None)
    bad = journal_events("r4", "review-all", {"analyze": 1.0}, 1.0)
    bad[2].update(cost_usd="free", tokens_in=True, tokens_out=-3)
    assert measure("r4", bad).usage == {}


def test_spend_sums_every_attempt_per_step_and_per_run() -> None:
    """`agent_attempt` events, failed attempts and every session included; an instance of a map node
    counts toward the node; a compensation toward the run alone; a journal without attempts falls
    back to its ended events, summed over sessions."""
    from wfc.report.spending import StepUsage

    plan = model_plans()[0]
    durations = {s: plan.planned(s).estimate for s in plan.order}
    events = journal_events("r1", "review-all", durations, 1020.0)

    def attempt(step: str, number: int, cost: float, **more: object) -> dict:
        return {"event": "agent_attempt", "step": step, "attempt": number, "ok": number == 2, "cost_usd": cost,
                "tokens_in": 1000, "tokens_out": 100, "tokens_cache_read": 50, "tokens_cache_write": 5, **more}

    events += [attempt("analyze", 1, 0.25), attempt("analyze", 2, 0.5),
               attempt("security[api]", 2, 0.125, map="security"), attempt("report", 2, 0.0625, compensation=True)]
    run = measure("r1", events)
    assert run.usage == {
        "analyze": StepUsage(0.75, 2000.0, 200.0, 100.0, 10.0, 2),
        "security": StepUsage(0.125, 1000.0, 100.0, 50.0, 5.0, 1)}
    assert run.spent == StepUsage(0.9375, 4000.0, 400.0, 200.0, 20.0, 4)
    old = journal_events("r0", "review-all", durations, 1020.0)
    for event in old:
        if event.get("step") == "analyze" and event["event"] == "step_finished":
            event.update(cost_usd=0.5, tokens_in=10, output_tokens=2)
    old.append({"event": "step_failed", "step": "analyze", "cost_usd": 0.25, "tokens_in": 5, "t": 9.0})
    assert measure("r0", old).usage == {"analyze": StepUsage(0.75, 15.0, 2.0)}
    spending = build_report([plan], [measure("r0", old), run]).workflows[0].accuracy.spending
    assert [(row.step, row.runs, row.usage) for row in spending.steps] == [
        ("analyze", 2, StepUsage(1.5, 2015.0, 202.0, 100.0, 10.0, 2)),
        ("security", 1, StepUsage(0.125, 1000.0, 100.0, 50.0, 5.0, 1))]
    assert [(row.run_id, row.usage.cost_usd) for row in spending.runs] == [("r0", 0.75), ("r1", 0.9375)]
    assert spending.total == StepUsage(1.6875, 4015.0, 402.0, 200.0, 20.0, 4)
    assert build_report([plan], [measure("r2", journal_events("r2", "review-all", durations, 1.0))]
                        ).workflows[0].accuracy.spending is None
