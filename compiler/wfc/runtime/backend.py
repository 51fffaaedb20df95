"""Where step attempts run: the seam between the run's policy and the machinery that executes.

Everything that decides stays in the client, whatever the backend: the scheduler, the ready
queue, resource counting, retries, the journal, the context cache and compensation. A backend
only runs one attempt when asked and reports its `StepResult`. `run_attempt` is called on one of
the scheduler's worker threads and returns when the attempt has ended, so a backend that sends
attempts elsewhere (a Dask cluster) blocks that thread, not the scheduler.

The default backend runs attempts on the calling thread itself: `run_attempt` is the executors'
own bound method, so the seam costs the local run nothing.
"""
from __future__ import annotations

import threading
from typing import Callable, Protocol, Tuple

from wfc.analysis.plan import Plan
from wfc.diagnostics.errors import UsageError
from wfc.runtime.executors import Executors, Invocation, StepResult
from wfc.runtime.outcome import RunOptions

EXECUTORS = ("local", "dask")


class Backend(Protocol):
    """Start, run attempts, cancel, close; `cancelled` is set once `cancel` has been called."""

    cancelled: threading.Event
    run_attempt: Callable[[Invocation], StepResult]

    def start(self) -> Tuple[str, ...]:
        """Ready to run attempts; returns warnings worth journaling. Raises UsageError when the
        backend cannot run this plan (before any step runs)."""

    def cancel(self) -> None:
        """Stop every running attempt's processes; attempts then report themselves cancelled."""

    def close(self) -> None:
        """Release what `start` acquired (a cluster wfc started is shut down)."""


class ThreadBackend:
    """Attempts on the scheduler's own worker threads, in this process."""

    def __init__(self, executors: Executors) -> None:
        self.executors = executors
        self.cancelled = executors.registry.cancelled
        self.run_attempt: Callable[[Invocation], StepResult] = executors.execute

    def start(self) -> Tuple[str, ...]:
        return ()

    def cancel(self) -> None:
        self.executors.registry.cancel_all()

    def close(self) -> None:
        pass


def open_backend(plan: Plan, options: RunOptions, executors: Executors) -> Backend:
    """The backend `options.executor` names."""
    if options.scheduler and options.scheduler_file:
        raise UsageError("--scheduler and --scheduler-file both name a Dask scheduler: give one of them")
    if options.executor != "dask" and (options.scheduler or options.scheduler_file):
        given = "--scheduler" if options.scheduler else "--scheduler-file"
        raise UsageError(f"{given} names a Dask cluster: add --executor dask to run on it")
    if options.executor == "local":
        return ThreadBackend(executors)
    if options.executor == "dask":
        try:
            from wfc.runtime.dask_backend import DaskBackend
        except ImportError as error:
            raise UsageError(f"the dask executor needs Dask's `distributed` package ({error}): "
                             f"pip install 'wfc-compiler[dask]'") from None
        return DaskBackend(plan, options, executors)
    raise UsageError(f"unknown executor `{options.executor}`: use one of {', '.join(EXECUTORS)}")
