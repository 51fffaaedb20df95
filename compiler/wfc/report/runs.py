"""Measured runs, read from the runtime's journals (`.wfc/runs/RUN_ID/journal.jsonl`).

The report only needs, per run, which workflow it ran, how long each step that did work took,
what each step spent over its attempts and what the run spent (tokens and dollars, see
`spending`), and how long the whole run took when it ran start to finish in one session. `RunSource` is the
extension point: the journal directory is one source; a test, or a future remote store, is another.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Protocol

from wfc.report.spending import USAGE_FIELDS, StepUsage, step_spend, summed
from wfc.runtime.journal import MAP_EXPANDED, read_events, run_ids

__all__ = ["JournalDirectory", "MeasuredRun", "RunSource", "StepUsage", "USAGE_FIELDS", "measure"]


@dataclass(frozen=True)
class MeasuredRun:
    """One run as measured. `elapsed` is None unless the run succeeded in a single session: a
    resumed run's clock restarts with each session, so its total says nothing about the plan."""

    run_id: str
    workflow: str
    durations: Mapping[str, float] = field(default_factory=dict)  # step id -> seconds, finished steps
    elapsed: Optional[float] = None
    source_sha256: Optional[str] = None
    usage: Mapping[str, StepUsage] = field(default_factory=dict)  # steps that spent, over their attempts
    items: Mapping[str, int] = field(default_factory=dict)  # map node -> the items it found at run time
    spent: StepUsage = field(default_factory=StepUsage)  # the whole run: every step and compensation


class RunSource(Protocol):
    def runs(self) -> Iterator[MeasuredRun]:
        """Every run it knows, in a stable order (by run id)."""


class JournalDirectory:
    """The runs under a directory such as `.wfc/runs`; a missing directory simply has none."""

    def __init__(self, runs_dir: Path) -> None:
        self.runs_dir = runs_dir

    def runs(self) -> Iterator[MeasuredRun]:
        for run_id in run_ids(self.runs_dir):
            measured = measure(run_id, read_events(self.runs_dir / run_id / "journal.jsonl"))
            if measured is not None:
                yield measured


def measure(run_id: str, events: List[Dict[str, Any]]) -> Optional[MeasuredRun]:
    """A run's measurements from its journal events, or None when no session of it started."""
    sessions = [event for event in events if event.get("event") == "run_started"]
    if not sessions or not isinstance(sessions[0].get("workflow"), str):
        return None
    sha = sessions[0].get("source_sha256")
    usage, compensations = step_spend(events)
    return MeasuredRun(run_id, sessions[0]["workflow"], _durations(events),
                       _elapsed(events, len(sessions)), sha if isinstance(sha, str) else None, usage,
                       _items(events), summed([*usage.values(), compensations]))


def _items(events: List[Dict[str, Any]]) -> Dict[str, int]:
    """Each map node's real item count (`map_expanded`), to hold against the plan's `estimate_items`."""
    return {event["step"]: int(event["items"]) for event in events if event.get("event") == MAP_EXPANDED
            and isinstance(event.get("step"), str) and _number(event.get("items")) is not None}


def _durations(events: List[Dict[str, Any]]) -> Dict[str, float]:
    """Seconds per finished step: the journal's `duration` (every attempt and backoff included,
    which is what the step cost), else finish minus start within the same session."""
    started: Dict[str, float] = {}
    found: Dict[str, float] = {}
    for event in events:
        kind, step = event.get("event"), event.get("step")
        if kind == "run_started":
            started.clear()
        if not isinstance(step, str):
            continue
        if kind == "step_started" and _number(event.get("t")) is not None:
            started.setdefault(step, float(event["t"]))
        elif kind == "step_finished":
            duration = _number(event.get("duration"))
            if duration is None and step in started and _number(event.get("t")) is not None:
                duration = float(event["t"]) - started[step]
            if duration is not None:
                found[step] = duration
    return found


def _elapsed(events: List[Dict[str, Any]], sessions: int) -> Optional[float]:
    finished = [event for event in events if event.get("event") == "run_finished"]
    if sessions != 1 or not finished or finished[-1].get("status") != "succeeded":
        return None
    return _number(finished[-1].get("t"))


def _number(value: Any) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        return None
    return float(value)

