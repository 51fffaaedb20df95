"""Each attempt's stdout, stderr and result, kept in one append-only file per run: `RUN_DIR/output.log`.

One record per attempt, appended with the journal write that reports its end: a JSON header line (the step, which
attempt of its session it was, whether it succeeded, and for each stream its size as printed, the
bytes cut and the bytes kept), then the kept streams' UTF-8 bytes back to back, then a newline.
A step's records in file order are its attempts across every session of the run (a resumed run
appends to the same file, so a failed session's logs survive the retry). One file, not a folder
and files per attempt: creating files costs far more than the scheduling of a step (issue 13).

A stream longer than `LIMIT` bytes keeps its first `HEAD` and last `LIMIT - HEAD` bytes with one
line saying how much was cut between them: the start of a log says what ran, its end why it
failed. A record a kill cut short (a torn tail) is ignored on reading and cut off before the next
session appends. The file lives in the run's directory, so removing the run (`wfc runs prune`)
removes it. Writing never fails the run: a failed write stops the log and the run warns at its end.
"""
from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

LIMIT = 256 * 1024
HEAD = 64 * 1024
STREAMS = ("stdout", "stderr", "result")
LOG_FILE = "output.log"
STDERR_TAIL = 2000  # characters of a failed process's output its error shows


@dataclass(frozen=True)
class Captured:
    """What one attempt printed, and its result where the output is not simply stdout."""

    stdout: str = ""
    stderr: str = ""
    result: Optional[str] = None


def bounded(data: bytes, limit: int = LIMIT, head: int = HEAD) -> Tuple[bytes, int]:
    """(the UTF-8 bytes to keep, how many bytes were cut); cut on character boundaries."""
    if len(data) <= limit:
        return data, 0
    tail = limit - head
    cut = len(data) - limit
    kept_head = data[:head].decode("utf-8", errors="ignore")
    kept_tail = data[len(data) - tail:].decode("utf-8", errors="ignore")
    note = f"\n[wfc: {cut:,} bytes cut here; the first {head:,} and the last {tail:,} bytes are kept]\n"
    return (kept_head + note + kept_tail).encode("utf-8"), cut


@dataclass(frozen=True)
class KeptStream:
    name: str  # stdout, stderr or result
    text: str
    size: int  # bytes the attempt printed, before any cut
    cut: int  # bytes left out of `text`


@dataclass(frozen=True)
class Record:
    """One attempt as kept: `attempt` counts within its session, `streams` in `STREAMS` order."""

    step: str
    attempt: int
    ok: bool
    streams: Tuple[KeptStream, ...]


def encode_record(step_id: str, attempt: int, ok: bool, captured: Captured) -> bytes:
    header: Dict[str, Any] = {"step": step_id, "attempt": attempt, "ok": ok}
    bodies: List[bytes] = []
    for stream, text in (("stdout", captured.stdout), ("stderr", captured.stderr), ("result", captured.result)):
        if text is None:
            continue
        printed = text.encode("utf-8", errors="replace")
        kept, cut = bounded(printed)
        header[stream] = {"bytes": len(printed), "cut": cut, "kept": len(kept)}
        bodies.append(kept)
    # ASCII JSON: the header never holds a raw line break, so its newline ends it
    return (json.dumps(header, sort_keys=True) + "\n").encode("ascii") + b"".join(bodies) + b"\n"


