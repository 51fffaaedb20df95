"""The dask executor on a real LocalCluster on 127.0.0.1, shut down by each test (or its module)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import List

import pytest

distributed = pytest.importorskip("distributed")
psutil = pytest.importorskip("psutil")

from runtime_support import Workspace  # noqa: E402
from test_scheduler import overlap_peak  # noqa: E402
from wfc.diagnostics.errors import UsageError  # noqa: E402
from wfc.runtime.dask_backend import start_local_cluster  # noqa: E402
from wfc.runtime.dask_checks import Expectations, examine  # noqa: E402
from wfc.runtime.lifetime import carriers  # noqa: E402

CHAIN = """
    version: 1
    title: Chain
    description: d
    context:
      greeting: {description: g}
      said: {description: s}
      shouted: {description: s}
    steps:
      a: {title: A, run: "echo hello", outputs: [greeting]}
      b:
        title: B
        needs: [a]
        run: "echo {{ context.greeting }} world from $(pwd)"
        inputs: [greeting]
        outputs: [said]
      c: {title: C, needs: [b], call: "helpers:shout", inputs: [said], outputs: [shouted]}
"""
ONCE = """
    version: 1
    title: Once
    description: d
    steps:
      once: {title: Once, run: "echo ran >> marks/once"}
"""
HELPERS = "def shout(inputs, args):\n    return inputs['said'].upper()\n"


@pytest.fixture
def cluster(shared_cluster: distributed.LocalCluster) -> distributed.LocalCluster:
    """The runtime tests' two in-process workers on loopback; tests that kill a worker start their own."""
    return shared_cluster


def listening(pids: List[int]) -> List[str]:
    found = []
    for pid in pids:
        for connection in psutil.Process(pid).net_connections(kind="inet"):
            if connection.status == psutil.CONN_LISTEN:
                found.append(connection.laddr.ip)
    return found


def test_a_started_cluster_listens_on_loopback_only_and_allows_no_failures() -> None:
    cluster = start_local_cluster(4)
    try:
        children = [child.pid for child in psutil.Process().children(recursive=True)]
        addresses = listening([os.getpid(), *children])
        with distributed.Client(cluster, set_as_default=False) as client:
            allowed = client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.allowed_failures)
            workers = client.scheduler_info()["workers"]
    finally:
        cluster.close()
    assert len(workers) == 2 and all(address.startswith("tcp://127.0.0.1:") for address in workers)
    assert len(addresses) >= 5  # scheduler, dashboard, 2 workers, 2 nannies (and whatever else binds)
    assert set(addresses) == {"127.0.0.1"}
    assert allowed == 0


def test_a_plan_runs_on_the_cluster_with_wfcs_journal(ws: Workspace, cluster: distributed.LocalCluster) -> None:
    (ws.root / "helpers.py").write_text(HELPERS)
    plan = ws.plan(CHAIN)
    result = ws.run(plan, executor="dask", scheduler=cluster.scheduler_address)
    assert result.status == "succeeded", result.outcomes
    assert result.outputs["shouted"] == f"HELLO WORLD FROM {str(ws.root).upper()}"
    assert ws.kinds(result, "step_started", "step_finished") == [
        ("step_started", "a"), ("step_finished", "a"), ("step_started", "b"), ("step_finished", "b"),
        ("step_started", "c"), ("step_finished", "c")]
    assert result.warnings == ()


def test_with_no_address_wfc_starts_its_own_cluster_and_shuts_it_down(ws: Workspace) -> None:
    (ws.root / "helpers.py").write_text(HELPERS)
    before = {child.pid for child in psutil.Process().children(recursive=True)}
    result = ws.run(ws.plan(CHAIN), executor="dask")
    assert result.status == "succeeded", result.outcomes
    assert result.outputs["shouted"] == f"HELLO WORLD FROM {str(ws.root).upper()}"
    assert [step for _, step in ws.kinds(result, "step_finished")] == ["a", "b", "c"]
    left = [child.cmdline() for child in psutil.Process().children(recursive=True) if child.pid not in before]
    # its scheduler and workers are gone; multiprocessing's resource tracker lives as long as this process
    assert [line for line in left if "multiprocessing.resource_tracker" not in " ".join(line)] == []


