"""The batched handover of attempts to Dask, on the runtime tests' in-process cluster on 127.0.0.1."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator, List

import pytest

distributed = pytest.importorskip("distributed")

from wfc.runtime.dask_dispatch import Dispatcher  # noqa: E402
from wfc.runtime.executors import StepResult  # noqa: E402

RELEASE = threading.Event()  # the in-process workers share this module with the test


def doubled(tag: str, payload: int) -> StepResult:
    if payload == 7:
        raise ValueError("seven is not doubled")
    return StepResult(True, value=f"{tag}:{payload * 2}")


def held(tag: str, payload: int) -> StepResult:
    RELEASE.wait(30)
    return StepResult(True, value=tag)


@pytest.fixture
def client(shared_cluster: Any) -> Iterator[Any]:
    with distributed.Client(shared_cluster, set_as_default=False) as client:
        yield client


def test_each_waiting_thread_gets_its_own_attempts_result(client: Any) -> None:
    dispatcher = Dispatcher(client, doubled, ("t",), threading.Event())
    with ThreadPoolExecutor(24) as pool:  # more threads than the cluster's 8 slots: batches queue
        results: List[StepResult] = list(pool.map(lambda n: dispatcher.run(f"doubled-{n}", n), range(60)))
    assert [result.value for result in results if result.ok] == [f"t:{n * 2}" for n in range(60) if n != 7]
    assert (results[7].ok, results[7].error) == (False, "the Dask cluster could not run it: ValueError: "
                                                        "seven is not doubled")
    assert dispatcher.running() == []


def test_an_attempt_whose_task_is_cancelled_ends_cancelled(client: Any) -> None:
    cancelling = threading.Event()
    dispatcher = Dispatcher(client, held, ("t",), cancelling)
    RELEASE.clear()
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(dispatcher.run, "held-1", 1)
        while not dispatcher.running():
            threading.Event().wait(0.01)
        cancelling.set()  # as the backend's cancel does before it gives up on a running task
        client.cancel(dispatcher.running())
        result = waiting.result(timeout=30)
    RELEASE.set()  # frees the worker thread the cancelled task was left running on
    assert (result.ok, result.cancelled, result.error) == (False, True, "cancelled; its Dask task was left running")
    assert dispatcher.running() == []