class StepLogs:
    """Appends attempts' records, each written with the journal write that follows its attempt's
    end (`flush`, which the journal calls after each write): the event reporting that end, a retry,
    an instance or the step's finish. Log and journal then agree after a kill, and a fan-out's
    two workers do not each pay a write of their own per step (each write hands the GIL to the
    other worker: twice a step made them trade it, 1.14x Dask's CPU against 0.98x; issue 13).
    Opening it cuts what a kill left half-written, so a resumed run appends after whole records."""

    def __init__(self, run_dir: Path) -> None:
        self.path = run_dir / LOG_FILE
        self.failure = ""  # why the log stopped being written (a full disk), if it did
        self._lock = threading.Lock()  # records come from worker threads
        self._pending: List[bytes] = []
        self._fd: Optional[int] = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        size = os.fstat(self._fd).st_size
        whole = read_records(os.pread(self._fd, size, 0))[1] if size else 0
        if whole != size:
            os.ftruncate(self._fd, whole)

    def keep(self, step_id: str, attempt: int, ok: bool, captured: Captured) -> None:
        data = encode_record(step_id, attempt, ok, captured)
        with self._lock:
            if self._fd is not None:
                self._pending.append(data)

    def flush(self) -> None:
        """Write the records kept so far. A failed write stops the log, as the journal stops, because
        a half-written record would hide every record after it; `failure` says why."""
        with self._lock:
            data, fd = b"".join(self._pending), self._fd
            self._pending.clear()
            if not data or fd is None:
                return
            try:
                while data:  # a regular file takes it all at once unless the disk is full
                    data = data[os.write(fd, data):]
            except OSError as error:
                self.failure = error.strerror or str(error)
                self._fd = None
                os.close(fd)

    def close(self) -> None:
        self.flush()
        with self._lock:
            fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


def read_records(data: bytes) -> Tuple[List[Record], int]:
    """The complete records of a log, and how many bytes they take: reading stops at the first
    record that is torn or not a record (nothing after it can be told apart)."""
    records: List[Record] = []
    position = 0
    while position < len(data):
        parsed = _record_at(data, position)
        if parsed is None:
            break
        record, position = parsed
        records.append(record)
    return records, position


def _record_at(data: bytes, position: int) -> Optional[Tuple[Record, int]]:
    line_end = data.find(b"\n", position)
    try:
        header = json.loads(data[position:line_end]) if line_end >= 0 else None
    except (ValueError, RecursionError):  # not UTF-8 or not JSON: not a header of ours
        return None
    if not isinstance(header, dict) or not isinstance(header.get("step"), str):
        return None
    streams, cursor = [], line_end + 1
    for name in STREAMS:
        sizes = header.get(name)
        if isinstance(sizes, dict):
            kept = _count(sizes.get("kept"))
            text = data[cursor:cursor + kept].decode("utf-8", errors="replace")
            streams.append(KeptStream(name, text, _count(sizes.get("bytes")), _count(sizes.get("cut"))))
            cursor += kept
    if data[cursor:cursor + 1] != b"\n":  # cut short by a kill (or not ours)
        return None
    attempt = header.get("attempt")
    return Record(header["step"], _count(attempt) or 1, header.get("ok") is True, tuple(streams)), cursor + 1


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def read_log(run_dir: Path) -> List[Record]:
    """Every complete record of a run's log (none when it has none); OSError when it cannot be read."""
    try:
        data = (run_dir / LOG_FILE).read_bytes()
    except FileNotFoundError:
        return []
    return read_records(data)[0]


def result_text(value: Any) -> str:
    """A Python step's or an agent's result as it is shown: text as it is, anything else as JSON,
    a structure indented (indenting runs json's pure-Python encoder: ten times the cost of a
    no-op step, for a scalar that prints the same either way)."""
    if isinstance(value, str):
        return value
    indent = 2 if isinstance(value, (dict, list, tuple)) else None
    return json.dumps(value, indent=indent, sort_keys=True, default=str)


def tail(text: str, limit: int = STDERR_TAIL) -> str:
    text = text.rstrip()
    return text if len(text) <= limit else "..." + text[-limit:]


def output_tails(out: str, err: str) -> str:
    """What a failed process printed, last lines first in mind: its stderr's tail after a colon
    (as before), then its stdout's (a test runner reports failures there)."""
    shown = f": {tail(err)}" if err.strip() else ""
    if out.strip():
        shown += f"\nits stdout ends:\n{tail(out)}"
    return shown or ": (no output)"
