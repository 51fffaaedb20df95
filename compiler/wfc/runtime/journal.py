"""The run journal: `.wfc/runs/RUN_ID/journal.jsonl`, append-only, one JSON object per line.

It is the source of truth for resume and for estimate-vs-actual reports. The guarantee: an
event is handed to the kernel (one unbuffered O_APPEND write; it survives a SIGKILL of the run,
not a power cut, there is no fsync) before anything it reports can have consequences. Outside a
batch that means as it happens. The scheduler wraps each bookkeeping section in a batch
(`hold`/`release`) and the section's events go out in one write when it ends, which is before
any step the section launched starts: so a step's `step_finished` is written before any of its
dependents starts, and before the run reports success. A kill loses at most the section being
written; a torn last line is skipped on reading (and cut before a resume appends), and a step
whose finished event was lost simply runs again on resume. A finished step's outputs travel
inside its `step_finished` (or `step_cache_hit`) event, so a step the journal calls finished
always has its outputs.
"""
from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Set, Tuple

from wfc.model import Instance

DONE_EVENTS = ("step_finished", "step_cache_hit", "step_skipped")


def _nothing() -> None:
    pass


def encode(record: Any) -> str:
    """One event as one line: sorted keys, ASCII only (so a line never holds a raw line break),
    and `str` for anything JSON has no form for (a path, an exception)."""
    return json.dumps(record, sort_keys=True, default=str)


class Journal:
    """Appends events with times relative to the start of this session of the run."""

    def __init__(self, run_dir: Optional[Path], listeners: Tuple[Any, ...] = ()) -> None:
        self.run_dir = run_dir
        self._fd: Optional[int] = None
        self.failure = ""  # why the journal stopped being written (a full disk), if it did
        if run_dir is not None:  # None: events go to listeners only (dry runs)
            run_dir.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(run_dir / "journal.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._lock = threading.Lock()  # events also come from workers (retries)
        self._pending: List[str] = []
        self._holds = 0
        self.started = time.monotonic()
        self.listeners = listeners
        self._after_write: Callable[[], None] = _nothing  # the step logs, written right behind the journal

    def write_along(self, flush: Callable[[], None]) -> None:
        """Call `flush` after each write of the journal (under its lock, so in the journal's order)."""
        self._after_write = flush

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
        if not self._pending:
            return
        self._write_pending()
        self._after_write()

    def _write_pending(self) -> None:
        if self._fd is None:
            self._pending.clear()
            return
        data = ("\n".join(self._pending) + "\n").encode("utf-8")
        self._pending.clear()
        try:
            while data:  # a regular file takes it all at once unless the disk is full
                data = data[os.write(self._fd, data):]
        except OSError as error:  # the run goes on; what the journal lost runs again on resume
            self.failure = f"{error.strerror or error}"
            os.close(self._fd)
            self._fd = None

    def close(self) -> None:
        with self._lock:
            self._write()
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


@dataclass(frozen=True)
class Reading:
    """A journal as read: its complete events, and a warning for each line that is not one."""

    events: List[Dict[str, Any]]
    problems: Tuple[str, ...] = ()


def read_journal(path: Path) -> Reading:
    """Every complete event. A line that is torn (by a kill), not UTF-8, not JSON or not an
    object is a warning and is skipped; a journal that cannot be read at all raises OSError."""
    events: List[Dict[str, Any]] = []
    problems: List[str] = []
    data = path.read_bytes()
    lines = data.split(b"\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8"))
        except (ValueError, RecursionError) as error:
            torn = number == len(lines)  # no newline after it: the write was cut short
            problems.append(f"{path}:{number}: {'a torn last line' if torn else 'not a JSON event'} "
                            f"({_reason(error)}); skipped")
            continue
        if isinstance(record, dict):
            events.append(record)
        else:
            problems.append(f"{path}:{number}: not a JSON object; skipped")
    return Reading(events, tuple(problems))


def _reason(error: BaseException) -> str:
    if isinstance(error, UnicodeDecodeError):
        return f"byte {error.object[error.start]:#04x} at column {error.start + 1} is not UTF-8"
    if isinstance(error, RecursionError):
        return "nested too deeply"
    return str(error).split(":")[0]


def read_events(path: Path) -> List[Dict[str, Any]]:
    """Every complete event of the journal at `path` (none when it is missing; OSError when it
    cannot be read)."""
    try:
        return read_journal(path).events
    except FileNotFoundError:
        return []


def repair_tail(path: Path) -> int:
    """Cut a torn last line (a write a kill cut short) so that the next event starts on a line
    of its own; returns how many bytes were cut."""
    try:
        with open(path, "rb+") as handle:
            size = handle.seek(0, os.SEEK_END)
            if not size:
                return 0
            keep = size
            while keep:
                step = min(keep, 4096)
                handle.seek(keep - step)
                block = handle.read(step)
                newline = block.rfind(b"\n")
                if newline >= 0:
                    keep = keep - step + newline + 1
                    break
                keep -= step
            if keep != size:
                handle.truncate(keep)
            return size - keep
    except FileNotFoundError:
        return 0


