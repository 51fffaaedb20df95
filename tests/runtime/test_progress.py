"""What a watcher sees: the TodoWrite task file, plain progress lines off a terminal, the JSON
event stream, and dry runs that execute nothing but replay the plan's schedule."""
from __future__ import annotations

import json
import pickle
import re
import subprocess
import threading
from pathlib import Path
from typing import Any, Dict, List

from runtime_support import PYTHON, Workspace
from wfc.runtime.journal import read_events
from wfc.runtime.progress import TodoFile

RUNNER = str(Path(__file__).resolve().parent / "runner.py")

TINY = """
    version: 1
    title: Tiny
    description: d
    arguments:
      ship: {type: boolean, default: false, description: Ship it}
    steps:
      a: {title: Build it, active: Building it, run: 'echo x > marks/a; cp todo.json marks/during_a.json', estimate: 2s}
      b:
        title: Test it
        active: Testing it
        run: 'echo x > marks/b; cp todo.json marks/during_b.json; echo boom >&2; exit 3'
        needs: [a]
        continue_on_error: true
        estimate: 1s
      c: {title: Ship it, active: Shipping it, run: 'echo x > marks/c', needs: [b], when: args.ship, estimate: 1s}
"""


def run_module(ws: Workspace, plan: Any, *args: str) -> subprocess.CompletedProcess:
    """A run in its own process, stdout and stderr piped: neither is a terminal."""
    pickled = ws.root / "plan.pickle"
    pickled.write_bytes(pickle.dumps(plan))
    return subprocess.run([PYTHON, RUNNER, str(pickled), *args], cwd=ws.root, capture_output=True, text=True,
                          timeout=60)


def todos(*states: str) -> Dict[str, List[Dict[str, str]]]:
    names = [("Build it", "Building it"), ("Test it", "Testing it"), ("Ship it", "Shipping it")]
    return {"todos": [{"content": content, "activeForm": active, "status": status}
                      for (content, active), status in zip(names, states)]}


def test_todo_json_statuses_go_pending_in_progress_completed(ws: Workspace) -> None:
    plan = ws.plan(TINY.replace("exit 3", "true"))
    todo = ws.root / "todo.json"
    TodoFile(plan, todo, {"ship": False})
    assert json.loads(todo.read_text()) == todos("pending", "pending", "pending")
    seen: List[Dict[str, Any]] = []
    problems: List[str] = []
    stop = threading.Event()

    def watch() -> None:  # a reader at arbitrary moments must always find a whole JSON file
        while not stop.is_set():
            text = todo.read_text(encoding="utf-8")
            try:
                seen.append(json.loads(text))
            except ValueError:
                problems.append(text)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        result = ws.run(plan, todo_json=todo)
    finally:
        stop.set()
        watcher.join()
    assert result.status == "succeeded"
    assert problems == [] and len(seen) > 0
    assert json.loads((ws.root / "marks/during_a.json").read_text()) == todos("in_progress", "pending", "pending")
    assert json.loads((ws.root / "marks/during_b.json").read_text()) == todos("completed", "in_progress", "pending")
    assert json.loads(todo.read_text()) == todos("completed", "completed", "completed")  # c was skipped: done
    order = ["pending", "in_progress", "completed"]
    for position in range(3):
        statuses = [order.index(snapshot["todos"][position]["status"]) for snapshot in seen]
        assert statuses == sorted(statuses), f"task {position} went backwards: {statuses}"


def test_a_failed_step_goes_back_to_pending_in_the_todo_list(ws: Workspace) -> None:
    plan = ws.plan(TINY.replace("continue_on_error: true", "continue_on_error: false"))
    todo = ws.root / "todo.json"
    result = ws.run(plan, todo_json=todo)
    assert result.status == "failed"
    assert json.loads(todo.read_text()) == todos("completed", "pending", "pending")
    assert todo.read_text().startswith('{\n  "todos": [\n    {\n      "content": "Build it",\n')