def test_retries_stay_wfcs_and_are_journaled_per_attempt(ws: Workspace, cluster: distributed.LocalCluster) -> None:
    plan = ws.plan("""
        version: 1
        title: Flaky
        description: d
        steps:
          flaky:
            title: Fails twice
            run: "echo x >> marks/tries; [ $(wc -l < marks/tries) -ge 3 ]"
            retry: {attempts: 3, backoff: 0s}
    """)
    result = ws.run(plan, executor="dask", scheduler=cluster.scheduler_address)
    assert result.status == "succeeded"
    assert ws.markers() == {"tries": 3}
    retried = [(e["attempt"], e["error"]) for e in ws.events(result) if e["event"] == "step_retried"]
    failed = "command exited with status 1: (no output)"
    assert retried == [(2, failed), (3, failed)]


def test_a_worker_without_the_calls_module_is_refused_before_any_step(
        ws: Workspace, cluster: distributed.LocalCluster) -> None:
    plan = ws.plan(CHAIN.replace("helpers:", "absent_helpers:"))  # in-process workers share sys.modules
    with pytest.raises(UsageError) as raised:
        ws.run(plan, executor="dask", scheduler=cluster.scheduler_address)
    workers = sorted(cluster.scheduler_info["workers"])
    assert raised.value.message == "the Dask workers cannot run this plan:\n  " + "\n  ".join(
        f"Dask worker {worker} cannot import `absent_helpers:shout` (ModuleNotFoundError: No module named "
        f"'absent_helpers'): install what it needs on every worker" for worker in workers)
    assert list((ws.state / "runs").glob("*/journal.jsonl")) == []  # refused before the run began


def test_a_worker_that_sees_another_tree_says_how_to_fix_it(tmp_path: Path) -> None:
    probe = tmp_path / "probe"
    probe.write_text("other")
    expected = Expectations(str(tmp_path), str(probe), "nonce", (), "no-such-agent-program")
    assert examine(expected) == (
        f"does not see the client's working tree {tmp_path} (its probe file {probe} is different): run the workers "
        f"on a filesystem shared with the client, mounted at the same path",)
    probe.write_text("nonce")
    assert examine(expected) == ("cannot find the agent program `no-such-agent-program` on its PATH: install it "
                                 "on every worker, or name another with --agent-command",)


def test_an_external_cluster_that_retries_tasks_never_retries_an_attempt(ws: Workspace) -> None:
    """Attempts are calls to the run's actors, not Dask tasks: allowed-failures never applies."""
    cluster = distributed.LocalCluster(n_workers=1, processes=False, host="127.0.0.1", protocol="tcp://",
                                       dashboard_address=None)
    try:
        plan = ws.plan("version: 1\ntitle: One\ndescription: d\nsteps:\n  a: {title: A, run: 'true'}\n")
        result = ws.run(plan, executor="dask", scheduler=cluster.scheduler_address)
    finally:
        cluster.close()
    assert (result.status, result.warnings) == ("succeeded", ())


def test_max_parallel_and_capacities_are_counted_by_the_client(ws: Workspace,
                                                                cluster: distributed.LocalCluster) -> None:
    steps = "\n".join(f"  s{i}: {{title: Step {i}, run: 'sleep 0.05', estimate: 1s"
                      + (", resources: [gpu]" if i % 2 == 0 else "") + "}" for i in range(8))
    plan = ws.plan("version: 1\ntitle: Caps\ndescription: d\nmax_parallel: 3\nresources: {gpu: 1}\nsteps:\n" + steps)
    result = ws.run(plan, executor="dask", scheduler=cluster.scheduler_address)
    events = ws.events(result)
    assert result.status == "succeeded"
    assert overlap_peak(events, [f"s{i}" for i in range(8)]) == 3
    assert overlap_peak(events, [f"s{i}" for i in range(0, 8, 2)]) == 1
    assert [e["step"] for e in events if e["event"] == "step_started"][:3] == ["s0", "s1", "s3"]


def test_scheduler_flags_need_the_dask_executor(ws: Workspace) -> None:
    plan = ws.plan("version: 1\ntitle: One\ndescription: d\nsteps:\n  a: {title: A, run: 'true'}\n")
    with pytest.raises(UsageError) as raised:
        ws.run(plan, scheduler="tcp://127.0.0.1:1")
    assert raised.value.message == "--scheduler names a Dask cluster: add --executor dask to run on it"
    with pytest.raises(UsageError) as raised:
        ws.run(plan, executor="dask", scheduler_file=ws.root / "nothing.json")
    assert raised.value.message == (f"no Dask scheduler file {ws.root / 'nothing.json'}: start a scheduler with "
                                    f"`dask scheduler --scheduler-file {ws.root / 'nothing.json'}`, or give its "
                                    f"--scheduler ADDRESS")


