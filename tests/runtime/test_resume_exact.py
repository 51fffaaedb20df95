"""Resume is exact: this workflow's runs only, compensated and changed steps run again, a lost
journal is an error, and one run of a workflow at a time per state directory."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runtime_support import Workspace
from test_resume import start
from wfc.diagnostics.errors import UsageError

ON_BOTH_BACKENDS = True  # each `ws` test runs on threads and on an in-process Dask cluster

SAGA = """
    version: 1
    title: Saga
    description: d
    max_parallel: 1
    on_failure: {compensate: true}
    steps:
      create: {title: Create, run: 'echo x >> marks/create', compensate: {run: 'echo create >> marks/undo'}}
      plain: {title: Plain, run: 'echo x >> marks/plain', needs: [create]}
      publish: {title: Publish, run: 'echo x >> marks/publish; test -f fixed', needs: [plain]}
"""


def test_a_compensated_step_is_not_done_and_runs_again_on_resume(ws: Workspace) -> None:
    plan = ws.plan(SAGA)
    failed = ws.run(plan)
    assert failed.status == "failed"
    assert (ws.root / "marks" / "undo").read_text() == "create\n"
    (ws.root / "fixed").touch()
    resumed = ws.run(plan, resume="")
    assert resumed.status == "succeeded" and resumed.run_id == failed.run_id
    # create was undone: it runs again; plain has no undo, so what it did still stands
    assert ws.markers() == {"create": 2, "plain": 1, "publish": 2, "undo": 1}
    assert {step: outcome.status for step, outcome in resumed.outcomes.items()} == {
        "create": "finished", "plain": "resumed", "publish": "finished"}


CHAIN = """
    version: 1
    title: Edited
    description: d
    arguments:
      target: {{description: t, default: one}}
    steps:
      build: {{title: Build, run: 'echo {build} >> marks/build'}}
      lint: {{title: Lint, run: 'echo x >> marks/lint'}}
      test: {{title: Test, run: 'echo x >> marks/test', needs: [build]}}
      ship: {{title: Ship, run: 'echo {{{{ args.target }}}} >> marks/ship; test -f fixed', needs: [test, lint]}}
"""


def test_an_edited_step_and_its_dependents_run_again_and_resume_says_which(ws: Workspace) -> None:
    failed = ws.run(ws.plan(CHAIN.format(build="v1")))
    assert failed.status == "failed"
    (ws.root / "fixed").touch()
    resumed = ws.run(ws.plan(CHAIN.format(build="v2")), resume="")
    assert resumed.status == "succeeded"
    assert ws.markers() == {"build": 2, "lint": 1, "test": 2, "ship": 2}
    assert (ws.root / "marks" / "build").read_text() == "v1\nv2\n"
    assert resumed.notes == (f"resume: changed since run {failed.run_id} did them, so running again: "
                             "build (its definition changed); test (upstream `build` runs again)",)
    notes = [e["message"] for e in ws.events(resumed) if e["event"] == "resume_note"]
    assert notes == list(resumed.notes)


def test_resuming_with_another_argument_value_reruns_only_its_readers(ws: Workspace) -> None:
    plan = ws.plan(CHAIN.format(build="v1").replace("test -f fixed", "test -f fixed-$(cat marks/build)"))
    (ws.root / "fixed-v1").touch()
    first = ws.run(plan)
    assert first.status == "succeeded"
    second = ws.run(plan, resume="", args={"target": "two"})
    assert second.status == "succeeded"
    assert ws.markers() == {"build": 1, "lint": 1, "test": 1, "ship": 2}
    assert (ws.root / "marks" / "ship").read_text() == "one\ntwo\n"
    assert second.notes == (f"resume: changed since run {first.run_id} did them, so running again: "
                            "ship (argument `target` changed)",)


def one_step(title: str) -> str:
    return f"version: 1\ntitle: {title}\ndescription: d\nsteps:\n  a: {{title: A, run: 'echo x >> marks/{title}'}}\n"


def test_resume_picks_this_workflows_latest_run_and_refuses_another_workflows(ws: Workspace) -> None:
    first = ws.plan(one_step("first"), name="first")
    second = ws.plan(one_step("second"), name="second")
    ran_first = ws.run(first)
    ran_second = ws.run(second)  # newer, in the same state directory
    assert ran_first.run_id != ran_second.run_id
    resumed = ws.run(first, resume="")
    assert resumed.run_id == ran_first.run_id
    assert ws.markers() == {"first": 1, "second": 1}
    with pytest.raises(UsageError) as caught:
        ws.run(first, resume=ran_second.run_id)
    assert caught.value.message == (
        f"run {ran_second.run_id} is a run of workflow `second`, not `first`: resume it with "
        f"`wfc run second --resume {ran_second.run_id}`, or resume a run of `first`")
    third = ws.plan(one_step("third"), name="third")
    with pytest.raises(UsageError) as caught:
        ws.run(third, resume="")
    assert caught.value.message == (f"no run of workflow `third` to resume under {ws.state / 'runs'} "
                                    "(runs: none)")


def test_a_lost_journal_is_an_error_not_a_fallback_to_an_older_run(ws: Workspace) -> None:
    plan = ws.plan(one_step("flow"))
    older = ws.run(plan)
    newer = ws.run(plan)
    assert older.run_id < newer.run_id
    journal = ws.state / "runs" / newer.run_id / "journal.jsonl"
    journal.unlink()
    with pytest.raises(UsageError) as caught:
        ws.run(plan, resume="")
    assert caught.value.message == (f"run {newer.run_id} cannot be resumed: its journal {journal} is missing; "
                                    "start a new run (without --resume)")
    journal.write_bytes(b"\xff\xfe not a journal\n")
    with pytest.raises(UsageError) as caught:
        ws.run(plan, resume=newer.run_id)
    assert caught.value.message == (f"run {newer.run_id} cannot be resumed: its journal {journal} holds no "
                                    "run_started event; start a new run (without --resume)")
    assert ws.markers() == {"flow": 2}


def test_two_runs_in_one_second_get_their_own_ids_and_journals(ws: Workspace) -> None:
    plan = ws.plan(one_step("flow"))
    ids = [ws.run(plan).run_id for _ in range(3)]
    assert len(set(ids)) == 3
    assert sorted(path.parent.name for path in (ws.state / "runs").glob("*/journal.jsonl")) == sorted(ids)
    assert all(json.loads((ws.state / "runs" / run_id / "run.json").read_text()) ==
               {"run_id": run_id, "workflow": "flow"} for run_id in ids)


HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(0.5)
"""


