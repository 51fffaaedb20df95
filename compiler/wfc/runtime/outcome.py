"""What a run decides and reports: options in, per-step outcomes and a run result out."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

from wfc.model import Step

FINISHED, FAILED, SKIPPED, CACHE_HIT, RESUMED, CANCELLED = (
    "finished", "failed", "skipped", "cache_hit", "resumed", "cancelled")
NOT_RUN = "not_run"  # an agent step the run's budget kept from starting (see `spend`)
OVER_BUDGET_EXIT = 3  # the run's only trouble: its budget kept agent steps from starting


@dataclass(frozen=True)
class RunOptions:
    """Everything the command line can set. `resume` is a run id, "" for the latest run, or None."""

    args: Mapping[str, Any] = field(default_factory=dict)
    state_dir: Path = Path(".wfc")
    max_parallel: Optional[int] = None
    resume: Optional[str] = None
    no_cache: bool = False
    refresh: bool = False
    dry_run: bool = False
    time_scale: float = 0.0
    events: Optional[str] = None  # "jsonl" streams journal events to stdout
    todo_json: Optional[Path] = None
    agent_command: Optional[str] = None
    progress: str = "auto"  # auto (live on a terminal, plain lines otherwise), plain, none
    journal: bool = True
    executor: str = "local"  # where attempts run: a backend.EXECUTORS name
    scheduler: Optional[str] = None  # the dask executor's scheduler address (None: DASK_SCHEDULER_ADDRESS)
    scheduler_file: Optional[Path] = None  # or the file a Dask scheduler wrote its address to
    max_cost: Optional[float] = None  # USD: the run's budget, in place of the workflow's `max_cost`


@dataclass(frozen=True)
class StepOutcome:
    status: str
    values: Mapping[str, Any] = field(default_factory=dict)
    error: str = ""
    attempts: int = 0
    duration: float = 0.0
    meta: Mapping[str, Any] = field(default_factory=dict)
    continue_on_error: bool = False

    @property
    def satisfies(self) -> bool:
        if self.status == FAILED:
            return self.continue_on_error
        return self.status not in (CANCELLED, NOT_RUN)

    @property
    def fails_run(self) -> bool:
        return self.status == CANCELLED or (self.status == FAILED and not self.continue_on_error)


@dataclass(frozen=True)
class RunResult:
    run_id: str
    status: str  # "succeeded", "failed" or "cancelled"
    outcomes: Mapping[str, StepOutcome]
    not_run: Tuple[str, ...]
    outputs: Mapping[str, Any]
    cache_hits: int
    cache_misses: int
    elapsed: float
    run_dir: Optional[Path]
    warnings: Tuple[str, ...] = ()
    signal: int = 0  # what cancelled the run (SIGINT, SIGTERM, SIGHUP), 0 for none
    notes: Tuple[str, ...] = ()  # what resuming did: leftovers stopped, changed steps run again
    over_budget: Tuple[str, ...] = ()  # agent steps not run because the run's budget was spent
    budget: str = ""  # what the budget said when it stopped them

    @property
    def exit_code(self) -> int:
        """0, 1 for a failure, 3 when the run's budget alone stopped it, 128 + the signal's number
        when one cancelled it (130 for Ctrl-C)."""
        if self.status == "cancelled":
            return 128 + (self.signal or 2)
        if self.status == "succeeded":
            return 0
        failed = any(outcome.status == FAILED and not outcome.continue_on_error for outcome in self.outcomes.values())
        return OVER_BUDGET_EXIT if self.over_budget and not failed else 1


def split_outputs(step: Step, value: Any) -> Tuple[Dict[str, Any], str]:
    """A step's output value as {context name: value}, or an error saying what was expected."""
    if not step.outputs:
        return {}, ""
    if len(step.outputs) == 1:
        return {step.outputs[0]: value}, ""
    data = value
    if isinstance(value, (str, bytes)):
        try:
            data = json.loads(value)
        except ValueError:
            data = None
    names = ", ".join(step.outputs)
    if not isinstance(data, dict) or any(name not in data for name in step.outputs):
        preview = repr(value)
        preview = preview if len(preview) <= 200 else preview[:200] + "..."
        missing = (
            "" if not isinstance(data, dict) else f" (missing: {', '.join(n for n in step.outputs if n not in data)})"
        )
        return {}, (f"step `{step.id}` produces several outputs ({names}), so its output must be a JSON "
                    f"object with those keys{missing}; got {preview}")
    return {name: data[name] for name in step.outputs}, ""
