"""A step's kept attempts read back for `wfc runs logs`: what each printed, and its result.

The files are the runtime's (`wfc.runtime.step_logs`), one set per attempt numbered across the
run's sessions; a stream the runtime cut says so in its own text and in `cut`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Mapping, Optional

from wfc.runtime.step_logs import STREAMS, numbers, read_meta, step_dir


@dataclass(frozen=True)
class Stream:
    name: str  # stdout, stderr or result
    text: str
    size: int  # bytes the attempt printed, before any cut
    cut: int  # bytes left out of `text`


@dataclass(frozen=True)
class KeptAttempt:
    number: int  # across the run's sessions, from 1
    attempt: int  # within its session
    ok: bool
    streams: Mapping[str, Stream]

    def stream(self, name: str) -> Optional[Stream]:
        return self.streams.get(name)


def kept_attempts(run_dir: Path, step_id: str) -> List[KeptAttempt]:
    folder = step_dir(run_dir, step_id)
    return [_attempt(folder, number) for number in numbers(folder)]


def _attempt(folder: Path, number: int) -> KeptAttempt:
    meta = read_meta(folder, number)
    streams = {}
    for name in STREAMS:
        sizes = meta.get(name)
        if not isinstance(sizes, dict):
            continue
        try:
            text = (folder / f"{number}.{name}").read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        streams[name] = Stream(name, text, _int(sizes.get("bytes")), _int(sizes.get("cut")))
    attempt = meta.get("attempt")
    return KeptAttempt(number, attempt if isinstance(attempt, int) else number, meta.get("ok") is True, streams)


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0
