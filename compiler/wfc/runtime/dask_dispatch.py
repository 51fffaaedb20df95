"""Attempts handed to the Dask client's event loop in batches, their results fetched in batches.

A scheduler thread that waited on its own future (`future.result()`) made the client's loop and
the scheduler handle one message per attempt each way, and on a fan-out that, not the workers,
bounded the run. Here a thread only files its attempt and parks on an Event. The loop learns of
finished attempts through `as_completed` and fetches all that finished meanwhile in one `gather`;
delivering them frees their threads, which file what the scheduler gives them next, and those
filings go out together in one `Client.map` once the wave is in (or WAVE_WINDOW after its first,
since a finished step need not free a ready one). An attempt filed when no wave is due (a chain,
a run's first steps) goes at once. Only Dask's public API is used; all but `run` and `running`
runs on the client's loop thread.
"""
from __future__ import annotations

import threading
from concurrent.futures import CancelledError
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from distributed import Client, KilledWorker, as_completed

from wfc.runtime.executors import StepResult

# Measured (issue 18, fan-out of 500 no-ops, 16 slots, 12 alternating runs): 0.91x the time of
# submitting at the loop's next turn; a chain never waits for it, and the 200 ms DAG's span did
# not move (1.126-1.131 of its critical path at 0, 2 and 5 ms).
WAVE_WINDOW = 0.005
LOST = "it ended, but its result was lost with its Dask worker before wfc fetched it; Dask does not run it again"


@dataclass
class Handoff:
    """One attempt between the thread that waits for it and the loop that runs it."""

    key: str
    payload: Any
    done: threading.Event = field(default_factory=threading.Event)
    result: Optional[StepResult] = None

    def deliver(self, result: StepResult) -> None:
        self.result = result
        self.done.set()


def failure(error: BaseException, cancelling: bool) -> StepResult:
    """What a Dask error means for the attempt: a lost worker or the cluster's own failure is a
    failed attempt under wfc's retry policy, and so is a result lost with its worker (Dask cancels
    its future rather than recompute it, see `OnlyOnce`); cancelled while the run is cancelling,
    it is a cancelled attempt."""
    if isinstance(error, KilledWorker):
        return StepResult(False, error=f"the Dask worker running it ({error.last_worker.address}) was lost; "
                                       f"the step's processes died with it")
    if isinstance(error, CancelledError) and cancelling:  # the cancel's grace ran out: a Python call goes on
        return StepResult(False, error="cancelled; its Dask task was left running", cancelled=True)
    if isinstance(error, CancelledError):
        return StepResult(False, error=LOST)
    return StepResult(False, error=f"the Dask cluster could not run it: {type(error).__name__}: {error}")


class Dispatcher:
    """Runs `task(*leading, payload)` as a Dask task per attempt, for threads that block on it."""

    def __init__(self, client: Client, task: Callable[..., StepResult], leading: Tuple[Any, ...],
                 cancelling: threading.Event) -> None:
        self.client, self.task, self.leading, self.cancelling = client, task, leading, cancelling
        assert client.loop is not None, "a started client has its loop"
        self.loop = client.loop
        self.lock = threading.Lock()
        self.filed: List[Handoff] = []  # not yet submitted
        self.live: Dict[Any, Handoff] = {}  # submitted futures, until their result is delivered
        self.completed = as_completed(loop=self.loop)
        self.collecting = False
        self.timer: Optional[object] = None  # the WAVE_WINDOW of the wave being filed
        self.awaited = 0  # filings the results just delivered are likely to bring

    def run(self, key: str, payload: Any) -> StepResult:
        """Blocks the calling thread until the attempt has ended, however it ended."""
        handoff = Handoff(key, payload)
        with self.lock:
            self.filed.append(handoff)
            self.awaited = max(0, self.awaited - 1)
            wave_in, first = self.awaited == 0, len(self.filed) == 1
        if wave_in or first:  # add_callback is the loop's one thread-safe call
            self.loop.add_callback(self.consider)
        handoff.done.wait()
        assert handoff.result is not None
        return handoff.result

    def running(self) -> List[Any]:
        """The futures of the attempts not yet ended (for a cancel to give up on)."""
        with self.lock:
            return list(self.live)

    def consider(self) -> None:
        """Submit what is filed once the wave the last results brought is in; the rest of a wave
        may never come (a finished step need not free a ready one), so it waits WAVE_WINDOW at most."""
        with self.lock:
            wave_in = self.awaited == 0
        if wave_in:
            self.submit_filed()
        elif self.timer is None:
            self.timer = self.loop.call_later(WAVE_WINDOW, self.submit_filed)

    def submit_filed(self) -> None:
        if self.timer is not None:
            self.loop.remove_timeout(self.timer)
            self.timer = None
        with self.lock:
            batch, self.filed, self.awaited = self.filed, [], 0
        if not batch:
            return
        try:
            futures = self.client.map(self.task, *([part] * len(batch) for part in self.leading),
                                      [handoff.payload for handoff in batch],
                                      key=[handoff.key for handoff in batch], pure=False)
        except Exception as error:  # a client closing or cut off: each attempt fails, none is lost
            for handoff in batch:
                handoff.deliver(failure(error, self.cancelling.is_set()))
            return
        with self.lock:
            self.live.update(zip(futures, batch))
        self.completed.update(futures)
        if not self.collecting:
            self.collecting = True
            self.loop.add_callback(self.collect)

    async def collect(self) -> None:
        """Until nothing is left in flight: wait for one attempt to end, then fetch it and every
        other that ended meanwhile together."""
        try:
            async for first in self.completed:
                await self.fetch([first, *self.completed.next_batch(block=False)])
        finally:
            self.collecting = False

    async def fetch(self, futures: Sequence[Any]) -> None:
        finished = [future for future in futures if future.status == "finished"]
        try:
            values = await self.client.gather(finished, asynchronous=True) if finished else []
            results = dict(zip(finished, values))
        except Exception:  # one of them was lost after finishing: each alone says which
            results = {}
        with self.lock:
            self.awaited += len(futures)
        for future in futures:
            result = results.get(future)
            if result is None:
                result = await self.alone(future)
            self.settle(future, result)

    async def alone(self, future: Any) -> StepResult:
        try:
            result: StepResult = await self.client.gather(future, asynchronous=True)
            return result
        except Exception as error:  # Dask raises a lost worker, a cancel or the cluster's failure
            return failure(error, self.cancelling.is_set())

    def settle(self, future: Any, result: StepResult) -> None:
        with self.lock:
            handoff = self.live.pop(future)
        future.release()
        handoff.deliver(result)
