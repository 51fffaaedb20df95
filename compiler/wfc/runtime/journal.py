"""The run journal: `.wfc/runs/RUN_ID/journal.jsonl`, append-only, one JSON object per line.

It is the source of truth for resume and for estimate-vs-actual reports. The guarantee: an
event is handed to the kernel (one unbuffered O_APPEND write; it survives a SIGKILL of the run,
not a power cut, there is no fsync) before anything it reports can have consequences. Outside a
batch that means as it happens. The scheduler wraps each bookkeeping section in a batch
(`hold`/`release`) and the section's events go out in one write when it ends, which is before
any step the section launched starts: so a step's `step_finished` is written before any of its
dependents starts, and before the run reports success. A kill loses at most the section being
written; a torn last line is ignored on reading, and a step whose finished event was lost simply
runs again on resume. A finished step's outputs travel inside its `step_finished` (or
`step_cache_hit`) event, so a step the journal calls finished always has its outputs.
"""
from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

DONE_EVENTS = ("step_finished", "step_cache_hit", "step_skipped")


def encode(record: Any) -> str:
    """One event as one line: sorted keys, ASCII only (so a line never holds a raw line break),
    and `str` for anything JSON has no form for (a path, an exception)."""
    return json.dumps(record, sort_keys=True, default=str)


class Journal:
    """Appends events with times relative to the start of this session of the run."""

    def __init__(self, run_dir: Optional[Path], listeners: Tuple[Any, ...] = ()) -> None:
        self.run_dir = run_dir
        self._fd: Optional[int] = None
        if run_dir is not None:  # None: events go to listeners only (dry runs)
            run_dir.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(run_dir / "journal.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._lock = threading.Lock()  # events also come from workers (retries)
        self._pending: List[str] = []
        self._holds = 0
        self.started = time.monotonic()
        self.listeners = listeners

    def now(self) -> float:
        return time.monotonic() - self.started

    def event(self, kind: str, **fields: Any) -> Dict[str, Any]:
        record = {"event": kind, "t": round(time.monotonic() - self.started, 6), **fields}
        if self._fd is not None:
            self._append(encode(record))
        for listener in self.listeners:
            listener(record)
        return record

    def _append(self, line: str) -> None:
        with self._lock:
            self._pending.append(line)
            if not self._holds:
                self._write()

    def hold(self) -> None:
        """Start a batch: events are kept until the matching `release` (batches nest)."""
        with self._lock:
            self._holds += 1

    def release(self) -> None:
        with self._lock:
            self._holds -= 1
            if not self._holds:
                self._write()

    def _write(self) -> None:
        if not self._pending or self._fd is None:
            return
        data = ("\n".join(self._pending) + "\n").encode("utf-8")
        self._pending.clear()
        while data:  # a regular file takes it all at once unless the disk is full
            data = data[os.write(self._fd, data):]

    def close(self) -> None:
        with self._lock:
            self._write()
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


def read_events(path: Path) -> List[Dict[str, Any]]:
    """Every complete event; a line torn by a kill is dropped rather than failing the resume."""
    events: List[Dict[str, Any]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return events
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            events.append(record)
    return events


@dataclass(frozen=True)
class PastRun:
    """What a previous session of a run finished: the steps, their outputs, in completion order."""

    run_id: str
    done: Mapping[str, str]  # step id -> the event that made it done
    outputs: Mapping[str, Mapping[str, Any]]
    completed: Tuple[str, ...] = ()  # steps that did work, in completion order (for compensation)
    args: Mapping[str, Any] = field(default_factory=dict)


def load_past_run(run_dir: Path) -> PastRun:
    done: Dict[str, str] = {}
    outputs: Dict[str, Mapping[str, Any]] = {}
    completed: List[str] = []
    args: Mapping[str, Any] = {}
    for record in read_events(run_dir / "journal.jsonl"):
        kind, step = record.get("event"), record.get("step")
        if kind == "run_started" and not args:
            args = record.get("args") or {}
        if kind not in DONE_EVENTS or not isinstance(step, str):
            continue
        saved = record.get("outputs") or {}
        done[step] = kind
        outputs[step] = saved if isinstance(saved, dict) else {}
        if kind == "step_finished":
            completed.append(step)
    return PastRun(run_dir.name, done, outputs, tuple(completed), args)


def run_ids(runs_dir: Path) -> Iterator[str]:
    if runs_dir.is_dir():
        yield from sorted(entry.name for entry in runs_dir.iterdir() if (entry / "journal.jsonl").exists())


def new_run_id(runs_dir: Path) -> str:
    """Sortable by start time, unique within the directory."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    run_id, counter = stamp, 1
    while (runs_dir / run_id).exists():
        counter += 1
        run_id = f"{stamp}-{counter:03d}"
    return run_id


def latest_run_id(runs_dir: Path) -> Optional[str]:
    ids = list(run_ids(runs_dir))
    return ids[-1] if ids else None
