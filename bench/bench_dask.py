"""Dask executor benchmark: wfc's client deciding against pure Dask, and makespan on a sleep DAG.

    python bench/bench_dask.py [--steps 500] [--repeats 3] [--slots 16] [--direct-for-all]

Goals (issue 18), on a 2-worker LocalCluster (processes) on 127.0.0.1 started once for all runs;
wfc's client calls the workers' actors directly, as on a cluster wfc starts, and pure Dask's clients
fetch results as Dask sets them up by default (through the scheduler; `--direct-for-all` changes that):
- per no-op step, wfc (journal on) against pure Dask driven the same way (the client submitting a
  step when its dependencies are done, fetching finished steps in batches): at most 1.3x;
- against Dask resolving the dependencies itself (the whole graph submitted at once): fan-out at
  most 1.5x, chain at most 2x;
- makespan over critical path on a DAG of 200 ms sleeps: at most 1.15.
Run from the repository root: the workers import this module's functions from there.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_runtime import Edges, chain, fan_out, layered, plan_for  # noqa: E402

from wfc.analysis.plan import Plan  # noqa: E402
from wfc.runtime.dask_backend import start_local_cluster  # noqa: E402
from wfc.runtime.engine import run_plan  # noqa: E402
from wfc.runtime.outcome import RunOptions  # noqa: E402

HERE = "bench.bench_dask"  # how the workers (cwd: the repository root) import this module


def noop(inputs: Any = None, args: Any = None, *deps: Any) -> None:
    return None


def sleep200(inputs: Any = None, args: Any = None) -> None:
    time.sleep(0.2)


def run_wfc(plan: Plan, address: str) -> Tuple[float, List[Dict[str, Any]]]:
    """Seconds from the journal's start to the run's end (connecting and the workers' checks are
    once per run, not per step; they are printed apart), and the journal."""
    import dask

    # as on a cluster wfc starts itself: calls straight to the workers, not through the scheduler
    with tempfile.TemporaryDirectory() as state, dask.config.set({"distributed.client.direct-to-workers": True}):
        result = run_plan(plan, RunOptions(state_dir=Path(state), progress="none", executor="dask",
                                           scheduler=address))
        assert result.status == "succeeded", result.outcomes
        journal = Path(state) / "runs" / result.run_id / "journal.jsonl"
        events = [json.loads(line) for line in journal.read_text().splitlines()]
        return events[-1]["t"], events


def start_cost(address: str) -> float:
    """Connecting, the allowed-failures look-up, the plugin and the workers' checks, once per run."""
    plan = plan_for({"only": ()}, f"{HERE}:noop", 1.0, 1)
    began = time.perf_counter()
    ran = run_wfc(plan, address)[0]
    return time.perf_counter() - began - ran


def run_driven(client: Any, edges: Edges, slots: int) -> float:
    """Pure Dask as wfc drives it, the way Dask's docs show: the client submits a step once its
    dependencies are done, at most `slots` at once, learns of finished ones through `as_completed`
    and fetches each batch of them in one `gather` before submitting what they freed in one `map`."""
    from distributed import as_completed

    began = time.perf_counter()
    waiting = {step: set(needs) for step, needs in edges.items()}
    dependents: Dict[str, List[str]] = {step: [] for step in edges}
    for step, needs in edges.items():
        for need in needs:
            dependents[need].append(step)
    ready = [step for step, needs in waiting.items() if not needs]
    names: Dict[Any, str] = {}
    completed = as_completed(loop=client.loop)

    def launch() -> None:
        starting, ready[:] = ready[:slots - len(names)], ready[slots - len(names):]
        futures = client.map(noop, starting, key=[f"driven-{step}-{began}" for step in starting], pure=False)
        names.update(zip(futures, starting))
        completed.update(futures)

    launch()
    for batch in completed.batches():
        client.gather(batch)
        for future in batch:
            step = names.pop(future)
            for dependent in dependents[step]:
                waiting[dependent].discard(step)
                if not waiting[dependent]:
                    ready.append(dependent)
        launch()
    return time.perf_counter() - began


def run_graph(client: Any, edges: Edges) -> float:
    """Pure Dask resolving the dependencies itself: the whole graph at once."""
    began = time.perf_counter()
    graph = {f"{step}-{began}": (noop, None, None, *(f"{need}-{began}" for need in needs))
             for step, needs in edges.items()}
    client.get(graph, list(graph), sync=True)
    return time.perf_counter() - began


def median(action: Callable[[], float], repeats: int) -> float:
    action()  # warm-up: imports and first-call caches on the workers are not per-step costs
    return statistics.median(action() for _ in range(repeats))


def alternating(repeats: int, *actions: Callable[[], float]) -> List[float]:
    """Each action's median, run in turns so a burst of load on the (shared) machine hits all alike."""
    for action in actions:
        action()  # warm-up
    rounds = [[action() for action in actions] for _ in range(repeats)]
    return [statistics.median(column) for column in zip(*rounds)]


def overhead(client: Any, address: str, count: int, slots: int, repeats: int) -> None:
    print(f"per no-op step, {count} steps, 2-worker LocalCluster, {slots} slots, median of {repeats}; ms per step "
          f"(a run's start, once: {median(lambda: start_cost(address), repeats) * 1000:.0f} ms)")
    for name, edges, graph_goal in (("chain", chain(count), 2.0), ("fan-out", fan_out(count), 1.5)):
        plan = plan_for(edges, f"{HERE}:noop", 1.0, slots)
        ours, driven, graph = alternating(repeats, lambda plan=plan: run_wfc(plan, address)[0],
                                          lambda edges=edges: run_driven(client, edges, slots),
                                          lambda edges=edges: run_graph(client, edges))
        scale = 1000 / count
        print(f"  {name:<8} wfc {ours * scale:6.2f}   dask driven {driven * scale:6.2f} (ratio {ours / driven:.2f}, "
              f"goal <= 1.30)   dask graph {graph * scale:6.2f} (ratio {ours / graph:.2f}, goal <= {graph_goal:.2f})")


def makespan(address: str, repeats: int) -> None:
    edges = layered(seed=18, layers=6, width=7)
    plan = plan_for(edges, f"{HERE}:sleep200", 0.2, 8)
    spans = []
    for _ in range(repeats):
        events = run_wfc(plan, address)[1]
        starts = [e["t"] for e in events if e["event"] == "step_started"]
        spans.append(max(e["t"] for e in events if e["event"] == "step_finished") - min(starts))
    span, critical = statistics.median(spans), plan.estimate.critical_path
    print(f"makespan, {len(edges)} steps of 200 ms, max_parallel 8, median of {repeats}: critical path "
          f"{critical * 1000:.0f} ms, span {span * 1000:.0f} ms, span / critical path {span / critical:.3f} "
          f"(goal <= 1.15)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--slots", type=int, default=16)
    parser.add_argument("--direct-for-all", action="store_true",
                        help="pure Dask's clients fetch results straight from the workers too (default: Dask's own "
                             "setting, through the scheduler)")
    options = parser.parse_args()
    import dask
    from distributed import Client

    if options.direct_for_all:  # the pure Dask clients fetch results as wfc's does
        dask.config.set({"distributed.client.direct-to-workers": True})
    cluster = start_local_cluster(options.slots)
    try:
        with Client(cluster, set_as_default=False) as client:
            overhead(client, cluster.scheduler_address, options.steps, options.slots, options.repeats)
            makespan(cluster.scheduler_address, options.repeats)
    finally:
        cluster.close()


if __name__ == "__main__":
    main()