def test_a_killed_runs_lock_still_held_by_a_child_on_its_way_out_is_waited_for(ws: Workspace) -> None:
    """A run killed while forking a step leaves the forked child holding the lock until it exits;
    the lock names the killed run's pid, which is dead, so the next run waits for the child."""
    plan = ws.plan(one_step("killed"), name="killed")
    lock = ws.state / "locks" / "killed.lock"
    lock.parent.mkdir(parents=True)
    lock.write_text(json.dumps({"pid": gone_pid(), "run_id": "r"}))
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "held\n"
        assert ws.run(plan).status == "succeeded"
    finally:
        child.wait(30)


def gone_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_one_run_at_a_time_per_workflow_and_state_directory(ws: Workspace) -> None:
    slow = ws.plan("version: 1\ntitle: T\ndescription: d\nsteps:\n"
                   "  a: {title: A, run: 'touch marks/started; sleep 30'}\n", name="slow")
    running = start(ws, slow)
    try:
        while not (ws.root / "marks" / "started").exists():
            assert running.poll() is None, running.communicate()
            time.sleep(0.01)
        (run_dir,) = (ws.state / "runs").iterdir()
        for resume in (None, ""):
            with pytest.raises(UsageError) as caught:
                ws.run(slow, resume=resume)
            assert caught.value.message == (
                f"workflow `slow` is already running in {ws.state} (run {run_dir.name}, pid {running.pid}): "
                "wait for it to finish, or stop it")
        other = ws.run(ws.plan(one_step("other"), name="other"))  # another workflow may run meanwhile
        assert other.status == "succeeded"
    finally:
        running.send_signal(signal.SIGTERM)
        _, err = running.communicate(timeout=30)
    assert running.returncode == 143, err
    assert err.endswith(f"run {run_dir.name} cancelled (SIGTERM) in " + err.split(" in ")[-1])
    assert len(list((ws.state / "runs").iterdir())) == 2


def test_sighup_stops_the_run_compensates_and_exits_129(ws: Workspace) -> None:
    plan = ws.plan("""
        version: 1
        title: Hang up
        description: d
        on_failure: {compensate: true}
        steps:
          done: {title: Done, run: 'true', compensate: {run: 'echo undone >> marks/undo'}}
          hang: {title: Hang, run: 'touch marks/hang; sleep 30', needs: [done]}
    """)
    process = start(ws, plan)
    while not (ws.root / "marks" / "hang").exists():
        time.sleep(0.01)
    process.send_signal(signal.SIGHUP)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 129, err
    (journal,) = (ws.state / "runs").glob("*/journal.jsonl")
    events = [json.loads(line) for line in journal.read_text().splitlines()]
    assert events[-1]["status"] == "cancelled" and events[-1]["signal"] == "SIGHUP"
    assert (ws.root / "marks" / "undo").read_text() == "undone\n"


def alive(pid: int) -> bool:
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def guard_of(pid: int) -> int:
    """The guard wfc started: its child whose command line is the guard's source."""
    for entry in Path("/proc").iterdir():
        try:
            parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if parent == pid and b"os.killpg" in command:
            return int(entry.name)
    raise AssertionError("no guard")


def test_resume_stops_leftovers_of_a_run_whose_guard_died_too(ws: Workspace) -> None:
    (ws.root / "escape.sh").write_text("setsid sh -c 'echo $$ > marks/escaped; exec sleep 60' &\nsleep 60\n")
    plan = ws.plan("version: 1\ntitle: Leftover\ndescription: d\nsteps:\n"
                   "  escape: {title: Escape, run: 'sh escape.sh'}\n")
    process = start(ws, plan)
    marker = ws.root / "marks" / "escaped"
    while not marker.exists() or not marker.read_text():
        assert process.poll() is None, process.communicate()
        time.sleep(0.01)
    escaped = int(marker.read_text())
    subprocess.run(["kill", "-KILL", str(guard_of(process.pid))], check=True)
    process.kill()
    process.communicate()
    time.sleep(0.2)
    assert alive(escaped)  # it left its group and wfc's guard is gone: only resume can stop it now
    resumed = start(ws, plan, "--resume")
    while not marker.exists() or marker.read_text() in ("", f"{escaped}\n"):
        assert resumed.poll() is None, resumed.communicate()
        time.sleep(0.01)
    assert not alive(escaped)  # stopped before the step started again
    again = int(marker.read_text())
    resumed.send_signal(signal.SIGTERM)
    _, err = resumed.communicate(timeout=30)
    (run_dir,) = (ws.state / "runs").iterdir()
    (note,) = [line for line in err.splitlines() if line.startswith("resume: stopped")]
    assert note.startswith("resume: stopped ") and str(escaped) in note
    assert f" leftover process(es) of run {run_dir.name} before resuming it (steps: escape; pids: " in note
    assert resumed.returncode == 143 and not alive(again)  # a stopped run leaves nothing behind either
