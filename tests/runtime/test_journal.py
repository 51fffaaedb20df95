"""The journal's run header: which workflow source a run executed, so a report can tell whether
its measurements belong to the workflow as it is now."""
from __future__ import annotations

import hashlib

from runtime_support import Workspace
from wfc.report.runs import JournalDirectory

ON_BOTH_BACKENDS = True  # each `ws` test runs on threads and on an in-process Dask cluster

FLOW = "version: 1\ntitle: T\ndescription: d\nsteps:\n  a: {title: A, run: 'true'}\n"


def test_run_started_records_the_sha256_of_the_workflow_source(ws: Workspace) -> None:
    plan = ws.plan(FLOW)
    result = ws.run(plan)
    expected = hashlib.sha256(FLOW.encode("utf-8")).hexdigest()
    (header,) = [event for event in ws.events(result) if event["event"] == "run_started"]
    assert header["source_sha256"] == expected
    assert sorted(header) == ["args", "estimate", "event", "pid", "resumed", "run_id", "source_sha256",
                              "step_estimates", "steps", "t", "token", "workflow"]
    assert header["step_estimates"] == [["a", 60.0]]  # plan order, each step's estimate in seconds
    (measured,) = JournalDirectory(ws.state / "runs").runs()
    assert (measured.run_id, measured.source_sha256) == (result.run_id, expected)


def test_every_session_of_a_resumed_run_records_its_source(ws: Workspace) -> None:
    plan = ws.plan(FLOW.replace("run: 'true'", "run: 'test -f fixed'"))
    first = ws.run(plan)
    (ws.root / "fixed").touch()
    second = ws.run(plan, resume="")
    headers = [event for event in ws.events(second) if event["event"] == "run_started"]
    assert first.run_id == second.run_id
    assert [header["source_sha256"] for header in headers] == [plan.workflow.source_sha256] * 2
    assert [header["resumed"] for header in headers] == [False, True]


def test_a_finished_event_is_written_before_any_dependent_starts(ws: Workspace) -> None:
    # each step reads the journal from its own process: its dependency's step_finished must be there
    (ws.root / "check.sh").write_text(
        'grep "\\"event\\": \\"step_finished\\"" .wfc/runs/*/journal.jsonl'
        ' | grep -c "\\"step\\": \\"$1\\"" > marks/$2\n')
    steps = "\n".join(
        f"  s{i}: {{title: S{i}, run: 'sh check.sh s{i - 1} s{i}', needs: [s{i - 1}]}}" for i in range(1, 6)
    )
    steps = "  s0: {title: S0, run: 'true'}\n" + steps
    plan = ws.plan(f"version: 1\ntitle: T\ndescription: d\nsteps:\n{steps}\n")
    result = ws.run(plan)
    assert result.status == "succeeded", result.outcomes
    assert ws.markers() == {f"s{i}": 1 for i in range(1, 6)}
    assert all((ws.root / "marks" / f"s{i}").read_text() == "1\n" for i in range(1, 6))