KILLED = """
    version: 1
    title: Killed
    description: d
    steps:
      long:
        title: Loses its worker once
        run: "echo $PPID >> marks/workers; if [ $(wc -l < marks/workers) -eq 1 ]; then sleep 60 & wait; fi"
        retry: {attempts: 2, backoff: 0s}
"""


def test_a_killed_worker_is_a_failed_attempt_and_its_processes_die_with_it(ws: Workspace) -> None:
    cluster = start_local_cluster(1)
    try:
        plan = ws.plan(KILLED)
        worker = next(iter(cluster.scheduler_info["workers"]))
        results: list = []
        run = threading.Thread(target=lambda: results.append(
            ws.run(plan, executor="dask", scheduler=cluster.scheduler_address)))
        run.start()
        marks = ws.root / "marks" / "workers"
        while not marks.exists():
            time.sleep(0.02)
        os.kill(int(marks.read_text().split()[0]), signal.SIGKILL)
        run.join(60)
    finally:
        cluster.close()
    result = results[0]
    assert result.status == "succeeded"
    events = ws.events(result)
    retried = [(e["attempt"], e["error"]) for e in events if e["event"] == "step_retried"]
    assert retried == [(2, f"the Dask worker running it ({worker}) was lost; the step's processes died with it")]
    token = next(e["token"] for e in events if e["event"] == "run_started")
    assert carriers([token]) == {}  # the first attempt's `sleep 60` died with its worker


WITHOUT_WFC = """
import sys


class Absent:  # this scheduler's environment has Dask, not wfc
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "wfc":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


sys.meta_path.insert(0, Absent())
from distributed.cli.dask_scheduler import main
main()
"""


def test_a_scheduler_that_cannot_import_wfc_is_a_clear_error_before_any_step(ws: Workspace) -> None:
    found = ws.root / "scheduler.json"
    loopback = ["--host", "127.0.0.1", "--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(found)]
    scheduler = subprocess.Popen([sys.executable, "-c", WITHOUT_WFC, "--port", "0", *loopback],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not found.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", "--no-nanny", "--nthreads", "1",
                                   *loopback], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with distributed.Client(scheduler_file=str(found), set_as_default=False) as client:
            client.wait_for_workers(1, timeout=60)
        with pytest.raises(UsageError) as raised:
            ws.run(ws.plan(ONCE), executor="dask", scheduler_file=found)
    finally:
        for process in (worker, scheduler):
            if process is not None:
                process.terminate()
                process.wait(30)
    assert raised.value.message == ("the Dask cluster cannot start wfc's attempts (RuntimeError: Error during "
                                    "deserialization of the task graph. This frequently occurs if the Scheduler and "
                                    "Client have different environments. For more information, see "
                                    "https://docs.dask.org/en/stable/deployment-considerations.html"
                                    "#consistent-software-environments): install wfc-compiler[dask] where the "
                                    "scheduler runs, as on the workers")
    assert ws.markers() == {}


WHERE = """import time
from distributed import get_worker


def where(inputs, args):
    with open("marks/where", "a") as marks:
        marks.write(get_worker().address + "\\n")
    time.sleep(0.3)
    return get_worker().address
"""


def test_a_worker_that_joins_during_the_run_gets_attempts(ws: Workspace) -> None:
    (ws.root / "joined_helpers.py").write_text(WHERE)
    context = "\n".join(f"  w{i}: {{description: where s{i} ran}}" for i in range(12))
    steps = "\n".join(f"  s{i}: {{title: S{i}, call: 'joined_helpers:where', outputs: [w{i}]}}" for i in range(12))
    plan = ws.plan(f"version: 1\ntitle: Joined\ndescription: d\ncontext:\n{context}\nsteps:\n{steps}\n")
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, host="127.0.0.1",
                                       protocol="tcp://", dashboard_address=None)
    try:
        first = next(iter(cluster.scheduler_info["workers"]))
        results: list = []
        run = threading.Thread(target=lambda: results.append(
            ws.run(plan, executor="dask", scheduler=cluster.scheduler_address)))
        run.start()
        while not (ws.root / "marks" / "where").exists() and run.is_alive():
            time.sleep(0.02)
        cluster.scale(2)  # once the run has placed its actors on the first
        run.join(60)
    finally:
        cluster.close()
    result = results[0]
    assert result.status == "succeeded", result.outcomes
    ran_on = [result.outputs[f"w{i}"] for i in range(12)]
    assert ran_on[0] == first and len(set(ran_on)) == 2
