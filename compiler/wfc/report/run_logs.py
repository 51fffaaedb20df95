"""A step's kept attempts read back for `wfc runs logs`: what each printed, and its result.

The records are the runtime's (`wfc.runtime.step_logs`, one log file per run); a step's records in
file order are its attempts, numbered here across the run's sessions. A stream the runtime cut says
so in its own text and in `cut`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Mapping, Optional

from wfc.runtime.step_logs import KeptStream, read_log


@dataclass(frozen=True)
class KeptAttempt:
    number: int  # across the run's sessions, from 1
    attempt: int  # within its session
    ok: bool
    streams: Mapping[str, KeptStream]

    def stream(self, name: str) -> Optional[KeptStream]:
        return self.streams.get(name)


def kept_attempts(run_dir: Path, step_id: str) -> List[KeptAttempt]:
    """Raises OSError when the run's log exists but cannot be read."""
    records = [record for record in read_log(run_dir) if record.step == step_id]
    return [KeptAttempt(number, record.attempt, record.ok, {stream.name: stream for stream in record.streams})
            for number, record in enumerate(records, 1)]
