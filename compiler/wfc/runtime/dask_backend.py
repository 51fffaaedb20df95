"""Step attempts on a Dask cluster, everything that decides still in the client.

The scheduler, ready queue, resource counting, retries, journal, context cache and compensation
stay where they are on one machine: Dask only runs each attempt a scheduler thread asks for, as a
call to the run's actor on a worker the client picks (`dask_dispatch`), so nothing of the plan's
graph lives in the Dask scheduler and no attempt is ever queued, retried or recomputed by Dask.
Measured against the alternatives (issue 18): Dask's own semaphores free a dead worker's lease
late and overbook under GIL-holding tasks, so counted resources are counted by the client's
scheduler, as locally; attempts as Dask tasks ran at the pace of Dask's message batching, and a
finished one whose result died with its worker was computed again.

- A worker lost mid-attempt fails that attempt, and wfc's retry policy decides, journaled like
  any failed attempt.
- Each worker runs attempts through its own executors, threads and process registry (the
  `StepRunner` plugin): step processes there carry the run's token, die with their worker
  (parent-death signal and the worker's guard process), and a cancel kills them on every worker.
- With no address wfc starts a LocalCluster whose every listener (scheduler, workers, nannies,
  dashboard) is on 127.0.0.1, and calls its workers directly; on an external cluster Dask's own
  `distributed.client.direct-to-workers` decides (workers may be unreachable from the client).
"""
from __future__ import annotations

import logging
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Tuple, Union

import dask
from distributed import Client, LocalCluster, WorkerPlugin

from wfc.analysis.plan import Plan
from wfc.diagnostics.errors import UsageError
from wfc.runtime.dask_checks import Expectations, examine, expectations, verdict
from wfc.runtime.dask_dispatch import Dispatcher
from wfc.runtime.executors import Executors, Invocation, ProcessRegistry, StepResult
from wfc.runtime.outcome import RunOptions
from wfc.runtime.scheduler import DEFAULT_WORKERS

Brief = Tuple[str, Mapping[str, Any], int]  # (step id, inputs, attempt): the plugin knows the rest

LOOPBACK = "127.0.0.1"
CONNECT_TIMEOUT = "10s"
CANCEL_GRACE = 5.0  # how long a cancelled attempt may take to report, once its processes are killed
LOCAL_WORKERS = 2
LOCAL_SLOTS = 64  # attempts a started LocalCluster runs at once at most (they mostly wait on processes)
QUIET = logging.ERROR  # a started cluster's own logs: errors only (a lost worker is the journal's to tell)


class StepRunner(WorkerPlugin):
    """One run's presence on a worker: the checks' verdict, and the executors that run its attempts."""

    def __init__(self, token: str, expected: Expectations, agent_command: Optional[str], plan: Plan,
                 args: Mapping[str, Any]) -> None:
        self.token, self.expected, self.agent_command = token, expected, agent_command
        self.steps, self.args = plan.workflow.steps_by_id(), dict(args)  # sent once, not with every attempt
        self.agents = plan.workflow.agents  # the workflow's own agent definitions, passed to the CLI as locally
        self.problems: Tuple[str, ...] = ()
        self.executors: Optional[Executors] = None
        self.address = ""
        self.pool: Optional[ThreadPoolExecutor] = None  # made on the worker: as many threads as it has

    def setup(self, worker: Any) -> None:
        self.address = str(worker.address)
        self.problems = examine(self.expected)
        if not self.problems and os.getcwd() != self.expected.root:
            os.chdir(self.expected.root)  # steps' relative paths, imports and agents as in the client
        self.executors = Executors(ProcessRegistry(self.token), self.agent_command, self.agents)
        self.pool = ThreadPoolExecutor(max(1, int(worker.state.nthreads)), thread_name_prefix="wfc-attempt")

    def teardown(self, worker: Any) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
        if self.executors is not None:  # a cancelled run's leftovers are killed, as locally
            registry = self.executors.registry
            registry.close(clean=not registry.cancelled.is_set())

    def attempt(self, work: Union[Invocation, Brief]) -> StepResult:
        if isinstance(work, tuple):
            step_id, inputs, attempt = work
            step = self.steps[step_id]
            work = Invocation(step, self.args, inputs, step.timeout, attempt)
        if self.problems or self.executors is None:
            return StepResult(False, error=f"Dask worker {self.address} {self.problems[0]}", permanent=True)
        return self.executors.execute(work)

    def cancel(self) -> None:
        if self.executors is not None:
            self.executors.registry.cancel_all()


def _problems(plugin: str, dask_worker: Any) -> Tuple[str, ...]:
    runner = dask_worker.plugins.get(plugin)
    return runner.problems if isinstance(runner, StepRunner) else ("has no wfc plugin (it could not be set up)",)


def _cancel(plugin: str, dask_worker: Any) -> None:
    runner = dask_worker.plugins.get(plugin)
    if isinstance(runner, StepRunner):
        runner.cancel()


