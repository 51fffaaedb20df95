"""`wfc runs`, `runs show`, `runs logs` and `runs prune` on a state directory of real runs: one that
succeeded, one that failed and was resumed to success, one that failed, with shell, agent and
Python steps, retries and a cache hit. The journals and kept output are the runtime's own; only
their clock readings are replaced by fixed ones (and the runs renamed in the order they ran), so
the output can be asserted to the byte without asserting wall-clock times."""
from __future__ import annotations

import json
import pickle
import signal
import subprocess
import time
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from click.testing import CliRunner, Result

from runtime_support import FAKE_CLAUDE, PYTHON, Workspace
from wfc.analysis.plan import Plan
from wfc.cli import cli
from wfc.runtime.journal import encode, read_events
from wfc.report.history import read_runs
from wfc.runtime.step_logs import HEAD, LIMIT, LOG_FILE, KeptStream, read_log, read_records

RELEASE = """
    version: 1
    title: Release
    description: d
    max_parallel: 1
    arguments:
      channel: {description: c, default: beta}
    context:
      notes: {description: n}
      version: {description: v}
    steps:
      build: {title: Build, run: 'echo built; echo compiling >&2', estimate: 2s}
      notes:
        title: Notes
        prompt: |
          Notes for {{ step.id }}
          fake-claude: result Notes for {{ step.id }}
          fake-claude: tokens 100 50 1500 120
        outputs: [notes]
        needs: [build]
        estimate: 30s
      version: {title: Version, call: 'release_steps:version', outputs: [version], needs: [build], estimate: 1s}
      test:
        title: Test
        run: 'test -f go || { echo "3 tests failed" >&2; exit 3; }; echo all passed'
        needs: [build]
        retry: {attempts: 2, backoff: 0s}
        estimate: 4s
      ship: {title: Ship, run: 'echo shipped to {{ args.channel }}', needs: [test, notes, version], estimate: 1s}
"""
IDS = ["20261202T090000", "20261202T091500", "20261202T093000"]


def settle(state: Path) -> None:
    """Each session's events 0.25 s apart, each ended step's duration measured on that clock, the
    runs renamed to IDS in the order they ran. A step's process ids are journaled the moment it
    starts, and an agent attempt's spend the moment it ends, so they share the reading before them."""
    for new_id, folder in zip(IDS, sorted((state / "runs").iterdir())):
        lines: List[str] = []
        index, began = 0, {}
        for event in read_events(folder / "journal.jsonl"):
            advances = event["event"] not in ("step_process", "agent_attempt")
            index = 0 if event["event"] == "run_started" else index + advances
            event["t"] = index * 0.25
            if event["event"] == "step_started":
                began[event["step"]] = event["t"]
            if "duration" in event:
                event["duration"] = event["t"] - began[event["step"]]
            lines.append(encode(event))
        (folder / "journal.jsonl").write_text("\n".join(lines) + "\n")
        folder.rename(folder.parent / new_id)


