"""Dependency-driven scheduling on a pool of worker threads.

The policy is the one the plan's estimate simulates: whenever steps finish, scan the ready steps
by priority (longest remaining path, highest first; then step id) and start each one that fits
within `max_parallel` and the free capacity of every resource it holds; a step that does not fit
is passed over, not waited for. No level barriers: a step starts the moment its dependencies are
done, so a slow step never holds back an unrelated branch.

Bookkeeping runs on whichever worker finished a step, under one lock, and that worker goes
straight on to run the first step its completion launched; only the other launched steps travel
through the job queue. A chain therefore runs on one thread with no hand-off per step, and the
calling thread only waits for the end (or for Ctrl-C). A worker never sleeps on the lock: it
leaves its completion on a deque, and whoever holds the lock settles it (see `complete`). Every
bookkeeping section is one journal batch: its events are written together when it ends, before
any step it launched starts, so a step's finished event is always on disk before any of its
dependents runs.

Steps are integers inside: dependents, waiting counts and resources are lists indexed by step,
so settling a step costs no string hashing; the ready queue is the analysis's own ReadyQueue.
"""
from __future__ import annotations

import queue
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Deque, Generic, List, Mapping, Optional, Protocol, Tuple, TypeVar

from wfc.analysis.schedule import ReadyQueue

DEFAULT_WORKERS = 256  # threads mostly wait on subprocesses; this bounds an unbounded workflow
CANCEL = object()
DONE = object()


@dataclass(frozen=True)
class Node:
    """What the scheduler needs of a step: its place in the graph, its priority, what it holds."""

    id: str
    dependencies: Tuple[str, ...]
    dependents: Tuple[str, ...]
    priority: float
    resources: Mapping[str, int]
    trigger: str = "on_success"  # `always` and `on_failure` steps also start after a failure


class Outcome(Protocol):
    @property
    def satisfies(self) -> bool:
        """Dependents may start (finished, skipped, cached, or failed with continue_on_error)."""

    @property
    def fails_run(self) -> bool:
        """The workflow has failed."""


OutcomeT = TypeVar("OutcomeT", bound=Outcome)


class Hooks(Protocol, Generic[OutcomeT]):
    """Called under the scheduler's lock (one at a time), except `work`, which runs concurrently.
    Generic in the outcome type, so that hooks may take their own outcomes back in `finished`."""

    def immediate(self, step_id: str) -> Optional[OutcomeT]:
        """An outcome without running (resumed, skipped, cache hit), or None to run the step."""

    def started(self, step_id: str) -> None:
        ...

    def work(self, step_id: str) -> OutcomeT:
        """Runs on a worker thread."""

    def finished(self, step_id: str, outcome: OutcomeT) -> None:
        ...

    def cancel(self) -> None:
        """Ctrl-C: kill what is running; workers then report their steps as cancelled."""

    def crashed(self, step_id: str, message: str) -> OutcomeT:
        """The outcome for a step whose `work` raised: a bug, reported as the step failing."""


class Batch(Protocol):
    """Where events of one bookkeeping section are held, then written together (the journal)."""

    def hold(self) -> None:
        ...

    def release(self) -> None:
        ...


class NoBatch:
    def hold(self) -> None:
        pass

    def release(self) -> None:
        pass


@dataclass(frozen=True)
class Summary:
    failed: bool
    cancelled: bool
    not_run: Tuple[str, ...]  # never started: blocked by a failure, or stopped by one


class Workers:
    """Threads spawned on demand (never fewer than steps in flight), living until `close`. Each
    runs a step, then whatever step the scheduler hands back for it, until there is none."""

    def __init__(self, scheduler: "Scheduler") -> None:
        self.jobs: "queue.SimpleQueue[Optional[int]]" = queue.SimpleQueue()
        self.scheduler = scheduler
        self.threads: List[threading.Thread] = []

    def submit(self, index: int, in_flight: int) -> None:
        while len(self.threads) < in_flight:
            thread = threading.Thread(target=self._loop, name=f"wfc-worker-{len(self.threads)}", daemon=True)
            self.threads.append(thread)
            thread.start()
        self.jobs.put(index)

    def _loop(self) -> None:
        get, work, complete = self.jobs.get, self.scheduler.work, self.scheduler.complete
        while True:
            index = get()
            if index is None:
                return
            while index is not None:
                index = complete(index, work(index))

    def close(self) -> None:
        for _ in self.threads:
            self.jobs.put(None)