class DaskBackend:
    """Attempts as calls to the run's actors on the workers; the calling scheduler thread waits for its own."""

    def __init__(self, plan: Plan, options: RunOptions, executors: Executors) -> None:
        self.plan, self.options = plan, options
        self.steps = plan.workflow.steps_by_id()
        self.token = executors.registry.token
        self.cancelled = executors.registry.cancelled
        self.run_attempt: Callable[[Invocation], StepResult] = self.attempt
        self.plugin = f"wfc-{self.token[:16]}"
        self.client: Optional[Client] = None
        self.cluster: Optional[LocalCluster] = None
        self.plugged = False
        self.dispatcher: Optional[Dispatcher] = None

    def start(self) -> Tuple[str, ...]:
        self.client, self.cluster = self.connect()
        expected = expectations(self.plan, self.options.state_dir, self.options.agent_command)
        runner = StepRunner(self.token, expected, self.options.agent_command, self.plan, self.options.args)
        self.client.register_plugin(runner, name=self.plugin)
        self.plugged = True
        verdict(self.client.run(_problems, self.plugin))
        self.dispatcher = Dispatcher(self.client, self.plugin, CANCEL_GRACE)
        try:  # the scheduler unpickles the actors' task, so it must be able to import wfc too
            self.dispatcher.refresh(0.0)
        except Exception as error:
            raise UsageError(f"the Dask cluster cannot start wfc's attempts ({type(error).__name__}: "
                             f"{' '.join(str(error).split())}): install wfc-compiler[dask] where the scheduler runs, "
                             f"as on the workers") from None
        return ()

    def connect(self) -> Tuple[Client, Optional[LocalCluster]]:
        options = self.options
        address = options.scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
        if options.scheduler_file is not None:
            return _client(options.scheduler_file, f"the Dask scheduler of {options.scheduler_file}", True), None
        if address:
            return _client(address, f"the Dask scheduler at {address}", False), None
        cluster = start_local_cluster(self.slots())
        try:
            # calls straight to the workers' actors, not relayed by the scheduler: a hop less per attempt
            return Client(cluster, set_as_default=False, direct_to_workers=True), cluster
        except BaseException:
            cluster.close()
            raise

    def slots(self) -> int:
        limit = self.options.max_parallel or self.plan.workflow.max_parallel or DEFAULT_WORKERS
        return min(limit, LOCAL_SLOTS)

    def attempt(self, work: Invocation) -> StepResult:
        assert self.dispatcher is not None, "start() comes first"
        # The plugin holds the plan's steps; an instance of a list found at run time travels whole.
        brief = (self.steps.get(work.step.id) is work.step and work.args == self.options.args
                 and work.timeout == work.step.timeout
                 and work.max_budget_usd is None)
        return self.dispatcher.run((work.step.id, work.inputs, work.attempt) if brief else work)

    def cancel(self) -> None:
        self.cancelled.set()
        if self.dispatcher is not None:
            self.dispatcher.cancel()
        if self.client is not None:  # not under the scheduler's lock: a slow cluster delays no bookkeeping
            threading.Thread(target=self.stop_everywhere, args=(self.client,), name="wfc-dask-cancel",
                             daemon=True).start()

    def stop_everywhere(self, client: Client) -> None:
        """Kill the run's processes on every worker (a Python call cannot be killed: its waiting
        thread stops waiting CANCEL_GRACE after the cancel)."""
        try:
            client.run(_cancel, self.plugin, on_error="ignore")
        except Exception:  # a cluster gone has nothing left running
            pass

    def close(self) -> None:
        client, cluster, self.client, self.cluster = self.client, self.cluster, None, None
        try:
            if client is not None and self.plugged:
                client.unregister_worker_plugin(self.plugin)  # its teardown ends each worker's guard
        except Exception:  # a cluster gone already has nothing left to tear down
            pass
        finally:
            if client is not None:
                client.close()
            if cluster is not None:
                cluster.close()


def start_local_cluster(slots: int, processes: bool = True) -> LocalCluster:
    """A LocalCluster on 127.0.0.1 only, dashboard included, with Dask's retries off."""
    workers = max(1, min(LOCAL_WORKERS, slots))
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        return LocalCluster(n_workers=workers, threads_per_worker=max(1, math.ceil(slots / workers)),
                            processes=processes, host=LOOPBACK, protocol="tcp://", dashboard_address=f"{LOOPBACK}:0",
                            silence_logs=QUIET)


def _client(where: Any, what: str, is_file: bool) -> Client:
    if is_file and not Path(where).is_file():
        raise UsageError(f"no Dask scheduler file {where}: start a scheduler with "
                         f"`dask scheduler --scheduler-file {where}`, or give its --scheduler ADDRESS")
    try:
        if is_file:
            return Client(scheduler_file=str(where), timeout=CONNECT_TIMEOUT, set_as_default=False)
        return Client(where, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise UsageError(f"cannot reach {what} ({error}): start one with `dask scheduler`, or leave "
                         f"--scheduler and --scheduler-file out to run on a local cluster") from None