def test_plain_progress_lines_when_stderr_is_not_a_terminal(ws: Workspace) -> None:
    done = run_module(ws, ws.plan(TINY), "--todo-json", "todo.json")
    assert done.returncode == 0 and done.stdout == ""
    lines = done.stderr.splitlines()
    time_column = re.compile(r"^\[\d/3\] [ \d]{5}\.\d\ds ")
    assert all(time_column.match(line) for line in lines[:6]), lines
    masked = [line[:6] + "T" + line[15:] for line in lines[:6]]
    assert masked == [
        "[0/3] T start     a",
        "[1/3] T done      a",
        "[1/3] T start     b",
        "[1/3] T FAILED    b: command exited with status 3: boom",
        "[2/3] T skipped   c",
        "[2/3] T run succeeded (cache: 0 hits, 0 misses)",
    ]
    run_id = next((ws.state / "runs").iterdir()).name
    assert lines[6] == "step b failed after 1 attempt(s): command exited with status 3: boom"
    assert len(lines) == 8 and re.fullmatch(rf"run {run_id} succeeded in \d+\.\d\ds \(cache: 0 hits, 0 misses\)", lines[-1])


def test_events_jsonl_streams_exactly_the_journal(ws: Workspace) -> None:
    plan = ws.plan(TINY)
    done = run_module(ws, plan, "--events", "jsonl", "--progress", "none", "--todo-json", "todo.json")
    assert done.returncode == 0
    stream = [json.loads(line) for line in done.stdout.splitlines()]
    (run_dir,) = (ws.state / "runs").iterdir()
    assert stream == read_events(run_dir / "journal.jsonl")
    assert [(event["event"], event.get("step")) for event in stream] == [
        ("run_started", None), ("step_started", "a"), ("step_finished", "a"), ("step_started", "b"),
        ("step_failed", "b"), ("step_skipped", "c"), ("run_finished", None)]
    assert [sorted(event) for event in stream] == [
        ["args", "estimate", "event", "resumed", "run_id", "source_sha256", "steps", "t", "workflow"],
        ["attempt", "event", "step", "t"],
        ["attempt", "duration", "event", "step", "t"],
        ["attempt", "event", "step", "t"],
        ["attempt", "continue_on_error", "duration", "error", "event", "step", "t"],
        ["event", "step", "t"],
        ["cache_hits", "cache_misses", "event", "not_run", "status", "t"]]
    assert stream[0]["args"] == {"ship": False} and stream[0]["run_id"] == run_dir.name
    assert stream[4]["error"] == "command exited with status 3: boom"
    assert stream[-1]["status"] == "succeeded" and stream[-1]["not_run"] == []
    times = [event["t"] for event in stream]
    assert times == sorted(times)
    assert done.stdout.endswith("\n") and all(line.startswith("{") for line in done.stdout.splitlines())


PRIORITIES = """
    version: 1
    title: Rehearse
    description: d
    max_parallel: 1
    steps:
      x: {title: X, run: 'echo x > marks/x', estimate: 1s}
      y: {title: Y, run: 'echo x > marks/y', estimate: 3s}
      z: {title: Z, run: 'echo x > marks/z', estimate: 2s}
      w: {title: W, run: 'echo x > marks/w', needs: [x], estimate: 5s}
"""


def test_dry_run_prints_the_schedule_and_executes_nothing(ws: Workspace) -> None:
    done = run_module(ws, ws.plan(PRIORITIES), "--dry-run")
    assert done.returncode == 0
    assert done.stdout == ("step     start    finish\n"
                           "x           0s        1s\n"
                           "w           1s        6s\n"
                           "y           6s        9s\n"
                           "z           9s       11s\n"
                           "makespan 11s (critical path 6s, sequential 11s, speedup 1x)\n")
    assert re.fullmatch(r"run dry-run succeeded in \d+\.\d\ds \(cache: 0 hits, 0 misses\)\n", done.stderr)
    assert ws.markers() == {} and not ws.state.exists()


def test_dry_run_with_a_time_scale_replays_the_plans_order(ws: Workspace) -> None:
    plan = ws.plan(PRIORITIES)
    done = run_module(ws, plan, "--dry-run", "--time-scale", "0.002", "--events", "jsonl", "--progress", "none")
    assert done.returncode == 0
    events = [json.loads(line) for line in done.stdout.splitlines()]
    started = [event["step"] for event in events if event["event"] == "step_started"]
    assert started == [slot.step for slot in plan.schedule] == ["x", "w", "y", "z"]
    assert [(event["event"], event["step"]) for event in events] == [
        (kind, step) for step in ["x", "w", "y", "z"] for kind in ("step_started", "step_finished")]
    assert ws.markers() == {} and not ws.state.exists()