class Scheduler:
    def __init__(self, nodes: Mapping[str, Node], hooks: "Hooks[Any]", *, max_parallel: Optional[int],
                 capacities: Mapping[str, int], keep_going: bool, batch: Batch = NoBatch()) -> None:
        self.hooks = hooks
        self.batch = batch
        self.limit = max_parallel if max_parallel is not None else DEFAULT_WORKERS
        self.free = dict(capacities)
        self.keep_going = keep_going
        self.ids: List[str] = list(nodes)
        position = {step_id: index for index, step_id in enumerate(self.ids)}
        listed = list(nodes.values())  # one pass over the nodes per table, no lookups by id
        self.dependents = [tuple(map(position.__getitem__, node.dependents)) for node in listed]
        self.waiting = [len(node.dependencies) for node in listed]
        self.resources = [tuple(node.resources.items()) if node.resources else () for node in listed]
        self.position = position
        # the plan's own policy object, so the estimate and the run start steps in the same order
        self.queue = ReadyQueue({step_id: node.priority for step_id, node in nodes.items()},
                                {step_id: node.resources for step_id, node in nodes.items()})
        self.started = [False] * len(self.ids)
        # steps that run however what they wait for ended; blocked: steps that never will run
        self.triggered = [node.trigger != "on_success" for node in listed]
        self.blocked = [False] * len(self.ids)
        self.finale: List[int] = []  # triggered steps ready while the run is stopping
        self.running = 0
        self.failed = self.cancelled = self.stopping = False
        self.lock = threading.Lock()
        self.done: Deque[Tuple[int, Any]] = deque()  # finished steps not yet settled
        self.signals: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
        self.workers = Workers(self)

    def interrupt(self) -> None:
        """Safe from a signal handler: SimpleQueue.put is reentrant, and no lock is taken here."""
        self.signals.put(CANCEL)

    def run(self) -> Summary:
        try:
            roots = [index for index, count in enumerate(self.waiting) if count == 0]
            self._combine(lambda: self._settle(roots), keep=False)
            if self.running:
                self._wait()
        finally:
            self.workers.close()
        not_run = tuple(sorted(self.ids[i] for i, began in enumerate(self.started) if not began))
        return Summary(self.failed, self.cancelled, not_run)

    def _wait(self) -> None:
        while True:
            item = self.signals.get()
            if item is DONE:
                return
            if item is CANCEL:
                self._combine(self._cancel, keep=False)
            elif isinstance(item, BaseException):
                raise item

    def _cancel(self) -> None:
        if not self.cancelled:
            self.cancelled = self.stopping = True
            self.hooks.cancel()

    def work(self, index: int) -> Any:
        try:
            return self.hooks.work(self.ids[index])
        except BaseException as error:  # a bug must not hang the run waiting for this step
            return self.hooks.crashed(self.ids[index], f"internal error: {type(error).__name__}: {error}")

    def complete(self, index: int, outcome: Any) -> Optional[int]:
        """Hand in a worker's finished step; returns the worker's next step, if it gets one.

        The completion goes on a deque and the worker settles whatever is there only if the lock
        is free: a worker never sleeps on the lock. Sleeping on it is what made two workers
        convoy (the lock passed to a thread that then had to wait for the GIL, two thread
        switches per no-op step). If the lock is busy, its holder settles this completion
        before or right after releasing it, and the worker goes to the job queue for work."""
        self.done.append((index, outcome))
        try:
            return self._combine(None, keep=True)
        except BaseException as error:  # reported on the calling thread instead of hanging it
            self.signals.put(error)
            return None

    def _combine(self, bookkeeping: Optional[Callable[[], None]], keep: bool) -> Optional[int]:
        """Bookkeeping sections until no completion is left unsettled: a completion appended
        while a section ran was seen by its worker as a busy lock, so it is this thread's to
        settle after releasing (unless another thread takes the lock first, and then it is
        that thread's). `bookkeeping` (the calling thread's: roots, Ctrl-C) waits for the lock.
        With `keep`, the first step launched is returned instead of queued: the worker runs it
        next with no hand-off."""
        mine: Optional[int] = None
        if bookkeeping is not None:
            self.lock.acquire()
        elif not self.lock.acquire(False):
            return None
        while True:
            try:
                launched = self._section(bookkeeping)
                if keep and mine is None and launched:
                    mine = launched.pop(0)
                for index in launched:
                    self.workers.submit(index, self.running)
            finally:
                self.lock.release()
            bookkeeping = None
            if not self.done or not self.lock.acquire(False):
                return mine

    def _section(self, bookkeeping: Optional[Callable[[], None]]) -> List[int]:
        """One journal batch under the lock: settle, launch. Its events are written before any
        step it launched is handed to a thread."""
        done, settled = self.done, False
        self.batch.hold()
        try:
            if bookkeeping is not None:
                bookkeeping()
            while done:
                index, outcome = done.popleft()
                self.running -= 1
                for name, units in self.resources[index]:
                    self.free[name] += units
                self._settle((), (index, outcome))
                settled = True
            launched = self._launch()
        finally:
            self.batch.release()
        if settled and not self.running:
            self.signals.put(DONE)
        return launched

    def _settle(self, newly_ready: Any, done: Optional[Tuple[int, Any]] = None) -> None:
        """Record outcomes and release dependents, resolving steps that need no thread (skips,
        cache hits, resumed steps) iteratively, so a chain of 10,000 hits cannot overflow."""
        hooks, ids, waiting, dependents = self.hooks, self.ids, self.waiting, self.dependents
        finished: List[Tuple[int, Any]] = [done] if done else []
        pending = list(newly_ready)
        while finished or pending:
            while pending:
                index = pending.pop()
                outcome = None if self.stopping and not self.triggered[index] else hooks.immediate(ids[index])
                if outcome is None and not self.stopping:
                    self.queue.push(ids[index])
                elif outcome is None and self.triggered[index]:
                    self.finale.append(index)
                elif outcome is None:
                    continue  # released while the run stops: it never starts, and the summary says so
                else:
                    self.started[index] = True
                    finished.append((index, outcome))
            if finished:
                index, outcome = finished.pop()
                hooks.finished(ids[index], outcome)
                if outcome.fails_run:
                    self.failed = True
                    self.stopping = self.stopping or not self.keep_going
                if outcome.satisfies:
                    for dependent in dependents[index]:
                        waiting[dependent] -= 1
                        if not waiting[dependent]:
                            pending.append(dependent)
                else:
                    self._block(index, pending)

    def _block(self, index: int, pending: List[int]) -> None:
        """`index` ended without satisfying its dependents, or will never run: those that wait for
        it never run either, except triggered steps, for which it now counts as ended."""
        stack = [index]
        while stack:
            for dependent in self.dependents[stack.pop()]:
                if self.triggered[dependent]:
                    self.waiting[dependent] -= 1
                    if not self.waiting[dependent]:
                        pending.append(dependent)
                elif not self.blocked[dependent]:
                    self.blocked[dependent] = True
                    stack.append(dependent)

    def _closing(self) -> List[int]:
        """A failure stopped the run: once nothing runs, every step not started will never run,
        so the triggered steps waiting for them (cleanup, reports) start, in priority order."""
        if self.cancelled:
            return []
        if not self.running and not self.finale:
            ready = self.queue.take(None, {name: len(self.ids) * 2**31 for name in self.free})
            self.finale.extend(self.position[step_id] for step_id in ready if self.triggered[self.position[step_id]])
            pending: List[int] = []
            for index, began in enumerate(self.started):
                if not began and not self.triggered[index] and not self.blocked[index]:
                    self.blocked[index] = True
                    self._block(index, pending)
            self._settle(pending)
        room = self.limit - self.running
        launched, self.finale = self.finale[:room], self.finale[room:]
        self.running += len(launched)
        for index in launched:
            self.started[index] = True
            self.hooks.started(self.ids[index])
        return launched

    def _launch(self) -> List[int]:
        """Start ready steps in priority order while they fit; returns them in start order."""
        if self.stopping:
            return self._closing()
        if not len(self.queue):
            return []
        launched = [self.position[step_id] for step_id in self.queue.take(self.limit - self.running, self.free)]
        self.running += len(launched)
        for index in launched:
            self.started[index] = True
            self.hooks.started(self.ids[index])
        return launched
