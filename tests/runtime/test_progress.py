"""What a watcher sees: the TodoWrite task file, plain progress lines off a terminal, the JSON
event stream, dry runs that execute nothing but replay the plan's schedule, and the live display
on a real terminal (tmux) at 60, 80 and 200 columns."""
from __future__ import annotations

import json
import os
import pickle
import re
import shlex
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import pytest

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
    assert all(time_column.match(line) for line in lines[:5]), lines
    masked = [line[:6] + "T" + line[15:] for line in lines[:5]]
    assert masked == [
        "[0/3] T start     a",
        "[1/3] T done      a",
        "[1/3] T start     b",
        "[1/3] T FAILED    b: command exited with status 3: boom",
        "[2/3] T skipped   c",
    ]
    run_id = next((ws.state / "runs").iterdir()).name
    assert lines[5] == "step b failed after 1 attempt(s): command exited with status 3: boom"
    assert len(lines) == 7 and re.fullmatch(
        rf"run {run_id} succeeded in \d+\.\d\ds \(cache: 0 hits, 0 misses\)", lines[-1]
    )
    assert sum(" succeeded" in line for line in lines) == 1  # the final line, once


def test_events_jsonl_streams_exactly_the_journal(ws: Workspace) -> None:
    plan = ws.plan(TINY)
    done = run_module(ws, plan, "--events", "jsonl", "--progress", "none", "--todo-json", "todo.json")
    assert done.returncode == 0
    stream = [json.loads(line) for line in done.stdout.splitlines()]
    (run_dir,) = (ws.state / "runs").iterdir()
    assert stream == read_events(run_dir / "journal.jsonl")
    assert [(event["event"], event.get("step")) for event in stream] == [
        ("run_started", None), ("step_started", "a"), ("step_process", "a"), ("step_finished", "a"),
        ("step_started", "b"), ("step_process", "b"), ("step_failed", "b"), ("step_skipped", "c"),
        ("run_finished", None)]
    assert [sorted(event) for event in stream] == [
        ["args", "estimate", "event", "pid", "resumed", "run_id", "source_sha256", "step_estimates", "steps", "t",
         "token", "workflow"],
        ["attempt", "event", "step", "t"],
        ["event", "pid", "step", "t"],
        ["attempt", "definition", "duration", "event", "fingerprint", "step", "t"],
        ["attempt", "event", "step", "t"],
        ["event", "pid", "step", "t"],
        ["attempt", "continue_on_error", "duration", "error", "event", "step", "t"],
        ["definition", "event", "fingerprint", "step", "t"],
        ["cache_hits", "cache_misses", "event", "not_run", "status", "t"]]
    assert stream[0]["args"] == {"ship": False} and stream[0]["run_id"] == run_dir.name
    assert stream[6]["error"] == "command exited with status 3: boom"
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


# -- the live display, on a real terminal (tmux) -------------------------------------------------

WAITING = """
    version: 1
    title: Waits for the test
    description: d
    steps:
      warm: {title: Warm up, run: 'true', estimate: 1s}
      a-step-with-a-name-long-enough-to-overflow-sixty-columns-on-its-own:
        {title: Wait, run: 'while [ ! -f go ]; do sleep 0.05; done', needs: [warm], estimate: 1s}
      second-waiter: {title: Wait too, run: 'while [ ! -f go ]; do sleep 0.05; done', needs: [warm], estimate: 1h}
      third-waiter: {title: Wait as well, run: 'while [ ! -f go ]; do sleep 0.05; done', needs: [warm], estimate: 5m}
"""
HEADER = re.compile(r"^(\d+)/(\d+) done · (\d+:\d\d) of ~(\S+) · \$(\d+\.\d\d) · (\d+) running$")


