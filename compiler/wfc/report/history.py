"""The runs of a project, read back from their journals for `wfc runs`.

A run is every session of it (the first and each `--resume`), read from
`STATE/runs/RUN_ID/journal.jsonl`; nothing here needs the workflow file, so a run stays readable
after its workflow changed or was deleted. A run whose last session has no `run_finished` was
killed (or is still running) and reads as `unfinished`. A step's status is the last word of any
session about it (a step resumed as done keeps the status it was done with), its attempts are
counted over every session (each start and retry, so an attempt a kill cut short counts too), and
its cost and tokens are summed over them: a failed attempt was paid for too. Where the runtime
journals each agent attempt (`agent_attempt`), those are summed, so a session killed after an
attempt ended still counts what it spent; otherwise each session's ended event says.
"""
from __future__ import annotations

import fcntl
import json
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

from wfc.report.spending import ATTEMPT, ENDED, StepUsage, usage_of
from wfc.runtime.journal import read_events, run_ids
from wfc.runtime.resume import RunLock

STATUS = {"step_finished": "finished", "step_failed": "failed", "step_cancelled": "cancelled",
          "step_cache_hit": "cached", "step_skipped": "skipped", "step_not_run": "not run"}
DONE = ("finished", "cached", "skipped")


@dataclass(frozen=True)
class StepRecord:
    """One step of one run. `start` is seconds after the start of the session that ran it last."""

    step: str
    status: str  # finished, failed, cancelled, cached, skipped, not run, running, pending
    attempts: int = 0
    session: int = 1
    start: Optional[float] = None
    duration: Optional[float] = None
    estimate: Optional[float] = None
    usage: StepUsage = field(default_factory=StepUsage)
    error: str = ""
    outputs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    workflow: str
    status: str  # succeeded, failed, cancelled, unfinished
    sessions: int
    started: Optional[str]  # UTC, from the run id: `2026-12-02 15:31:48`
    duration: float  # every session's, added up
    steps: Tuple[StepRecord, ...]
    usage: StepUsage = field(default_factory=StepUsage)
    args: Mapping[str, Any] = field(default_factory=dict)  # the last session's (a resume may change them)

    @property
    def done(self) -> int:
        return sum(step.status in DONE for step in self.steps)

    def step(self, step_id: str) -> Optional[StepRecord]:
        return next((step for step in self.steps if step.step == step_id), None)


def runs_dir(state_dir: Path) -> Path:
    return state_dir / "runs"


def read_runs(state_dir: Path) -> List[RunRecord]:
    """Every run under the state directory, newest first (run ids sort by start time)."""
    found = (read_run(runs_dir(state_dir), run_id) for run_id in run_ids(runs_dir(state_dir)))
    return sorted((run for run in found if run is not None), key=lambda run: run.run_id, reverse=True)


def read_run(folder: Path, run_id: str) -> Optional[RunRecord]:
    """One run, or None when its journal holds no session's start."""
    events = read_events(folder / run_id / "journal.jsonl")
    sessions = _sessions(events)
    if not sessions:
        return None
    first = sessions[0][0]
    steps = tuple(_steps(sessions))
    usage = StepUsage()
    for step in steps:
        usage = usage.plus(step.usage)
    for event in events:  # compensations spend too, but belong to no step's figures
        if event.get("event") == ATTEMPT and event.get("compensation") is True:
            usage = usage.plus(usage_of(event))
    args = sessions[-1][0].get("args")
    return RunRecord(run_id, str(first.get("workflow", "?")), _status(sessions[-1]), len(sessions),
                     started_at(run_id), sum(_session_length(events) for events in sessions), steps, usage,
                     args if isinstance(args, dict) else {})


def _sessions(events: List[Dict[str, Any]]) -> List[List[Dict[str, Any]]]:
    """The journal cut at each `run_started`; anything before the first is not a session."""
    sessions: List[List[Dict[str, Any]]] = []
    for event in events:
        if event.get("event") == "run_started":
            sessions.append([])
        if sessions:
            sessions[-1].append(event)
    return sessions


