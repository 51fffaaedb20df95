"""Each attempt's stdout, stderr and result, kept under the run: `RUN_DIR/steps/STEP/N.*`.

`N` counts the step's attempts across every session of the run (a resumed run adds to them, so a
failed session's logs survive the retry), and `N.json` says which attempt of its session it was,
whether it succeeded, and what was cut. A stream longer than `LIMIT` bytes keeps its first `HEAD`
and last `LIMIT - HEAD` bytes with one line saying how much was cut between them: the start of a
log says what ran, its end why it failed. The files live in the run's directory, so removing the
run (`wfc runs prune`) removes them. Writing them never fails the run: the caller turns an
`OSError` into a warning.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

LIMIT = 256 * 1024
HEAD = 64 * 1024
STREAMS = ("stdout", "stderr", "result")
STEPS_DIR = "steps"
STDERR_TAIL = 2000  # characters of a failed process's output its error shows


@dataclass(frozen=True)
class Captured:
    """What one attempt printed, and its result where the output is not simply stdout."""

    stdout: str = ""
    stderr: str = ""
    result: Optional[str] = None


def bounded(text: str, limit: int = LIMIT, head: int = HEAD) -> Tuple[str, int]:
    """(the text to keep, how many bytes were cut); cut on UTF-8 character boundaries."""
    data = text.encode("utf-8", errors="replace")
    if len(data) <= limit:
        return text, 0
    tail = limit - head
    cut = len(data) - limit
    kept_head = data[:head].decode("utf-8", errors="ignore")
    kept_tail = data[len(data) - tail:].decode("utf-8", errors="ignore")
    note = f"\n[wfc: {cut:,} bytes cut here; the first {head:,} and the last {tail:,} bytes are kept]\n"
    return kept_head + note + kept_tail, cut


def step_dir(run_dir: Path, step_id: str) -> Path:
    return run_dir / STEPS_DIR / step_id


def numbers(folder: Path) -> List[int]:
    """The attempt numbers kept in a step's folder, in order."""
    if not folder.is_dir():
        return []
    found = {int(entry.name[:-5]) for entry in folder.iterdir()
             if entry.name.endswith(".json") and entry.name[:-5].isdigit()}
    return sorted(found)


class StepLogs:
    """Writes attempts as they end; one writer per run session, called from worker threads (each
    step's attempts come from one worker at a time, so numbering a step's folder needs no lock)."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir

    def keep(self, step_id: str, attempt: int, ok: bool, captured: Captured) -> None:
        folder = step_dir(self.run_dir, step_id)
        folder.mkdir(parents=True, exist_ok=True)
        number = (numbers(folder) or [0])[-1] + 1
        meta: Dict[str, Any] = {"attempt": attempt, "ok": ok}
        for stream, text in (("stdout", captured.stdout), ("stderr", captured.stderr), ("result", captured.result)):
            if text is None:
                continue
            kept, cut = bounded(text)
            (folder / f"{number}.{stream}").write_text(kept, encoding="utf-8")
            meta[stream] = {"bytes": len(text.encode("utf-8", errors="replace")), "cut": cut}
        # the meta file last: a reader that finds it finds the streams it names
        temporary = folder / f".{number}.json.tmp"
        temporary.write_text(json.dumps(meta, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(temporary, folder / f"{number}.json")


def result_text(value: Any) -> str:
    """A Python step's or an agent's result as it is shown: text as it is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, indent=2, sort_keys=True, default=str)


def read_meta(folder: Path, number: int) -> Mapping[str, Any]:
    try:
        data = json.loads((folder / f"{number}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


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
