"""The journal's run header: which workflow source a run executed, so a report can tell whether
its measurements belong to the workflow as it is now."""
from __future__ import annotations

import hashlib

from conftest import Workspace
from wfc.report.runs import JournalDirectory

FLOW = "version: 1\ntitle: T\ndescription: d\nsteps:\n  a: {title: A, run: 'true'}\n"


def test_run_started_records_the_sha256_of_the_workflow_source(ws: Workspace) -> None:
    plan = ws.plan(FLOW)
    result = ws.run(plan)
    expected = hashlib.sha256(FLOW.encode("utf-8")).hexdigest()
    (header,) = [event for event in ws.events(result) if event["event"] == "run_started"]
    assert header["source_sha256"] == expected
    assert sorted(header) == ["args", "estimate", "event", "resumed", "run_id", "source_sha256", "steps", "t",
                              "workflow"]
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
