"""Which run a session belongs to, and what of it is already done.

One run at a time per workflow and state directory: a run holds `STATE/locks/WORKFLOW.lock`
(an advisory `flock`, released by the kernel however wfc ends) for as long as it runs. Each run
directory names its workflow in `run.json`, so `--resume` picks the latest run of this workflow,
refuses another workflow's run id, and treats a run whose journal is gone or unreadable as an
error instead of quietly resuming an older one. A step the journal calls done counts as done only
if its key (definition, the arguments it reads, its files, its upstream keys) is still the one
it was done with, and it was not compensated since.
"""
from __future__ import annotations

import fcntl
import json
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from wfc.analysis.plan import Plan
from wfc.diagnostics.errors import UsageError
from wfc.runtime.cache import step_arguments
from wfc.runtime.journal import PastRun, load_past_run, new_run_id, repair_tail
from wfc.runtime.lifetime import stop_leftovers
from wfc.runtime.outcome import RunOptions

RUN_FILE = "run.json"
HANDOVER = 2.0  # seconds a dead holder's lock may outlive it, held by a child it was forking
KEY_CHARS = 32  # of a key's hex digest kept in the journal: 128 bits tell keys apart, half the bytes


class RunLock:
    """The lock one workflow's runs take in one state directory."""

    def __init__(self, state_dir: Path, workflow: str) -> None:
        self.path = state_dir / "locks" / f"{workflow}.lock"
        self.workflow, self.state_dir = workflow, state_dir
        self._fd: Optional[int] = None

    def acquire(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise UsageError(f"cannot lock {self.path}: {error.strerror or error}") from None
        if not _locked(fd):
            holder = _holder(fd)
            os.close(fd)
            raise UsageError(f"workflow `{self.workflow}` is already running in {self.state_dir}{holder}: "
                             "wait for it to finish, or stop it") from None
        self._fd = fd

    def name(self, run_id: str) -> None:
        """Say which run holds the lock, for the message another run gets."""
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, json.dumps({"pid": os.getpid(), "run_id": run_id}).encode(), 0)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _locked(fd: int) -> bool:
    """Whether this process now holds the lock. A run killed while forking a step leaves the
    child, for the moment until it exits, holding the lock too; so while the process the lock
    names is dead, the lock is tried again for up to HANDOVER seconds."""
    deadline = time.monotonic() + HANDOVER
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if _holder_alive(fd) or time.monotonic() > deadline:
                return False
        time.sleep(0.02)


def _holder_alive(fd: int) -> bool:
    named = _named(fd)
    if named is None:  # a holder between locking and naming, or a file not ours to read: alive
        return True
    try:
        os.kill(int(named["pid"]), 0)
    except ProcessLookupError:
        return False
    except (OSError, ValueError, TypeError):  # not ours to signal, or a pid that is no number
        return True
    return True


def _holder(fd: int) -> str:
    named = _named(fd)
    return f" (run {named['run_id']}, pid {named['pid']})" if named else ""


def _named(fd: int) -> Optional[Dict[str, Any]]:
    """What `RunLock.name` wrote: the holder's pid and run id, or None if unreadable."""
    try:
        holder = json.loads(os.pread(fd, 4096, 0).decode("utf-8"))
    except (OSError, ValueError):
        return None
    return holder if isinstance(holder, dict) and {"pid", "run_id"} <= holder.keys() else None


