"""Compensation: completed steps are undone in reverse order of completion, each outcome
journaled, and one failing compensation does not stop the others."""
from __future__ import annotations

from runtime_support import Workspace

ON_BOTH_BACKENDS = True  # compensation and the cache are the client's, whatever runs the attempts

FLOW = """
    version: 1
    title: Saga
    description: d
    max_parallel: 1
    on_failure: {{compensate: {compensate}}}
    steps:
      create: {{title: Create, run: 'true', estimate: 5s, compensate: {{run: 'echo create >> marks/undo'}}}}
      plain: {{title: No undo, run: 'true', needs: [create], estimate: 4s}}
      fill: {{title: Fill, run: 'true', needs: [plain], estimate: 3s,
             compensate: {{run: 'echo fill >> marks/undo; exit 9'}}}}
      tag: {{title: Tag, run: 'true', needs: [fill], estimate: 2s,
            compensate: {{run: ['sh', '-c', 'echo tag >> marks/undo']}}}}
      publish: {{title: Publish, run: 'echo denied >&2; exit 1', needs: [tag], estimate: 1s,
                compensate: {{run: 'echo publish >> marks/undo'}}}}
"""


def test_compensations_run_in_reverse_completion_order_past_a_failing_one(ws: Workspace) -> None:
    result = ws.run(ws.plan(FLOW.format(compensate="true")))
    assert result.status == "failed"
    finished = [step for _, step in ws.kinds(result, "step_finished")]
    assert finished == ["create", "plain", "fill", "tag"]
    assert (ws.root / "marks" / "undo").read_text().split() == ["tag", "fill", "create"]
    outcomes = [(e["event"], e["step"], e.get("error")) for e in ws.events(result)
                if e["event"] in ("step_compensated", "compensation_failed")]
    assert outcomes == [("step_compensated", "tag", None),
                        ("compensation_failed", "fill", "command exited with status 9: (no output)"),
                        ("step_compensated", "create", None)]


def test_compensation_can_be_turned_off(ws: Workspace) -> None:
    result = ws.run(ws.plan(FLOW.format(compensate="false")))
    assert result.status == "failed"
    assert ws.kinds(result, "compensation_started") == []
    assert not (ws.root / "marks" / "undo").exists()


def test_a_successful_run_compensates_nothing(ws: Workspace) -> None:
    result = ws.run(ws.plan(FLOW.format(compensate="true").replace("echo denied >&2; exit 1", "true")))
    assert result.status == "succeeded"
    assert not (ws.root / "marks" / "undo").exists()


CACHED = """
    version: 1
    title: Cached saga
    description: d
    on_failure: {compensate: true}
    context:
      row: {description: r, ttl: 1h}
    steps:
      insert: {title: Insert, run: 'echo inserted >> marks/done; echo row-1', outputs: [row],
               compensate: {run: 'echo deleted >> marks/done'}}
      publish: {title: Publish, run: 'test -f go', needs: [insert]}
"""


def test_a_compensated_steps_cached_outputs_are_dropped_so_it_runs_again(ws: Workspace) -> None:
    plan = ws.plan(CACHED)
    (ws.root / "marks").mkdir(exist_ok=True)
    assert ws.run(plan).status == "failed"
    (ws.root / "go").write_text("")
    resumed = ws.run(plan, resume="")
    assert resumed.status == "succeeded"
    # the journal holds both sessions: the undone insert ran again rather than coming from the cache
    assert [step for _, step in ws.kinds(resumed, "step_finished")] == ["insert", "insert", "publish"]
    assert ws.kinds(resumed, "step_cache_hit") == []
    assert (ws.root / "marks" / "done").read_text().split() == ["inserted", "deleted", "inserted"]
    again = ws.run(plan)  # a new run: the entry the resumed run stored serves it
    assert [step for _, step in ws.kinds(again, "step_cache_hit")] == ["insert"]