def _status(session: List[Dict[str, Any]]) -> str:
    finished = [event for event in session if event.get("event") == "run_finished"]
    return str(finished[-1].get("status", "unfinished")) if finished else "unfinished"


def _session_length(session: List[Dict[str, Any]]) -> float:
    return max((_number(event.get("t")) or 0.0 for event in session), default=0.0)


class _Tally:
    """What the sessions said about one step so far."""

    def __init__(self, step: str, estimate: Optional[float]) -> None:
        self.record = StepRecord(step, "pending", estimate=estimate)
        self.attempted: Optional[StepUsage] = None  # from `agent_attempt` events, where the runtime writes them

    def add(self, session: int, event: Mapping[str, Any]) -> None:
        kind, record = event.get("event"), self.record
        if kind == ATTEMPT and event.get("compensation") is not True:
            self.attempted = (self.attempted or StepUsage()).plus(usage_of(event))
        if kind == "step_started":  # each start and each retry is an attempt, ended or cut short by a kill
            self.record = replace(record, status="running", session=session, start=_number(event.get("t")),
                                  duration=None, error="", attempts=record.attempts + 1)
        elif kind == "step_retried":
            self.record = replace(record, attempts=record.attempts + 1)
        elif kind in STATUS:
            spent = usage_of(event) if kind in ENDED else StepUsage()
            outputs = event.get("outputs")
            self.record = replace(record, status=STATUS[str(kind)], session=session,
                                  duration=_number(event.get("duration")),
                                  usage=record.usage.plus(spent), error=str(event.get("error") or ""),
                                  outputs=outputs if isinstance(outputs, dict) else {})


def _steps(sessions: List[List[Dict[str, Any]]]) -> Iterator[StepRecord]:
    """Every step: those the plan names in plan order, then any other the journal mentions."""
    tallies: Dict[str, _Tally] = {}
    for number, session in enumerate(sessions, start=1):
        for step_id, estimate in _estimates(session[0]):
            tallies.setdefault(step_id, _Tally(step_id, estimate))
        for event in session:
            step = event.get("step")
            if isinstance(step, str) and event.get("event") != "warning":
                tallies.setdefault(step, _Tally(step, None)).add(number, event)
    for tally in tallies.values():
        record = tally.record if tally.attempted is None else replace(tally.record, usage=tally.attempted)
        yield record if record.status != "running" or _last(sessions, record) else _interrupted(record)


def _last(sessions: List[List[Dict[str, Any]]], record: StepRecord) -> bool:
    """Whether a step left running was running in the last session, which may still be going."""
    return record.session == len(sessions) and _status(sessions[-1]) == "unfinished"


def _interrupted(record: StepRecord) -> StepRecord:
    return replace(record, status="interrupted")


def _estimates(started: Mapping[str, Any]) -> Iterator[Tuple[str, Optional[float]]]:
    pairs = started.get("step_estimates")
    if not isinstance(pairs, list):
        return
    for pair in pairs:
        if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str):
            yield pair[0], _number(pair[1])


def running_run(state_dir: Path, workflow: str) -> Optional[str]:
    """The id of the run of `workflow` that holds its lock now ("" when the holder did not say), or
    None when none does. Probing takes a shared lock for an instant, so it is for `prune`, not for
    every listing: a run starting in that instant would be refused."""
    try:
        fd = os.open(RunLock(state_dir, workflow).path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _holder(fd)
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _holder(fd: int) -> str:
    try:
        holder = json.loads(os.pread(fd, 4096, 0).decode("utf-8"))
    except (OSError, ValueError):
        return ""
    return str(holder.get("run_id") or "") if isinstance(holder, dict) else ""


def started_at(run_id: str) -> Optional[str]:
    """The run id's UTC start (`20261202T153148-002` -> `2026-12-02 15:31:48`), None for other ids."""
    try:
        moment = time.strptime(run_id[:15], "%Y%m%dT%H%M%S")
    except ValueError:
        return None
    return time.strftime("%Y-%m-%d %H:%M:%S", moment)


def _number(value: Any) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        return None
    return float(value)