class Tmux:
    """A tmux server of the test's own (its own socket), one session of a given size."""

    def __init__(self, binary: str, root: Path, width: int) -> None:
        self.base = [binary, "-L", f"wfc-test-{os.getpid()}-{width}", "-f", "/dev/null"]
        self.root, self.width = root, width

    def start(self, command: str) -> None:
        subprocess.run([*self.base, "new-session", "-d", "-s", "run", "-x", str(self.width), "-y", "24",
                        "-c", str(self.root), f"{command}; printf 'EXIT=%s\\n' $?; sleep 120"], check=True)

    def screen(self) -> List[str]:
        done = subprocess.run([*self.base, "capture-pane", "-p", "-J", "-t", "run"], capture_output=True, text=True)
        return done.stdout.rstrip("\n").split("\n")

    def until(self, wanted: Callable[[List[str]], bool], seconds: float = 60.0) -> List[str]:
        """Screens until one satisfies `wanted` (the deadline only bounds a broken run)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            lines = self.screen()
            if wanted(lines):
                return lines
            time.sleep(0.05)
        raise AssertionError("the screen never showed it:\n" + "\n".join(self.screen()))

    def stop(self) -> None:
        subprocess.run([*self.base, "kill-server"], capture_output=True)


@pytest.fixture(scope="module")
def tmux_binary() -> str:
    found = shutil.which("tmux")
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "tmux"], capture_output=True, timeout=600)
        found = shutil.which("tmux")
    return found or pytest.skip("tmux is not installed (apt-get install tmux) and installing it needs root")


def run_in_tmux(ws: Workspace, tmux_binary: str, width: int, env: str = "", extra: str = "") -> Tmux:
    pickled = ws.root / "plan.pickle"
    pickled.write_bytes(pickle.dumps(ws.plan(WAITING)))
    terminal = Tmux(tmux_binary, ws.root, width)
    terminal.start(f"env -u NO_COLOR TERM=tmux-256color {env} {shlex.quote(PYTHON)} {shlex.quote(RUNNER)} "
                   f"plan.pickle {extra}")
    return terminal


def header(lines: List[str]) -> Optional["re.Match[str]"]:
    return next((found for found in map(HEADER.match, lines) if found), None)


def journal_lines(ws: Workspace) -> int:
    journals = list((ws.state / "runs").glob("*/journal.jsonl"))
    return len(journals[0].read_text().splitlines()) if journals else 0


@pytest.mark.parametrize("width", [60, 80, 200])
def test_the_live_display_fits_the_terminal_and_its_clock_ticks_between_events(
        ws: Workspace, tmux_binary: str, width: int) -> None:
    terminal = run_in_tmux(ws, tmux_binary, width)
    try:
        running = terminal.until(lambda lines: bool(header(lines)) and header(lines).group(6) == "3")
        events, first = journal_lines(ws), header(running)
        assert first is not None and (first.group(1), first.group(2), first.group(5)) == ("1", "4", "0.00")
        ticked = terminal.until(lambda lines: bool(header(lines)) and header(lines).group(3) != first.group(3))
        assert journal_lines(ws) == events  # no event happened between the two frames
        for screen in (running, ticked):
            assert all(len(line) < width for line in screen), screen  # -J joins what the terminal wrapped
        block = [line for line in ticked if line.startswith("  ")]
        assert len(block) == 3 and all(re.fullmatch(r"  \S+  \d+:\d\d / \S+|  .*…", line) for line in block), block
        if width < 80:
            assert any(line.endswith("…") for line in block)  # the long step id is cropped, not wrapped
        (ws.root / "go").write_text("")
        final = terminal.until(lambda lines: any(line.startswith("EXIT=") for line in lines))
    finally:
        terminal.stop()
    assert "EXIT=0" in final and header(final) is None  # the block is cleared at the end
    assert sum(bool(re.match(r"run \S+ succeeded in ", line)) for line in final) == 1, final


@pytest.mark.parametrize("env", ["TERM=dumb", "NO_COLOR=1"])
def test_a_dumb_terminal_or_no_color_gets_plain_lines(ws: Workspace, tmux_binary: str, env: str) -> None:
    terminal = run_in_tmux(ws, tmux_binary, 80, env=env)
    try:
        terminal.until(lambda lines: sum("start" in line for line in lines) == 4)
        (ws.root / "go").write_text("")
        final = terminal.until(lambda lines: any(line.startswith("EXIT=") for line in lines))
    finally:
        terminal.stop()
    assert "\x1b" not in "".join(final) and header(final) is None
    assert final[0].startswith("[0/4] ") and final[0].endswith("start     warm")


def test_events_jsonl_keeps_stdout_to_the_events(ws: Workspace, tmux_binary: str) -> None:
    """stdout to a file, stderr on the terminal: the live block stays on stderr, the file holds
    exactly the journal's events."""
    terminal = run_in_tmux(ws, tmux_binary, 80, extra="--events jsonl > events.jsonl")
    try:
        terminal.until(lambda lines: bool(header(lines)) and header(lines).group(6) == "3")
        (ws.root / "go").write_text("")
        terminal.until(lambda lines: any(line.startswith("EXIT=") for line in lines))
    finally:
        terminal.stop()
    (run_dir,) = (ws.state / "runs").iterdir()
    streamed = [json.loads(line) for line in (ws.root / "events.jsonl").read_text().splitlines()]
    assert streamed == read_events(run_dir / "journal.jsonl")


class Stream:
    def __init__(self, terminal: bool) -> None:
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal


@pytest.mark.parametrize("err, out, events, environment, live", [
    (True, False, None, {}, True),
    (False, False, None, {}, False),  # CI logs, a pipe
    (True, True, "jsonl", {}, False),  # JSON lines on the same terminal would tear a redrawn block
    (True, False, "jsonl", {}, True),  # events to a pipe or file, the display on the terminal
    (True, False, None, {"TERM": "dumb"}, False),
    (True, False, None, {"NO_COLOR": "1"}, False),
    (True, False, None, {"NO_COLOR": ""}, True),  # NO_COLOR counts when it is set to something
])
def test_when_the_display_is_live(monkeypatch: pytest.MonkeyPatch, err: bool, out: bool, events: Optional[str],
                                  environment: Dict[str, str], live: bool) -> None:
    from wfc.runtime.progress import live_terminal

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert live_terminal(Stream(err), Stream(out), events) is live  # type: ignore[arg-type]


def test_the_clock_field() -> None:
    from wfc.runtime.progress import clock

    assert [clock(s) for s in (0, 0.99, 61, 3599.5, 3600, 36000 + 62)] == ["0:00", "0:00", "1:01", "59:59", "1:00:00",
                                                                          "10:01:02"]
