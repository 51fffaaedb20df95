"""Attempts as calls to the run's actors, on the runtime tests' in-process cluster on 127.0.0.1."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator, List

import pytest

distributed = pytest.importorskip("distributed")

from wfc.runtime.dask_dispatch import Dispatcher  # noqa: E402
from wfc.runtime.executors import StepResult  # noqa: E402

RELEASE = threading.Event()  # the in-process workers share this module with the test


class Doubling(distributed.WorkerPlugin):
    """A plugin of the shape the actors call: `attempt` on threads of its `pool`."""

    def setup(self, worker: Any) -> None:
        self.address = worker.address
        self.pool = ThreadPoolExecutor(2)

    def teardown(self, worker: Any) -> None:
        self.pool.shutdown(wait=False)

    def attempt(self, payload: int) -> StepResult:
        if payload == 7:
            raise ValueError("seven is not doubled")
        if payload < 0:
            RELEASE.wait(30)
        return StepResult(True, value=f"{self.address}:{payload * 2}")


@pytest.fixture
def client(shared_cluster: Any) -> Iterator[Any]:
    with distributed.Client(shared_cluster, set_as_default=False) as client:
        client.register_plugin(Doubling(), name="doubling")
        yield client
        client.unregister_worker_plugin("doubling")


def test_each_waiting_thread_gets_its_own_attempts_result_from_the_least_busy_worker(client: Any) -> None:
    dispatcher = Dispatcher(client, "doubling", grace=0.0)
    with ThreadPoolExecutor(24) as pool:  # more threads than the workers have: attempts wait for a free one
        results: List[StepResult] = list(pool.map(dispatcher.run, range(60)))
    doubled = [result.value.rpartition(":")[2] for result in results if result.ok]
    assert doubled == [str(n * 2) for n in range(60) if n != 7]
    assert len({result.value.rpartition(":")[0] for result in results if result.ok}) == 2
    assert (results[7].ok, results[7].error) == (False, "the Dask cluster could not run it: ValueError: "
                                                        "seven is not doubled")
    assert dispatcher.running() == []


def test_after_a_cancel_and_its_grace_a_waiting_thread_gives_up_on_its_call(client: Any) -> None:
    dispatcher = Dispatcher(client, "doubling", grace=0.0)
    RELEASE.clear()
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(dispatcher.run, -1)
        while not dispatcher.running():
            threading.Event().wait(0.01)
        dispatcher.cancel()
        result = waiting.result(timeout=30)
    RELEASE.set()  # frees the worker thread the call was left running on
    assert (result.ok, result.cancelled, result.error) == (False, True, "cancelled; its Dask call was left running")
    assert dispatcher.running() == []
