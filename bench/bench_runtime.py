"""Runtime benchmark: scheduling overhead against Dask's threaded scheduler, and makespan against
the critical path and the plan's estimate.

    python bench/bench_runtime.py [--steps 10000]

Goals (issue 5): overhead per step at most half of Dask's, with the journal on; measured makespan
within 5 % of the critical path on a DAG of 20 ms steps; the estimate within 5 % of the measured
makespan. Both schedulers get the same graph and the same number of worker threads.
"""
from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

from wfc.analysis import analyze
from wfc.model import Step, Workflow
from wfc.plan import Plan
from wfc.runtime.engine import run_plan
from wfc.runtime.outcome import RunOptions

Edges = Dict[str, Tuple[str, ...]]


def noop(inputs: Any = None, args: Any = None, *deps: Any) -> None:
    return None


def sleep20(inputs: Any = None, args: Any = None) -> None:
    time.sleep(0.02)


def chain(count: int) -> Edges:
    return {f"s{i:05d}": ((f"s{i - 1:05d}",) if i else ()) for i in range(count)}


def fan_out(count: int) -> Edges:
    edges: Edges = {"root": ()}
    edges.update({f"s{i:05d}": ("root",) for i in range(count - 1)})
    return edges


def layered(seed: int = 7, layers: int = 8, width: int = 6) -> Edges:
    """A random layered DAG: each step needs one to three steps of the layer before."""
    rng = random.Random(seed)
    edges: Edges = {}
    previous: List[str] = []
    for layer in range(layers):
        current = [f"l{layer}_{i}" for i in range(rng.randint(2, width))]
        for step in current:
            edges[step] = tuple(sorted(rng.sample(previous, min(len(previous), rng.randint(1, 3))))) if previous else ()
        previous = current
    return edges


def plan_for(edges: Edges, call: str, estimate: float, max_parallel: int) -> Plan:
    steps = tuple(Step(id=sid, title=sid, active=sid, kind="python", call=call, needs=needs, estimate=estimate,
                       estimate_defaulted=False, cached_estimate=estimate) for sid, needs in edges.items())
    workflow = Workflow(name="bench", source="bench", source_sha256="0" * 64, title="bench", description="bench",
                        steps=steps, max_parallel=max_parallel)
    return analyze(workflow)


def run_wfc(plan: Plan) -> float:
    with tempfile.TemporaryDirectory() as state:
        started = time.perf_counter()
        result = run_plan(plan, RunOptions(state_dir=Path(state), progress="none"))
        elapsed = time.perf_counter() - started
        assert result.status == "succeeded", result
    return elapsed


def run_dask(edges: Edges, function: Callable[..., Any], workers: int) -> float:
    import dask.threaded

    graph = {sid: (function, None, None, *needs) for sid, needs in edges.items()}
    started = time.perf_counter()
    dask.threaded.get(graph, list(edges), num_workers=workers)
    return time.perf_counter() - started


def best_of(repeats: int, measure: Callable[[], float]) -> float:
    return min(measure() for _ in range(repeats))


def overhead(count: int, workers: int, repeats: int) -> None:
    import dask

    print(f"per-step scheduling overhead, {count} no-op steps, {workers} worker threads, best of {repeats}"
          f" (dask {dask.__version__})")
    for name, edges in (("chain", chain(count)), ("fan-out", fan_out(count))):
        plan = plan_for(edges, "__main__:noop", 1.0, workers)
        ours = best_of(repeats, lambda: run_wfc(plan)) / count * 1e6
        theirs = best_of(repeats, lambda: run_dask(edges, noop, workers)) / count * 1e6
        print(f"  {name:<8} wfc {ours:7.1f} us/step (journal on)   dask threaded {theirs:7.1f} us/step   "
              f"ratio {ours / theirs:.2f} (goal <= 0.50)")


def makespan(workers: int) -> None:
    edges = layered()
    plan = plan_for(edges, "__main__:sleep20", 0.02, workers)
    measured = best_of(3, lambda: run_wfc(plan))
    critical, estimated = plan.estimate.critical_path, plan.estimate.makespan
    print(f"makespan, {len(edges)} steps of 20 ms, max_parallel {workers}")
    print(f"  critical path {critical * 1000:.0f} ms, estimate {estimated * 1000:.0f} ms, measured {measured * 1000:.1f} ms")
    print(f"  measured / critical path {measured / critical:.3f} (goal <= 1.05)   "
          f"estimate / measured {estimated / measured:.3f} (goal >= 0.95)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    options = parser.parse_args()
    overhead(options.steps, options.workers, options.repeats)
    makespan(8)


if __name__ == "__main__":
    main()
