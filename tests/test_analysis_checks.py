"""Warnings from the analysis: exact text, codes, positions (with the ancestor fallback)."""
from __future__ import annotations

from factories import make_step, make_workflow
from wfc.analysis import analyze
from wfc.diagnostics import WARNING, Diagnostic
from wfc.model import Position

POSITIONS = {
    ("context", "data"): Position(4, 3),
    ("context", "data", "ttl"): Position(6, 10),
    ("steps", "late"): Position(20, 5),
    ("steps", "make", "outputs", 1): Position(12, 22),
}


def workflow(ttl: float, **make: object):
    return make_workflow([
        make_step("make", estimate=60, outputs=["data", "extra"], **make),
        make_step("slow", estimate=600),
        make_step("early", estimate=10, inputs=["data"]),
        make_step("late", estimate=10, inputs=["data"], needs=["slow"]),
    ], name="checks", context={"data": ttl}, positions=POSITIONS)


def test_short_ttl_warns_at_the_ttl_with_the_gap_to_the_last_reader() -> None:
    warnings = analyze(workflow(ttl=300)).warnings
    assert warnings[0] == Diagnostic(
        "WFC301", WARNING,
        "context 'data' must live 9m but its ttl is 5m: in the estimated schedule 'make' writes it at "
        "1m and its last reader 'late' starts at 10m",
        "workflows/checks.yaml", 6, 10,
        "raise `ttl` of 'data' to at least 9m, or let 'late' start earlier",
        ("context", "data", "ttl"),
    )


def test_a_ttl_that_covers_the_gap_exactly_is_fine() -> None:
    assert [w.code for w in analyze(workflow(ttl=540)).warnings] == ["WFC302"]
    assert [w.code for w in analyze(workflow(ttl=539)).warnings] == ["WFC301", "WFC302"]


def test_ttl_position_falls_back_to_the_context_entry() -> None:
    positions = {key: value for key, value in POSITIONS.items() if "ttl" not in key}
    flow = make_workflow(workflow(ttl=1).steps, name="checks", context={"data": 1}, positions=positions)
    first = analyze(flow).warnings[0]
    assert (first.code, first.line, first.column) == ("WFC301", 4, 3)


def test_unread_output_warns_at_the_output_entry() -> None:
    unread = [w for w in analyze(workflow(ttl=3600)).warnings if w.code == "WFC302"]
    assert unread == [Diagnostic(
        "WFC302", WARNING,
        "step 'make' writes context 'extra' but no step reads it: expected some step to list 'extra' "
        "in `inputs`",
        "workflows/checks.yaml", 12, 22,
        "add 'extra' to the `inputs` of the step that uses it, or drop it from the `outputs` of 'make'",
        ("steps", "make", "outputs", 1),
    )]


def test_defaulted_estimate_warns_at_the_step() -> None:
    flow = make_workflow([make_step("late", outputs=[]), make_step("other", estimate=5)], positions=POSITIONS)
    assert analyze(flow).warnings == (Diagnostic(
        "WFC303", WARNING,
        "step 'late' has no `estimate` (here or in `defaults`); the plan assumes 1m",
        "workflows/demo.yaml", 20, 5,
        "add `estimate:` to 'late' (for example `estimate: 5m`) or `defaults.estimate`, so the schedule "
        "and speedup figures rest on real durations",
        ("steps", "late"),
    ),)


def test_warnings_come_sorted_by_position() -> None:
    flow = make_workflow(workflow(ttl=1).steps + (make_step("late2"),), name="checks",
                         context={"data": 1}, positions=POSITIONS)
    assert [(w.line, w.code) for w in analyze(flow).warnings] == [(1, "WFC303"), (6, "WFC301"), (12, "WFC302")]