@pytest.fixture
def runs(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    (ws.root / "release_steps.py").write_text("def version(inputs, args):\n    return {'major': 1, 'minor': 4}\n")
    monkeypatch.syspath_prepend(str(ws.root))
    plan = ws.plan(RELEASE, "release")
    agent = FAKE_CLAUDE
    (ws.root / "go").write_text("")
    assert ws.run(plan, agent_command=agent).status == "succeeded"
    (ws.root / "go").unlink()
    assert ws.run(plan, agent_command=agent).status == "failed"
    (ws.root / "go").write_text("")
    assert ws.run(plan, agent_command=agent, resume="").status == "succeeded"
    (ws.root / "go").unlink()
    assert ws.run(plan, agent_command=agent, no_cache=True).status == "failed"
    settle(ws.state)
    return ws


def wfc(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_runs_lists_newest_first(runs: Workspace) -> None:
    done = wfc("runs")
    assert done.exit_code == 0, done.output
    assert done.stdout == (
        "run              workflow  status     steps  sessions  started (UTC)        duration     cost\n"
        "20261202T093000  release   failed       2/5         1  2026-12-02 09:30:00        2s  $0.0125\n"
        "20261202T091500  release   succeeded    5/5         2  2026-12-02 09:15:00        4s        -\n"
        "20261202T090000  release   succeeded    5/5         1  2026-12-02 09:00:00        3s  $0.0125\n")


def test_runs_show_a_resumed_run(runs: Workspace) -> None:
    """Steps the first session finished (or found cached) keep its word; `test` failed twice in the
    first session and passed in the second: three attempts."""
    done = wfc("runs", "show", IDS[1])
    assert done.exit_code == 0, done.output
    assert done.stdout == (
        "run 20261202T091500 of release: succeeded, 5 of 5 steps done, 2 sessions, started 2026-12-02 09:15:00 UTC, "
        "took 4s, cost -, tokens -, cache tokens -\n"
        'arguments: channel="beta"\n'
        "\n"
        "step     status    attempts  session   start  duration  estimate"
        "  vs estimate  cost  tokens  cache tokens  cache\n"
        "build    finished         1        1  +250ms     250ms        2s"
        "      -87.5 %     -       -             -  -\n"
        "notes    cached           -        1       -         -       30s"
        "            -     -       -             -  hit\n"
        "test     finished         3        2     +1s     250ms        4s"
        "      -93.8 %     -       -             -  -\n"
        "version  cached           -        1       -         -        1s"
        "            -     -       -             -  hit\n"
        "ship     finished         1        2     +2s     250ms        1s"
        "        -75 %     -       -             -  -\n")


def test_runs_show_a_failed_run_and_its_errors(runs: Workspace) -> None:
    done = wfc("runs", "show", IDS[2])
    assert done.exit_code == 0, done.output
    assert done.stdout == (
        "run 20261202T093000 of release: failed, 2 of 5 steps done, 1 session, started 2026-12-02 09:30:00 UTC, "
        "took 2s, cost $0.0125, tokens 100/50, cache tokens 1.5k/120\n"
        'arguments: channel="beta"\n'
        "\n"
        "step     status    attempts   start  duration  estimate"
        "  vs estimate     cost  tokens  cache tokens  cache\n"
        "build    finished         1  +250ms     250ms        2s"
        "      -87.5 %        -       -             -  -\n"
        "notes    finished         1  +750ms     250ms       30s"
        "      -99.2 %  $0.0125  100/50      1.5k/120  -\n"
        "test     failed           2     +1s     500ms        4s"
        "      -87.5 %        -       -             -  -\n"
        "version  not run          -       -         -        1s"
        "            -        -       -             -  -\n"
        "ship     not run          -       -         -        1s"
        "            -        -       -             -  -\n"
        "\n"
        "errors:\n"
        "  test: command exited with status 3: 3 tests failed\n")


def test_runs_logs_shows_every_attempt_across_sessions(runs: Workspace) -> None:
    done = wfc("runs", "logs", IDS[1], "test")
    assert done.exit_code == 0, done.output
    assert done.stdout == (
        "step test of run 20261202T091500: finished, 3 attempts kept\n"
        "=== attempt 1 (failed)\n--- stdout (0 bytes)\n--- stderr (15 bytes)\n3 tests failed\n"
        "=== attempt 2 (failed)\n--- stdout (0 bytes)\n--- stderr (15 bytes)\n3 tests failed\n"
        "=== attempt 3 (succeeded)\n--- stdout (11 bytes)\nall passed\n--- stderr (0 bytes)\n")
    assert wfc("runs", "logs", IDS[1], "test", "--stream", "stdout").stdout == "all passed\n"
    assert wfc("runs", "logs", IDS[1], "test", "--attempt", "1", "--stream", "stderr").stdout == "3 tests failed\n"


def test_runs_logs_shows_an_agents_and_a_python_steps_result(runs: Workspace) -> None:
    agent = wfc("runs", "logs", IDS[0], "notes")
    assert agent.stdout == ("step notes of run 20261202T090000: finished, 1 attempt kept\n"
                            "=== attempt 1 (succeeded)\n--- result (15 bytes)\nNotes for notes\n--- stderr (0 bytes)\n")
    raw = json.loads(wfc("runs", "logs", IDS[0], "notes", "--stream", "stdout").stdout)
    assert raw["result"] == "Notes for notes" and raw["total_cost_usd"] == 0.0125  # Claude's JSON as printed
    python = wfc("runs", "logs", IDS[0], "version", "--stream", "result")
    assert python.stdout == '{\n  "major": 1,\n  "minor": 4\n}'
    cached = wfc("runs", "logs", IDS[1], "notes")
    assert cached.stdout == ('step notes of run 20261202T091500 has no output to show: it was a cache hit, so nothing '
                             'ran; its outputs: {"notes": "Notes for notes"}\n')


@pytest.mark.parametrize("args, message", [
    (["runs", "show", "20261202T09150"], "20261202T09150 starts 1 run"),
    (["runs", "show", "20261202T091600"],
     "error: no run 20261202T091600 under .wfc/runs: did you mean 20261202T091500? (`wfc runs` lists them)\n"),
    (["runs", "show", "2026"],
     "error: 2026 starts 3 run ids under .wfc/runs (20261202T093000, 20261202T091500, 20261202T090000): "
     "give more of the id\n"),
    (["runs", "logs", "latest", "tset"], "error: run 20261202T093000 (release) has no step tset: did you mean test?\n"),
    (["runs", "logs", "latest", "zzz"], "error: run 20261202T093000 (release) has no step zzz: "
                                        "its steps: build, notes, test, version, ship\n"),
    (["runs", "logs", "latest", "test", "--attempt", "3"],
     "error: step test of run 20261202T093000 kept 2 attempt(s), not an attempt 3\n"),
    (["runs", "shwo", "x"], "error: `wfc runs` has no command `shwo`: did you mean `wfc runs show`? "
                            "(commands: logs, prune, show)\n"),
    (["runs", IDS[0]], f"error: `wfc runs` has no command `{IDS[0]}`: to see a run, `wfc runs show {IDS[0]}` "
                       "(commands: logs, prune, show)\n"),
])
def test_unknown_runs_and_steps_say_what_was_meant(runs: Workspace, args: List[str], message: str) -> None:
    done = wfc(*args)
    if message.startswith("error:"):
        assert (done.exit_code, done.stdout, done.stderr) == (2, "", message)
    else:  # a unique start of an id names that run
        assert done.exit_code == 0 and done.stdout.startswith("run 20261202T091500 of release")


def test_no_runs_yet(ws: Workspace) -> None:
    assert wfc("runs").stdout == "no runs under .wfc/runs (`wfc run WORKFLOW` starts one)\n"
    done = wfc("runs", "show", "latest")
    assert (done.exit_code, done.stderr) == (
        2, "error: no run latest under .wfc/runs: there are no runs yet (`wfc run WORKFLOW` starts one)\n")


def test_json_output_has_the_figures_unformatted(runs: Workspace) -> None:
    listed = json.loads(wfc("runs", "--format", "json").stdout)["runs"]
    assert [(run["run_id"], run["status"], run["sessions"], run["steps_done"], run["cost_usd"]) for run in listed] == [
        (IDS[2], "failed", 1, 2, 0.0125), (IDS[1], "succeeded", 2, 5, None), (IDS[0], "succeeded", 1, 5, 0.0125)]
    shown = json.loads(wfc("runs", "show", IDS[1], "--format", "json").stdout)
    steps: Dict[str, Dict[str, object]] = {step["step"]: step for step in shown["steps"]}
    assert steps["test"] == {"step": "test", "status": "finished", "attempts": 3, "session": 2, "start": 1.0,
                             "duration": 0.25, "estimate": 4.0, "cache_hit": False, "cost_usd": None,
                             "tokens_in": None, "tokens_out": None, "tokens_cache_read": None,
                             "tokens_cache_write": None, "error": None, "outputs": {}}
    assert steps["notes"]["cache_hit"] is True and steps["notes"]["outputs"] == {"notes": "Notes for notes"}
    failed = json.loads(wfc("runs", "show", IDS[2], "--format", "json").stdout)
    notes = next(step for step in failed["steps"] if step["step"] == "notes")
    usage = ("tokens_in", "tokens_out", "tokens_cache_read", "tokens_cache_write")
    assert [notes[name] for name in usage] == [failed[name] for name in usage] == [100, 50, 1500, 120]
    logs = json.loads(wfc("runs", "logs", IDS[1], "test", "--format", "json").stdout)
    assert [(a["number"], a["attempt"], a["ok"], a["stderr"]["text"]) for a in logs["attempts"]] == [
        (1, 1, False, "3 tests failed\n"), (2, 2, False, "3 tests failed\n"), (3, 1, True, "")]


def test_prune_keeps_the_newest_runs_and_removes_the_rest_with_their_output(runs: Workspace) -> None:
    done = wfc("runs", "prune", "--keep", "1")
    assert done.stdout == (f"removed run {IDS[1]} (succeeded)\nremoved run {IDS[0]} (succeeded)\n"
                           "kept 1 run, removed 2\n")
    assert sorted(path.name for path in (runs.state / "runs").iterdir()) == [IDS[2]]
    assert wfc("runs", "prune", "--keep", "1").stdout == "kept 1 run, removed 0\n"


def test_a_long_output_keeps_its_head_and_tail_and_says_what_was_cut(ws: Workspace) -> None:
    plan = ws.plan("""
        version: 1
        title: Loud
        description: d
        steps:
          loud: {title: Loud, run: 'seq 1 200000; seq 1 100000 >&2'}
    """)
    result = ws.run(plan)
    assert result.run_dir is not None
    [record] = read_log(result.run_dir)
    stdout, stderr = record.streams
    printed = "".join(f"{number}\n" for number in range(1, 200001))
    cut = len(printed) - LIMIT
    note = f"\n[wfc: {cut:,} bytes cut here; the first {HEAD:,} and the last {LIMIT - HEAD:,} bytes are kept]\n"
    assert stdout == KeptStream("stdout", printed[:HEAD] + note + printed[-(LIMIT - HEAD):], len(printed), cut)
    assert (stderr.size, stderr.cut) == (len("".join(f"{n}\n" for n in range(1, 100001))), 588895 - LIMIT)
    shown = wfc("runs", "logs", "latest", "loud").stdout.splitlines()
    assert shown[2] == f"--- stdout ({len(printed):,} bytes, {cut:,} cut)"
    assert result.outputs == {} and result.status == "succeeded"


def test_output_that_is_not_utf8_is_kept_with_replacement_characters(ws: Workspace) -> None:
    plan = ws.plan("""
        version: 1
        title: Bytes
        description: d
        steps:
          raw: {title: Raw, run: 'printf "ok \\377\\376 end\\n"; printf "err \\377\\n" >&2'}
    """)
    assert ws.run(plan).status == "succeeded"
    assert wfc("runs", "logs", "latest", "raw").stdout.split("\n", 1)[1] == (
        "=== attempt 1 (succeeded)\n--- stdout (14 bytes)\nok \ufffd\ufffd end\n--- stderr (8 bytes)\nerr \ufffd\n")


def test_logs_survive_a_kill_a_torn_tail_and_a_resume(ws: Workspace) -> None:
    plan = ws.plan("""
        version: 1
        title: Killed
        description: d
        steps:
          first: {title: First, run: 'echo first ran'}
          wait: {title: Wait, run: 'while [ ! -f go ]; do sleep 0.05; done; echo waited', needs: [first]}
    """, "killed")
    process = running_in_background(ws, plan, "wait")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    [run_dir] = (ws.state / "runs").iterdir()
    with open(run_dir / LOG_FILE, "ab") as log:  # what a kill in the middle of a record leaves
        log.write(b'{"attempt": 1, "ok": true, "step": "wait", "stdout": {"bytes": 7, "cut": 0, "kept": 7}}\nwai')
    first = "=== attempt 1 (succeeded)\n--- stdout (10 bytes)\nfirst ran\n--- stderr (0 bytes)\n"
    assert wfc("runs", "logs", "latest", "first").stdout.split("\n", 1)[1] == first
    assert wfc("runs", "logs", "latest", "wait").stdout == (
        f"step wait of run {run_dir.name} has no output to show: its first attempt has not ended\n")
    (ws.root / "go").write_text("")
    assert ws.run(plan, resume="").status == "succeeded"
    assert wfc("runs", "logs", "latest", "first").stdout.split("\n", 1)[1] == first
    assert wfc("runs", "logs", "latest", "wait").stdout.split("\n", 1)[1] == (
        "=== attempt 1 (succeeded)\n--- stdout (7 bytes)\nwaited\n--- stderr (0 bytes)\n")
    data = (run_dir / LOG_FILE).read_bytes()
    assert read_records(data)[1] == len(data)  # the torn record was cut before the resume appended


def test_an_unreadable_journal_is_one_clear_error(ws: Workspace) -> None:
    (ws.state / "runs" / IDS[0] / "journal.jsonl").mkdir(parents=True)
    done = wfc("runs")
    assert (done.exit_code, done.stderr) == (
        1, f"error: cannot read the runs under .wfc/runs: Is a directory (.wfc/runs/{IDS[0]}/journal.jsonl)\n")


def statuses(state: Path, workflow: str) -> List[Tuple[str, str]]:
    return [(step.status, step.step) for run in read_runs(state) if run.workflow == workflow for step in run.steps]


def running_in_background(ws: Workspace, plan: Plan, step: str) -> "subprocess.Popen[bytes]":
    """A run of `plan` in a process of its own (tests/runtime/runner.py), returned once `step` is
    running (every step before it has ended)."""
    (ws.root / "plan.pickle").write_bytes(pickle.dumps(plan))
    runner = str(Path(__file__).resolve().parent / "runner.py")
    process = subprocess.Popen([PYTHON, runner, "plan.pickle", "--progress", "none"], cwd=ws.root)
    deadline = time.monotonic() + 60
    while ("running", step) not in statuses(ws.state, plan.workflow.name) and time.monotonic() < deadline:
        time.sleep(0.05)
    return process


def test_prune_keeps_a_run_that_is_still_running(ws: Workspace) -> None:
    done = ws.run(ws.plan("version: 1\ntitle: T\ndescription: d\nsteps:\n  a: {title: A, run: 'true'}\n", "quick"))
    plan = ws.plan("""
        version: 1
        title: Waits
        description: d
        steps:
          wait: {title: Wait, run: 'while [ ! -f go ]; do sleep 0.05; done'}
    """, "waits")
    process = running_in_background(ws, plan, "wait")
    try:
        (running,) = [run.run_id for run in read_runs(ws.state) if run.workflow == "waits"]
        pruned = wfc("runs", "prune", "--keep", "0")
    finally:
        (ws.root / "go").write_text("")
        process.wait(timeout=60)
    assert pruned.stdout == (f"removed run {done.run_id} (succeeded)\nkept run {running}: it is still running\n"
                             "kept 1 run, removed 1\n")
    assert [run.run_id for run in read_runs(ws.state)] == [running]