def workflow_of(run_dir: Path) -> Optional[str]:
    """The workflow a run directory belongs to: its run.json, else its journal's first event."""
    try:
        return str(json.loads((run_dir / RUN_FILE).read_text(encoding="utf-8"))["workflow"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        with open(run_dir / "journal.jsonl", "rb") as handle:
            first = json.loads(handle.readline().decode("utf-8"))
        return str(first["workflow"]) if first.get("event") == "run_started" else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def runs_of(runs_dir: Path, workflow: str) -> List[str]:
    """This workflow's run ids, oldest first."""
    if not runs_dir.is_dir():
        return []
    return sorted(entry.name for entry in runs_dir.iterdir() if entry.is_dir() and workflow_of(entry) == workflow)


def start_run(runs_dir: Path, workflow: str) -> Tuple[str, Path]:
    try:
        run_id = new_run_id(runs_dir)
        (runs_dir / run_id / RUN_FILE).write_text(json.dumps({"run_id": run_id, "workflow": workflow}) + "\n",
                                                  encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot create a run under {runs_dir}: {error.strerror or error}") from None
    return run_id, runs_dir / run_id


def find_run(runs_dir: Path, workflow: str, wanted: str) -> Tuple[str, Path, PastRun]:
    """The run `--resume` names (`wanted`, or "" for this workflow's latest) and its past."""
    mine = runs_of(runs_dir, workflow)
    run_id = wanted or (mine[-1] if mine else "")
    run_dir = runs_dir / run_id
    if not run_id or not run_dir.is_dir():
        known = ", ".join(mine[-5:]) or "none"
        what = f"run {run_id}" if run_id else f"run of workflow `{workflow}`"
        raise UsageError(f"no {what} to resume under {runs_dir} (runs: {known})")
    owner = workflow_of(run_dir)
    if owner is not None and owner != workflow:
        raise UsageError(f"run {run_id} is a run of workflow `{owner}`, not `{workflow}`: resume it with "
                         f"`wfc run {owner} --resume {run_id}`, or resume a run of `{workflow}`")
    try:
        past = load_past_run(run_dir)
    except OSError as error:
        reason = "is missing" if isinstance(error, FileNotFoundError) else f"cannot be read ({error.strerror})"
        raise UsageError(f"run {run_id} cannot be resumed: its journal {run_dir / 'journal.jsonl'} {reason}; "
                         f"start a new run (without --resume)") from None
    if not past.workflow:
        raise UsageError(f"run {run_id} cannot be resumed: its journal {run_dir / 'journal.jsonl'} holds no "
                         f"run_started event; start a new run (without --resume)")
    return run_id, run_dir, past


@dataclass(frozen=True)
class Change:
    """A step the journal calls done that runs again, and why."""

    step: str
    reason: str


def changed_steps(plan: Plan, past: PastRun, keys: Mapping[str, str], statics: Mapping[str, str],
                  args: Mapping[str, Any]) -> Tuple[Change, ...]:
    """Done steps whose key moved since they were done, in plan order, each with its reason."""
    steps = plan.workflow.steps_by_id()
    dependencies = {planned.id: planned.dependencies for planned in plan.steps}
    moved = {name for name in set(args) | set(past.args) if args.get(name) != past.args.get(name)}
    changes: Dict[str, Change] = {}
    for step_id in plan.order:
        if step_id not in past.done or past.fingerprints.get(step_id) == keys[step_id][:KEY_CHARS]:
            continue
        changes[step_id] = Change(step_id, _reason(step_id, dependencies[step_id], changes, past, statics,
                                                   sorted(moved & set(step_arguments(steps[step_id], tuple(args))))))
    return tuple(changes.values())


def _reason(step_id: str, needs: Sequence[str], changes: Mapping[str, Change], past: PastRun,
            statics: Mapping[str, str], arguments: Sequence[str]) -> str:
    upstream = [need for need in needs if need in changes]
    if not past.fingerprints.get(step_id):
        return "its journal entry predates step keys"
    if upstream:
        return f"upstream `{upstream[0]}` runs again"
    if past.definitions.get(step_id) != statics.get(step_id, "")[:KEY_CHARS]:
        return "its definition changed"
    if arguments:
        return "argument " + ", ".join(f"`{name}`" for name in arguments) + " changed"
    return "its definition or files changed"


def _fan_out_of(past: PastRun, step: str) -> str:
    """The map node an instance the journal names belongs to ("" for any other step)."""
    instance = past.instances.get(step)
    return "" if instance is None else instance.of


@dataclass(frozen=True)
class Session:
    """This session's run, what is already done of it, and what the user is told about that."""

    run_id: str
    run_dir: Path
    past: PastRun
    notes: Tuple[str, ...] = ()


def open_session(plan: Plan, options: RunOptions, keys: Mapping[str, str], statics: Mapping[str, str]) -> Session:
    """A new run, or the run `--resume` names with its leftovers stopped, its changed steps no
    longer done and its journal's torn tail cut (call with the run's lock held)."""
    runs_dir = options.state_dir / "runs"
    workflow = plan.workflow.name
    if options.resume is None:
        if not options.journal:
            run_id = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
            return Session(run_id, runs_dir / run_id, PastRun(run_id, {}, {}))
        run_id, run_dir = start_run(runs_dir, workflow)
        return Session(run_id, run_dir, PastRun(run_id, {}, {}))
    run_id, run_dir, past = find_run(runs_dir, workflow, options.resume)
    notes = [f"warning: {problem}" for problem in past.problems]
    stopped = stop_leftovers(past.tokens)
    if stopped:
        steps = ", ".join(sorted(set(stopped.values())))
        notes.append(f"resume: stopped {len(stopped)} leftover process(es) of run {run_id} before resuming it "
                     f"(steps: {steps}; pids: {', '.join(map(str, sorted(stopped)))})")
    changes = changed_steps(plan, past, keys, statics, options.args)
    if changes:
        notes.append(f"resume: changed since run {run_id} did them, so running again: "
                     + "; ".join(f"{change.step} ({change.reason})" for change in changes))
        again = {change.step for change in changes}
        past = replace(past, done={step: kind for step, kind in past.done.items() if step not in again},
                       completed=tuple(step for step in past.completed if step not in again
                                       and _fan_out_of(past, step) not in again))
    try:
        repair_tail(run_dir / "journal.jsonl")
    except OSError as error:
        raise UsageError(f"cannot append to the journal of run {run_id}: {error.strerror or error}") from None
    return Session(run_id, run_dir, past, tuple(notes))