@dataclass(frozen=True)
class PastRun:
    """What a previous session of a run finished: the steps, their outputs, in completion order."""

    run_id: str
    done: Mapping[str, str]  # step id -> the event that made it done
    outputs: Mapping[str, Mapping[str, Any]]
    # steps and dynamic fan-outs' instances that did work, in completion order, each once (for compensation)
    completed: Tuple[str, ...] = ()
    args: Mapping[str, Any] = field(default_factory=dict)
    tokens: Tuple[str, ...] = ()  # each session's token, carried by its step processes
    fingerprints: Mapping[str, str] = field(default_factory=dict)  # step id -> its key when done
    definitions: Mapping[str, str] = field(default_factory=dict)  # step id -> the plan's key of it
    workflow: str = ""
    problems: Tuple[str, ...] = ()
    spent_usd: float = 0.0  # what its agent attempts cost (`agent_attempt`), against the run's budget
    instances: Mapping[str, Instance] = field(default_factory=dict)  # a map node's instance id -> its item


UNDONE_EVENTS = ("compensation_started",)  # an undone (or half-undone) step is not done
MAP_EXPANDED = "map_expanded"  # a map node's list, found at run time
INSTANCE = "instance_"  # an instance's end: INSTANCE + its status (`finished`, `failed`, ...)
INSTANCE_FINISHED = INSTANCE + "finished"  # one instance's work done


def past_run(run_id: str, events: List[Dict[str, Any]], problems: Tuple[str, ...] = ()) -> PastRun:
    found = _Past()
    args: Mapping[str, Any] = {}
    tokens: List[str] = []
    workflow = ""
    spent = 0.0
    for record in events:
        kind, step = record.get("event"), record.get("step")
        spent += _cost(record) if kind == "agent_attempt" else 0.0
        if kind == "run_started":
            args, workflow = args or _mapping(record.get("args")), workflow or str(record.get("workflow") or "")
            tokens += [record["token"]] if isinstance(record.get("token"), str) else []
        if isinstance(step, str):
            found.read(str(kind), step, record)
    return PastRun(run_id, found.done, found.outputs, tuple(found.completed), args, tuple(tokens),
                   found.fingerprints, found.definitions, workflow, problems, spent, found.instances)


class _Past:
    """The steps' part of a past run, read one event at a time."""

    def __init__(self) -> None:
        self.done: Dict[str, str] = {}
        self.outputs: Dict[str, Mapping[str, Any]] = {}
        self.fingerprints: Dict[str, str] = {}
        self.definitions: Dict[str, str] = {}
        self.completed: Dict[str, None] = {}  # in completion order; a step done again moves to the end
        self.instances: Dict[str, Instance] = {}
        self.mapped: Set[str] = set()  # map nodes: their work is their instances'

    def read(self, kind: str, step: str, record: Mapping[str, Any]) -> None:
        if kind in UNDONE_EVENTS:
            self.undone(step)
        elif kind == MAP_EXPANDED:
            self.mapped.add(step)
        elif kind == INSTANCE_FINISHED:
            instance = _instance_of(record)
            if instance is not None:
                self.instances[step] = instance
                self.again(step)
        if kind not in DONE_EVENTS:
            return
        self.done[step] = kind
        self.outputs[step] = _mapping(record.get("outputs"))
        self.fingerprints[step] = str(record.get("fingerprint") or "")
        self.definitions[step] = str(record.get("definition") or "")
        if kind == "step_finished" and step not in self.mapped:  # a map node's work is its instances'
            self.again(step)

    def again(self, step: str) -> None:
        self.completed.pop(step, None)
        self.completed[step] = None

    def undone(self, step: str) -> None:
        """A compensation started: the step (or the map node of the instance) is no longer done."""
        self.done.pop(step, None)
        self.completed.pop(step, None)
        if step in self.instances:
            self.done.pop(self.instances[step].of, None)  # its fan-out runs again, every instance of it


def _instance_of(record: Mapping[str, Any]) -> Optional[Instance]:
    """The instance an `instance_finished` event names (a journal older than its `index` names none)."""
    of, index = record.get("map"), record.get("index")
    if not isinstance(of, str) or not isinstance(index, int) or isinstance(index, bool):
        return None
    return Instance(of, record.get("item"), index)


def _cost(record: Mapping[str, Any]) -> float:
    cost = record.get("cost_usd")
    return float(cost) if isinstance(cost, (int, float)) and not isinstance(cost, bool) and cost > 0 else 0.0


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def load_past_run(run_dir: Path) -> PastRun:
    """Raises OSError when the journal cannot be read (missing included)."""
    reading = read_journal(run_dir / "journal.jsonl")
    return past_run(run_dir.name, reading.events, reading.problems)


def run_ids(runs_dir: Path) -> Iterator[str]:
    if runs_dir.is_dir():
        yield from sorted(entry.name for entry in runs_dir.iterdir() if (entry / "journal.jsonl").exists())


def new_run_id(runs_dir: Path) -> str:
    """Sortable by start time, unique within the directory: the run's directory is created here,
    and creating a directory is atomic, so two runs starting at once never share one."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    runs_dir.mkdir(parents=True, exist_ok=True)
    run_id, counter = stamp, 1
    while True:
        try:
            (runs_dir / run_id).mkdir()
            return run_id
        except FileExistsError:
            counter += 1
            run_id = f"{stamp}-{counter:03d}"


def latest_run_id(runs_dir: Path) -> Optional[str]:
    ids = list(run_ids(runs_dir))
    return ids[-1] if ids else None
