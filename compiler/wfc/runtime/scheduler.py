"""Dependency-driven scheduling on a pool of worker threads.

The policy is the one the plan's estimate simulates: whenever steps finish, scan the ready steps
by priority (longest remaining path, highest first; then step id) and start each one that fits
within `max_parallel` and the free capacity of every resource it holds; a step that does not fit
is passed over, not waited for. No level barriers: a step starts the moment its dependencies are
done, so a slow step never holds back an unrelated branch.

All bookkeeping happens on the calling thread; workers only run steps and post results on a
queue. That keeps the state lock-free and the per-step overhead to a queue round trip.
"""
from __future__ import annotations

import heapq
import queue
import threading
from dataclasses import dataclass
from typing import Any, Callable, List, Mapping, Optional, Protocol, Tuple

DEFAULT_WORKERS = 256  # threads mostly wait on subprocesses; this bounds an unbounded workflow
CANCEL = object()


@dataclass(frozen=True)
class Node:
    """What the scheduler needs of a step: its place in the graph, its priority, what it holds."""

    id: str
    dependencies: Tuple[str, ...]
    dependents: Tuple[str, ...]
    priority: float
    resources: Mapping[str, int]


class Outcome(Protocol):
    @property
    def satisfies(self) -> bool:
        """Dependents may start (finished, skipped, cached, or failed with continue_on_error)."""

    @property
    def fails_run(self) -> bool:
        """The workflow has failed."""


class Hooks(Protocol):
    def immediate(self, step_id: str) -> Optional[Outcome]:
        """An outcome without running (resumed, skipped, cache hit), or None to run the step."""

    def started(self, step_id: str) -> None:
        ...

    def work(self, step_id: str) -> Outcome:
        """Runs on a worker thread."""

    def finished(self, step_id: str, outcome: Outcome) -> None:
        ...

    def cancel(self) -> None:
        """Ctrl-C: kill what is running; workers then report their steps as cancelled."""

    def crashed(self, step_id: str, message: str) -> Outcome:
        """The outcome for a step whose `work` raised: a bug, reported as the step failing."""


@dataclass(frozen=True)
class Summary:
    failed: bool
    cancelled: bool
    not_run: Tuple[str, ...]  # never started: blocked by a failure, or stopped by one


class Workers:
    """A minimal thread pool: threads are spawned on demand and live until `close`."""

    def __init__(self, work: Callable[[str], Any], results: "queue.SimpleQueue[Any]") -> None:
        self._jobs: "queue.SimpleQueue[Optional[str]]" = queue.SimpleQueue()
        self._work = work
        self._results = results
        self._threads: List[threading.Thread] = []

    def submit(self, step_id: str, busy: int) -> None:
        if busy > len(self._threads):
            thread = threading.Thread(target=self._loop, name=f"wfc-worker-{len(self._threads)}", daemon=True)
            self._threads.append(thread)
            thread.start()
        self._jobs.put(step_id)

    def _loop(self) -> None:
        while True:
            step_id = self._jobs.get()
            if step_id is None:
                return
            self._results.put((step_id, self._work(step_id)))

    def close(self) -> None:
        for _ in self._threads:
            self._jobs.put(None)


class Scheduler:
    def __init__(self, nodes: Mapping[str, Node], hooks: Hooks, *, max_parallel: Optional[int],
                 capacities: Mapping[str, int], keep_going: bool) -> None:
        self.nodes = nodes
        self.hooks = hooks
        self.limit = max_parallel if max_parallel is not None else DEFAULT_WORKERS
        self.free = dict(capacities)
        self.keep_going = keep_going
        self.results: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
        self.waiting = {node.id: len(node.dependencies) for node in nodes.values()}
        self.ready: List[Tuple[float, str]] = []
        self.running = 0
        self.started: set = set()
        self.failed = False
        self.cancelled = False
        self.stopping = False

    def interrupt(self) -> None:
        """Safe from a signal handler: SimpleQueue.put is reentrant."""
        self.results.put(CANCEL)

    def run(self) -> Summary:
        workers = Workers(self._safe_work, self.results)
        try:
            self._settle([node_id for node_id, count in self.waiting.items() if count == 0])
            self._launch(workers)
            while self.running:
                item = self.results.get()
                if item is CANCEL:
                    self._cancel()
                    continue
                step_id, outcome = item
                self.running -= 1
                for name, units in self.nodes[step_id].resources.items():
                    self.free[name] += units
                self._settle([], (step_id, outcome))
                self._launch(workers)
        finally:
            workers.close()
        not_run = tuple(sorted(node_id for node_id in self.nodes if node_id not in self.started))
        return Summary(self.failed, self.cancelled, not_run)

    def _cancel(self) -> None:
        if not self.cancelled:
            self.cancelled = self.stopping = True
            self.hooks.cancel()

    def _safe_work(self, step_id: str) -> Any:
        try:
            return self.hooks.work(step_id)
        except BaseException as error:  # a bug must not hang the run waiting for this step
            return self.hooks.crashed(step_id, f"internal error: {type(error).__name__}: {error}")

    def _settle(self, newly_ready: List[str], done: Optional[Tuple[str, Any]] = None) -> None:
        """Record outcomes and release dependents, resolving steps that need no thread (skips,
        cache hits, resumed steps) iteratively, so a chain of 10,000 hits cannot overflow."""
        finished: List[Tuple[str, Any]] = [done] if done else []
        pending = list(newly_ready)
        while finished or pending:
            while pending:
                step_id = pending.pop()
                outcome = None if self.stopping else self.hooks.immediate(step_id)
                if outcome is None:
                    heapq.heappush(self.ready, (-self.nodes[step_id].priority, step_id))
                else:
                    self.started.add(step_id)
                    finished.append((step_id, outcome))
            if finished:
                step_id, outcome = finished.pop()
                self.hooks.finished(step_id, outcome)
                if outcome.fails_run:
                    self.failed = True
                    self.stopping = self.stopping or not self.keep_going
                if outcome.satisfies:
                    pending.extend(self._release(step_id))

    def _release(self, step_id: str) -> List[str]:
        ready = []
        for dependent in self.nodes[step_id].dependents:
            self.waiting[dependent] -= 1
            if self.waiting[dependent] == 0:
                ready.append(dependent)
        return ready

    def _launch(self, workers: Workers) -> None:
        if self.stopping or not self.ready:
            return
        passed_over: List[Tuple[float, str]] = []
        while self.ready and self.running < self.limit:
            entry = heapq.heappop(self.ready)
            node = self.nodes[entry[1]]
            if node.resources and not self._fits(node):
                passed_over.append(entry)
                continue
            for name, units in node.resources.items():
                self.free[name] -= units
            self.running += 1
            self.started.add(node.id)
            self.hooks.started(node.id)
            workers.submit(node.id, self.running)
        for entry in passed_over:
            heapq.heappush(self.ready, entry)

    def _fits(self, node: Node) -> bool:
        return all(self.free.get(name, 0) >= units for name, units in node.resources.items())

