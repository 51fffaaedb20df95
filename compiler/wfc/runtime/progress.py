"""Progress: what a person (or a tool) watching a run sees.

Every reporter is a journal listener, so the display can never disagree with the journal. On a
terminal one status line is redrawn in place; elsewhere (CI logs) each event is a plain line;
`--events jsonl` streams the raw events on stdout for machines; `--todo-json` keeps a
TodoWrite-shaped task list current, rewritten atomically so a reader never sees half a file.
"""
from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, TextIO

from wfc.format.durations import format_duration
from wfc.analysis.plan import Plan
from wfc.emit import atomic_write
from wfc.runtime.outcome import RunOptions
from wfc.format.templating import TemplateFailed, render

Record = Mapping[str, Any]
DONE = {"step_finished", "step_cache_hit", "step_skipped", "step_resumed"}
LABELS = {"step_finished": "done", "step_cache_hit": "cached", "step_skipped": "skipped",
          "step_resumed": "already done", "step_failed": "FAILED", "step_cancelled": "cancelled",
          "step_retried": "retrying", "step_compensated": "compensated", "compensation_failed": "COMPENSATION FAILED",
          "step_not_run": "not run", "warning": "warning"}


class EventStream:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.lock = threading.Lock()

    def __call__(self, record: Record) -> None:
        line = json.dumps(record, sort_keys=True, default=str)
        with self.lock:
            self.stream.write(line + "\n")
            self.stream.flush()


class Counter:
    """Done/total and the running set, shared by the plain and live displays."""

    def __init__(self, plan: Plan) -> None:
        self.total = len(plan.steps)
        self.estimate = plan.estimate.makespan
        self.done = 0
        self.running: Dict[str, None] = {}
        self.lock = threading.Lock()

    def update(self, record: Record) -> None:
        kind, step = record["event"], record.get("step")
        if kind == "step_started":
            self.running[step] = None
        elif kind in DONE or kind in ("step_failed", "step_cancelled"):
            self.running.pop(step, None)
            self.done += kind in DONE


class PlainProgress(Counter):
    def __init__(self, plan: Plan, stream: TextIO) -> None:
        super().__init__(plan)
        self.stream = stream

    def __call__(self, record: Record) -> None:
        with self.lock:
            self.update(record)
            line = self.line(record)
            if line:
                self.stream.write(line + "\n")
                self.stream.flush()

    def line(self, record: Record) -> Optional[str]:
        kind, step = record["event"], record.get("step", "")
        width = len(str(self.total))
        prefix = f"[{self.done:>{width}}/{self.total}] {record['t']:8.2f}s"
        if kind == "step_started":
            return f"{prefix} start     {step}"
        if kind in LABELS:
            detail = record.get("error") or record.get("message") or ""
            return f"{prefix} {LABELS[kind]:<9} {step}" + (f": {detail}" if detail else "")
        if kind == "run_finished":
            return (f"{prefix} run {record['status']} (cache: {record['cache_hits']} hits, "
                    f"{record['cache_misses']} misses)")
        return None


class LiveProgress(PlainProgress):
    """One status line, redrawn in place; failures and warnings still print as lines above it."""

    def __call__(self, record: Record) -> None:
        with self.lock:
            self.update(record)
            kind = record["event"]
            self.stream.write("\r\x1b[K")
            if kind in ("step_failed", "compensation_failed", "warning", "run_finished", "step_compensated"):
                self.stream.write((self.line(record) or "") + "\n")
            if kind != "run_finished":
                self.stream.write(self.status(record["t"]))
            self.stream.flush()

    def status(self, elapsed: float) -> str:
        running = ", ".join(list(self.running)[:4]) + (" ..." if len(self.running) > 4 else "")
        return (f"{self.done}/{self.total} done | {format_duration(elapsed)} of ~{format_duration(self.estimate)}"
                f" | running: {running or '-'}")[:160]


class TodoFile:
    """TodoWrite's shape ({content, activeForm, status}), in schedule order, statuses kept live."""

    def __init__(self, plan: Plan, path: Path, args: Mapping[str, Any]) -> None:
        self.path = path
        self.lock = threading.Lock()
        data = {"args": dict(args)}
        self.tasks: List[Dict[str, str]] = [
            {"content": _render(task.content, data), "activeForm": _render(task.active_form, data), "status": "pending"}
            for task in plan.tasks]
        self.index = {task.step: number for number, task in enumerate(plan.tasks)}
        self.write()

    def __call__(self, record: Record) -> None:
        step = record.get("step")
        if step not in self.index:
            return
        kind = record["event"]
        status = "in_progress" if kind == "step_started" else "completed" if kind in DONE else \
            "pending" if kind in ("step_failed", "step_cancelled") else None
        if status is not None:
            with self.lock:
                self.tasks[self.index[step]]["status"] = status
                self.write()

    def write(self) -> None:
        atomic_write(self.path, json.dumps({"todos": self.tasks}, indent=2, ensure_ascii=False) + "\n", durable=False)


def _render(text: str, data: Mapping[str, Any]) -> str:
    try:
        return render(text, data)
    except TemplateFailed:
        return text


def listeners_for(plan: Plan, options: RunOptions, out: Optional[TextIO] = None,
                  err: Optional[TextIO] = None) -> List[Callable[[Record], None]]:
    """The streams default to sys.stdout and sys.stderr as they are now, not at import time, so
    a redirected stream (pytest, an embedding program) gets the output."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    listeners: List[Callable[[Record], None]] = []
    if options.events == "jsonl":
        listeners.append(EventStream(out))
    mode = options.progress
    if mode == "auto":
        mode = "live" if err.isatty() else "plain"
    if mode == "live":
        listeners.append(LiveProgress(plan, err))
    elif mode == "plain":
        listeners.append(PlainProgress(plan, err))
    if options.todo_json is not None:
        listeners.append(TodoFile(plan, options.todo_json, options.args))
    return listeners
