"""Reading journals back for `wfc runs`: what the runtime's own runs cannot easily show on demand
(a session killed mid-step, tokens and cost on failed attempts, per-attempt records, a run without
a start), from journals written line by line."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

from click.testing import CliRunner

from wfc.cli import cli
from wfc.report.history import read_runs

KILLED = [  # the first session was killed while `review` retried; the second finished the run
    # (the killed session's attempt is counted from its `agent_attempt`: no step_failed says it)
    {"event": "run_started", "t": 0, "workflow": "review", "step_estimates": [["fetch", 60], ["review", 300]]},
    {"event": "step_started", "step": "fetch", "t": 0.5, "attempt": 1},
    {"event": "step_finished", "step": "fetch", "t": 2.5, "attempt": 1, "duration": 2.0},
    {"event": "step_started", "step": "review", "t": 2.5, "attempt": 1},
    {"event": "agent_attempt", "step": "review", "t": 50, "attempt": 1, "ok": False, "cost_usd": 0.1,
     "tokens_in": 300, "tokens_out": 50},
    {"event": "step_retried", "step": "review", "t": 50, "attempt": 2, "error": "agent exited with status 1"},
    {"event": "run_started", "t": 0, "workflow": "review", "step_estimates": [["fetch", 60], ["review", 300]]},
    {"event": "step_resumed", "step": "fetch", "t": 0.1},
    {"event": "step_started", "step": "review", "t": 0.1, "attempt": 1},
    {"event": "agent_attempt", "step": "review", "t": 30, "attempt": 1, "ok": False, "cost_usd": 0.2,
     "tokens_in": 1000, "tokens_out": 200, "tokens_cache_read": 8000},  # no cache write reported: `?`
    {"event": "step_retried", "step": "review", "t": 30, "attempt": 2, "error": "agent exited with status 1"},
    {"event": "agent_attempt", "step": "review", "t": 61, "attempt": 2, "ok": False, "cost_usd": 0.3,
     "tokens_in": 200, "tokens_out": 100},
    {"event": "step_failed", "step": "review", "t": 61, "attempt": 2, "duration": 60.9, "error": "agent reported an "
     "error: rate limited\nsecond line", "cost_usd": 0.5, "tokens_in": 1200, "tokens_out": 300},
    {"event": "run_finished", "t": 61.5, "status": "failed", "cache_hits": 0, "cache_misses": 0, "not_run": []},
]
RESUMED = [
    {"event": "run_started", "t": 0, "workflow": "review", "step_estimates": [["fetch", 60], ["review", 300]]},
    {"event": "step_started", "step": "review", "t": 0, "attempt": 1},
    {"event": "agent_attempt", "step": "review", "t": 100, "attempt": 1, "ok": False, "cost_usd": 0.25,
     "tokens_in": 10000, "tokens_out": 2500},
    {"event": "step_retried", "step": "review", "t": 100, "attempt": 2, "error": "agent exited with status 1"},
    {"event": "agent_attempt", "step": "review", "t": 400, "attempt": 2, "ok": True, "cost_usd": 0.75,
     "tokens_in": 4000, "tokens_out": 500},
    {"event": "step_finished", "step": "review", "t": 400, "attempt": 2, "duration": 400, "cost_usd": 1.0,
     "tokens_in": 14000, "tokens_out": 3000},
    {"event": "agent_attempt", "step": "review", "t": 401, "attempt": 1, "ok": True, "cost_usd": 0.5,
     "compensation": True},
]


def state(tmp_path: Path, runs: Dict[str, List[Dict[str, Any]]]) -> Path:
    for run_id, events in runs.items():
        folder = tmp_path / ".wfc" / "runs" / run_id
        folder.mkdir(parents=True)
        lines = [json.dumps(event) for event in events]
        (folder / "journal.jsonl").write_text("\n".join(lines) + "\n" + '{"event": "step_sta')  # a torn last line
    return tmp_path / ".wfc"


def test_a_killed_session_a_failed_retry_and_a_run_still_going(tmp_path: Path) -> None:
    folder = state(tmp_path, {"20261201T080000": KILLED, "20261201T090000": RESUMED,
                              "20261201T100000": [{"event": "step_started", "step": "x", "t": 0}]})
    runs = read_runs(folder)
    assert [(run.run_id, run.status, run.sessions) for run in runs] == [
        ("20261201T090000", "unfinished", 1), ("20261201T080000", "failed", 2)]  # no start, no run
    done = CliRunner().invoke(cli, ["runs", "show", "20261201T080000", "--state-dir", str(folder)])
    assert done.stdout == (
        "run 20261201T080000 of review: failed, 1 of 2 steps done, 2 sessions, started 2026-12-01 08:00:00 UTC, "
        "took 1m52s, cost $0.6000, tokens 1.5k/350, cache tokens 8.0k/?\n"
        "\n"
        "step    status    attempts  session   start  duration  estimate"
        "  vs estimate     cost    tokens  cache tokens  cache\n"
        "fetch   finished         1        1  +500ms        2s        1m"
        "      -96.7 %        -         -             -  -\n"
        "review  failed           4        2  +100ms      1m1s        5m"
        "      -79.7 %  $0.6000  1.5k/350        8.0k/?  -\n"
        "\n"
        "errors:\n"
        "  review: agent reported an error: rate limited …\n")
    going = CliRunner().invoke(cli, ["runs", "show", "20261201T090000", "--state-dir", str(folder),
                                     "--format", "json"])
    steps = {step["step"]: step for step in json.loads(going.stdout)["steps"]}
    assert (steps["fetch"]["status"], steps["review"]["status"]) == ("pending", "finished")
    assert (steps["review"]["cost_usd"], steps["review"]["tokens_in"], steps["review"]["tokens_out"]) == (
        1.0, 14000.0, 3000.0)  # each attempt's record added up, once
    (going_run,) = [run for run in json.loads(CliRunner().invoke(cli, ["runs", "--state-dir", str(folder),
                                                                       "--format", "json"]).stdout)["runs"]
                    if run["run_id"] == "20261201T090000"]
    assert going_run["cost_usd"] == 1.5  # the compensation's spending counts for the run, not the step


def test_a_step_left_running_by_a_finished_session_was_interrupted(tmp_path: Path) -> None:
    events = KILLED[:6] + [{"event": "run_finished", "t": 51, "status": "cancelled"}]
    (run,) = read_runs(state(tmp_path, {"20261201T080000": events}))
    assert [(step.step, step.status) for step in run.steps] == [("fetch", "finished"), ("review", "interrupted")]
    assert (run.status, run.duration, run.started) == ("cancelled", 51.0, "2026-12-01 08:00:00")


def test_runs_of_one_workflow_and_the_newest_few(tmp_path: Path) -> None:
    other = [{**event, "workflow": "deploy"} if event["event"] == "run_started" else event for event in RESUMED]
    folder = str(state(tmp_path, {"20261201T080000": KILLED, "20261201T090000": other, "20261201T100000": RESUMED}))
    listed = CliRunner().invoke(cli, ["runs", "--state-dir", folder, "--workflow", "review", "--limit", "1"])
    assert [line.split()[:2] for line in listed.stdout.splitlines()] == [["run", "workflow"],
                                                                         ["20261201T100000", "review"]]
    wrong = CliRunner().invoke(cli, ["runs", "--state-dir", folder, "--workflow", "reveiw"])
    assert (wrong.exit_code, wrong.stderr) == (
        2, f"error: no run of workflow reveiw under {folder}/runs: did you mean review?\n")
