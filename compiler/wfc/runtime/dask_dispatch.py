"""Attempts placed on the workers by the client, each a direct call to its worker's actor.

As Dask tasks, attempts went through the scheduler both ways, and every hop waits on Dask's
message batching (10 ms on the client's stream, 5 ms on the scheduler's), so a fan-out ran at the
pace of those round trips whatever the workers did, and Dask recomputed a finished task whose
result was lost with its worker, running a step twice unseen. Here each worker holds one
`Attempts` actor for the run, and a scheduler thread calls it straight over the worker's own
connection and waits for the answer: an attempt is never queued by Dask, never recomputed, and a
lost worker is an answer too (its actor is gone). The client places each attempt on the worker
with the most free threads, so wfc's own policy decides what runs and Dask only runs it.
"""
from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from concurrent.futures import CancelledError, Executor
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Protocol, Set, Tuple, cast

from distributed import Actor, Client, KilledWorker, get_worker

from wfc.runtime.executors import StepResult

POLL = 1.0  # how often a waiting attempt looks whether its worker is still in the cluster
REFRESH = 2.0  # how often placement looks for workers that joined (Dask's own info interval)


class Runner(Protocol):
    """The run's plugin on a worker: what runs an attempt, and the threads it runs on (the
    plugin's own, shut down when the run ends; the worker's task threads stay Dask's)."""

    pool: Optional[Executor]  # None: the worker loop's own (only where the plugin's setup failed)

    def attempt(self, payload: Any) -> StepResult:
        ...


class Attempts:
    """The actor on one worker, created there as a task: it hands each call to the plugin."""

    def __init__(self, plugin: str) -> None:
        self.runner: Runner = cast(Runner, get_worker().plugins[plugin])

    async def attempt(self, payload: Any) -> StepResult:
        # in this call's context, so that a `call:` step's get_worker() finds its worker as in a task
        run = contextvars.copy_context().run
        return await asyncio.get_running_loop().run_in_executor(self.runner.pool, run, self.runner.attempt, payload)


@dataclass
class Place:
    """One worker's actor (and the future that keeps it), and how many attempts it runs now."""

    future: Any
    actor: Any
    threads: int
    busy: int = 0

    @property
    def gone(self) -> bool:
        return bool(self.future.status != "finished")  # the actor errs once Dask has lost its worker


def lost(address: str) -> StepResult:
    return StepResult(False, error=f"the Dask worker running it ({address}) was lost; the step's processes died "
                                   f"with it")


class Dispatcher:
    """Runs attempts on the workers' actors (of the plugin named `plugin`), for threads that block
    on them; after `cancel`, a thread stops waiting for a call `grace` seconds on."""

    def __init__(self, client: Client, plugin: str, grace: float) -> None:
        self.client, self.plugin, self.grace = client, plugin, grace
        self.lock = threading.Lock()
        self.freed = threading.Condition(self.lock)  # a thread of some worker's has become free
        self.refreshing = threading.Lock()  # one thread asks the cluster at a time
        self.places: Dict[str, Place] = {}
        self.lost: Set[str] = set()  # workers an attempt was lost on: never placed on again
        self.refreshed = 0.0
        self.cancelled_at: Optional[float] = None

    def workers(self) -> Dict[str, int]:
        """The cluster's workers now, with their thread counts (one call to the scheduler)."""
        return {address: int(info.get("nthreads", 1))
                for address, info in self.client.scheduler_info()["workers"].items()}

    def refresh(self, stale: float) -> None:
        """Unless another thread has just done it (within `stale` seconds): an actor on every
        worker that has none, and none left on a worker that is gone."""
        with self.refreshing:
            if time.monotonic() - self.refreshed > stale:
                self.renew()

    def renew(self) -> None:
        current = self.workers()
        with self.lock:
            self.refreshed = time.monotonic()
            for address in [address for address, place in self.places.items()
                            if address not in current or place.gone]:
                del self.places[address]
            joined = [address for address in current if address not in self.places and address not in self.lost]
        for address in joined:
            place = self.place(address, current[address])
            if place is not None:
                with self.lock:
                    self.places[address] = place

    def place(self, address: str, threads: int) -> Optional[Place]:
        """The run's actor on the worker at `address`, or None if that worker went meanwhile."""
        future = self.client.submit(Attempts, self.plugin, actor=True, workers=[address], allow_other_workers=False,
                                    pure=False, key=f"{self.plugin}-attempts-{address}")
        while True:  # pinned to its worker, the actor's task would wait forever for one that left
            try:
                future.result(timeout=POLL)
                break
            except TimeoutError:
                if address in self.workers():
                    continue
            except (CancelledError, KilledWorker, OSError):  # its worker was lost meanwhile
                pass
            future.cancel()
            return None
        with self.client.as_current():  # the proxy calls through this client, not a default one
            return Place(future, Actor(Attempts, address, future.key), threads)

    def run(self, payload: Any) -> StepResult:
        """Blocks the calling thread until the attempt has ended, however it ended."""
        placed = self.take()
        if placed is None:
            return StepResult(False, error="cancelled while the Dask cluster had no workers", cancelled=True)
        address, place = placed
        result = self.wait(place, place.actor.attempt(payload))  # the call itself goes out on the loop
        with self.lock:
            place.busy -= 1
            self.freed.notify()
            if result is None:  # forgotten before Dask notices, so that a retry goes elsewhere
                self.lost.add(address)
                self.places.pop(address, None)
        return result or lost(address)

    def take(self) -> Optional[Tuple[str, Place]]:
        """The worker with the most free threads (ties: the last address), counted as one busier.
        With every thread busy the attempt waits here, as a task waits in Dask's scheduler, so that
        a worker joining meanwhile gets it; with no worker left it waits for one to join (a
        restarted worker, say); None once the run is cancelled."""
        while self.cancelled_at is None:
            if time.monotonic() - self.refreshed > REFRESH:
                self.refresh(REFRESH)
            with self.lock:
                live = [(address, place) for address, place in self.places.items() if not place.gone]
                free = [(address, place) for address, place in live if place.busy < place.threads]
                if free:
                    address, place = max(free, key=lambda item: (item[1].threads - item[1].busy, item[0]))
                    place.busy += 1
                    return address, place
                if live:
                    self.freed.wait(POLL)
                    continue
            self.await_worker()
        return None

    def await_worker(self) -> None:
        try:
            self.client.wait_for_workers(1, timeout=POLL)
        except TimeoutError:
            return
        self.refresh(0.0)

    def wait(self, place: Place, future: Any) -> Optional[StepResult]:
        """The attempt's answer; or None once its worker has left the cluster without one; or,
        `grace` after a cancel, a cancelled attempt whose call is left running."""
        while True:
            try:
                result: StepResult = future.result(timeout=POLL)
                return result
            except TimeoutError:
                pass
            except OSError:
                return None
            except Exception as error:  # raised on the worker by the call itself, not by the step
                return StepResult(False, error=f"the Dask cluster could not run it: {type(error).__name__}: {error}")
            if place.gone:
                return None
            if self.cancelled_at is not None and time.monotonic() - self.cancelled_at > self.grace:
                return StepResult(False, error="cancelled; its Dask call was left running", cancelled=True)

    def cancel(self) -> None:
        self.cancelled_at = time.monotonic()

    def running(self) -> List[str]:
        """The workers running attempts now."""
        with self.lock:
            return [address for address, place in self.places.items() if place.busy]
