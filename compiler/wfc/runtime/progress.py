"""Progress: what a person (or a tool) watching a run sees.

Every reporter is a journal listener, so the display can never disagree with the journal. On a
terminal a status block (rich's `Live`) is redrawn in place at the terminal's width, with a clock
that ticks on its own; without one, under `TERM=dumb` or `NO_COLOR`, each event is a plain line;
`--events jsonl` streams the raw events on stdout for machines (the display keeps to stderr, and
to plain lines when both streams are one terminal); `--todo-json` keeps a TodoWrite-shaped task
list current, rewritten atomically so a reader never sees half a file. The run's last line is the
summary the caller prints once; no display repeats it.
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, TextIO, Tuple

from wfc.format.durations import format_duration
from wfc.analysis.plan import Plan
from wfc.emit import atomic_write
from wfc.runtime.outcome import RunOptions
from wfc.format.templating import TemplateFailed, render

Record = Mapping[str, Any]
DONE = {"step_finished", "step_cache_hit", "step_skipped", "step_resumed"}
NOTABLE = ("step_failed", "compensation_failed", "warning", "step_compensated",  # kept above a live block
           "budget_exhausted")
LABELS = {"step_finished": "done", "step_cache_hit": "cached", "step_skipped": "skipped",
          "step_resumed": "already done", "step_failed": "FAILED", "step_cancelled": "cancelled",
          "step_retried": "retrying", "step_compensated": "compensated", "compensation_failed": "COMPENSATION FAILED",
          "step_not_run": "not run", "warning": "warning", "budget_exhausted": "BUDGET"}


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
        kind, step = record["event"], str(record.get("step"))
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
            cost = record.get("cost_usd")
            if kind == "step_finished" and isinstance(cost, (int, float)):
                detail = f"${cost:.4f}"
            return f"{prefix} {LABELS[kind]:<9} {step}" + (f": {detail}" if detail else "")
        return None


def clock(seconds: float) -> str:
    """`m:ss`, or `h:mm:ss` past an hour: a field that changes every second."""
    whole = int(max(seconds, 0.0))
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class LiveProgress(PlainProgress):
    """The status block on a terminal: done/total, a clock against the estimate, cost so far, and
    each running step's time against its estimate. rich redraws it REFRESH times a second from
    its own thread (so the clock moves between events) and crops every line to the terminal's
    width as it is at that moment; failures and warnings print as lines above it."""

    REFRESH = 4

    def __init__(self, plan: Plan, stream: TextIO) -> None:
        from rich.console import Console
        from rich.live import Live

        super().__init__(plan, stream)
        self.estimates = {step.id: step.estimate for step in plan.steps}
        self.began = time.monotonic()
        self.since: Dict[str, float] = {}
        self.cost = 0.0
        self.per_attempt = False
        self.console = Console(file=stream, highlight=False, soft_wrap=False)
        self.live: Optional[Any] = Live(self, console=self.console, refresh_per_second=self.REFRESH,
                                        transient=True, redirect_stdout=False, redirect_stderr=False)
        self.live.start()

    def __call__(self, record: Record) -> None:
        kind = record["event"]
        with self.lock:
            self.update(record)
            self._follow(record)
            notable = self.line(record) if kind in NOTABLE else None
        if notable and self.live is not None:  # outside our lock: rich's lock is taken before it
            self.console.print(_crop(notable, self.size(self.console.width, 0)[0] - 1), markup=False, highlight=False)
        if kind == "run_finished":
            self.close()

    def _follow(self, record: Record) -> None:
        kind, step = record["event"], str(record.get("step"))
        if kind == "run_started":
            self.began = time.monotonic() - float(record.get("t", 0.0))
        elif kind == "step_started":
            self.since[step] = time.monotonic()
        elif step in self.since and step not in self.running:
            del self.since[step]
        cost = record.get("cost_usd")
        if not isinstance(cost, (int, float)) or isinstance(cost, bool):
            return
        # each agent attempt's spending as it ends, where the runtime journals it; else each step's
        # total as it ends, failed ones too (a failed attempt was paid for)
        if kind == "agent_attempt":
            self.cost = cost + (self.cost if self.per_attempt else 0.0)
            self.per_attempt = True
        elif kind in ("step_finished", "step_failed", "step_cancelled") and not self.per_attempt:
            self.cost += cost

    def lines(self, now: float, width: int, height: int) -> List[Tuple[str, bool]]:
        """The block as (text, past its estimate) lines, each at most `width - 1` characters (a
        line that fills the last column makes some terminals wrap)."""
        head = (f"{self.done}/{self.total} done · {clock(now - self.began)} of ~{format_duration(self.estimate)}"
                f" · ${self.cost:.2f} · {len(self.running)} running")
        room = max(height - 2, 1)
        running = sorted(self.since.items(), key=lambda item: item[1])
        body = [(f"  {step}  {clock(now - began)} / {format_duration(self.estimates[step])}",
                 now - began > self.estimates[step]) for step, began in running[:room]]
        if len(running) > room:
            body[-1] = (f"  … and {len(running) - room + 1} more", False)
        return [(_crop(text, width - 1), late) for text, late in [(head, False), *body]]

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.text import Text

        width, height = self.size(options.max_width, console.size.height)
        with self.lock:
            lines = self.lines(time.monotonic(), width, height)
        for index, (line, late) in enumerate(lines):
            yield Text(line, style="red" if late else "bold" if index == 0 else "", no_wrap=True, overflow="crop")

    def size(self, width: int, height: int) -> Tuple[int, int]:
        """The terminal's size as it is now, asked of the stream itself: rich prefers `COLUMNS`,
        which a parent process may have exported at another width (and which a resize does not
        change)."""
        try:
            found = os.get_terminal_size(self.stream.fileno())
        except (AttributeError, ValueError, OSError):
            return width, height
        return found.columns or width, found.lines or height

    def close(self) -> None:
        live, self.live = self.live, None
        if live is not None:
            live.stop()


def _crop(line: str, width: int) -> str:
    return line if len(line) <= width else line[: max(width - 1, 0)] + "…"


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


def live_terminal(err: TextIO, out: TextIO, events: Optional[str]) -> bool:
    """A block redrawn in place needs a terminal that moves its cursor (not `TERM=dumb`), a user
    who did not ask for plain output (`NO_COLOR`), and no JSON lines written to the same terminal
    between its redraws."""
    if not err.isatty() or os.environ.get("TERM") == "dumb" or os.environ.get("NO_COLOR"):
        return False
    return not (events == "jsonl" and out.isatty())


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
        mode = "live" if live_terminal(err, out, options.events) else "plain"
    if mode == "live":
        listeners.append(LiveProgress(plan, err))
    elif mode == "plain":
        listeners.append(PlainProgress(plan, err))
    if options.todo_json is not None:
        listeners.append(TodoFile(plan, options.todo_json, options.args))
    return listeners
