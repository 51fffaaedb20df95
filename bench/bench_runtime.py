"""Runtime benchmark: scheduling overhead against Dask's threaded scheduler, and makespan against
the critical path and the plan's estimate.

    python bench/bench_runtime.py [--steps 10000]

Goals: overhead per step no higher than Dask's, with the journal on (issue 13, which removed the
speed layer; issue 5 had asked for half of Dask's with it); measured makespan
within 5 % of the critical path on a DAG of 20 ms steps; the estimate within 5 % of the measured
makespan. Both schedulers get the same graph and the same number of worker threads, and are
timed alternately in one process: the median of several repeats after a warm-up, in CPU time of
every thread (what the scheduling costs, less disturbed by a busy machine) and in wall time.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

from wfc.analysis import analyze
from wfc.model import Step, Workflow
from wfc.analysis.plan import Plan
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


@dataclass(frozen=True)
class Timing:
    """Seconds of wall clock and of CPU (every thread of the process: the scheduler's and the
    workers'), which a busy machine disturbs much less than the wall clock; and the process's
    context switches, which show threads handing the GIL or a lock back and forth (a convoy)
    whatever the load."""

    wall: float
    cpu: float
    switches: int = 0


def context_switches() -> int:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_nvcsw + usage.ru_nivcsw


def timed(action: Callable[[], Any]) -> Timing:
    switches, wall, cpu = context_switches(), time.perf_counter(), time.process_time()
    action()
    return Timing(time.perf_counter() - wall, time.process_time() - cpu, context_switches() - switches)


def run_wfc(plan: Plan) -> Timing:
    with tempfile.TemporaryDirectory() as state:
        outcome: List[Any] = []
        timing = timed(lambda: outcome.append(run_plan(plan, RunOptions(state_dir=Path(state), progress="none"))))
        assert outcome[0].status == "succeeded", outcome[0]
        assert (Path(state) / "runs" / outcome[0].run_id / "journal.jsonl").stat().st_size > 0
    return timing


def run_dask(edges: Edges, function: Callable[..., Any], workers: int) -> Timing:
    import dask.threaded

    graph = {sid: (function, None, None, *needs) for sid, needs in edges.items()}
    return timed(lambda: dask.threaded.get(graph, list(edges), num_workers=workers))


def median_of(timings: List[Timing]) -> Timing:
    return Timing(statistics.median(t.wall for t in timings), statistics.median(t.cpu for t in timings),
                  round(statistics.median(t.switches for t in timings)))


def side_by_side(repeats: int, ours: Callable[[], Timing], theirs: Callable[[], Timing]) -> Tuple[Timing, Timing]:
    """Alternating, so a burst of load on the machine hits both; a warm-up first, because lazy
    imports and first-call caches are not per-step costs."""
    ours(), theirs()
    pairs = [(ours(), theirs()) for _ in range(repeats)]
    return median_of([pair[0] for pair in pairs]), median_of([pair[1] for pair in pairs])


def overhead(count: int, workers: int, repeats: int) -> None:
    import dask

    print(f"per-step scheduling overhead, {count} no-op steps, {workers} worker threads, median of {repeats}"
          f" after a warm-up (dask {dask.__version__}); us per step, CPU (all threads) and wall")
    for name, edges in (("chain", chain(count)), ("fan-out", fan_out(count))):
        plan = plan_for(edges, "__main__:noop", 1.0, workers)
        ours, theirs = side_by_side(repeats, lambda plan=plan: run_wfc(plan),
                                    lambda edges=edges: run_dask(edges, noop, workers))
        scale = 1e6 / count
        print(f"  {name:<8} wfc (journal on) cpu {ours.cpu * scale:6.1f} wall {ours.wall * scale:6.1f}   "
              f"dask threaded cpu {theirs.cpu * scale:6.1f} wall {theirs.wall * scale:6.1f}   "
              f"ratio cpu {ours.cpu / theirs.cpu:.2f} wall {ours.wall / theirs.wall:.2f} (goal <= 1.00)   "
              f"context switches per step wfc {ours.switches / count:.2f} dask {theirs.switches / count:.2f}")


def schedule_span(plan: Plan) -> Tuple[float, float]:
    """(wall seconds of the whole run, seconds from the first step's start to the last step's finish
    in the journal). The first includes run set-up (state directory, journal, threads), which is
    not scheduling; the second is the makespan the plan's estimate predicts."""
    with tempfile.TemporaryDirectory() as state:
        outcome: List[Any] = []
        wall = timed(lambda: outcome.append(run_plan(plan, RunOptions(state_dir=Path(state), progress="none")))).wall
        journal = Path(state) / "runs" / outcome[0].run_id / "journal.jsonl"
        events = [json.loads(line) for line in journal.read_text().splitlines()]
    starts = [e["t"] for e in events if e["event"] == "step_started"]
    finishes = [e["t"] for e in events if e["event"] == "step_finished"]
    return wall, max(finishes) - min(starts)


def makespan(workers: int) -> None:
    edges = layered()
    plan = plan_for(edges, "__main__:sleep20", 0.02, workers)
    schedule_span(plan)
    runs = [schedule_span(plan) for _ in range(5)]
    wall, span = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
    critical, estimated = plan.estimate.critical_path, plan.estimate.makespan
    print(f"makespan, {len(edges)} steps of 20 ms, max_parallel {workers}, median of 5")
    print(f"  critical path {critical * 1000:.0f} ms, estimate {estimated * 1000:.0f} ms, "
          f"measured span {span * 1000:.1f} ms (whole run with set-up {wall * 1000:.1f} ms)")
    print(f"  span / critical path {span / critical:.3f} (goal <= 1.05)   "
          f"estimate / span {estimated / span:.3f} (goal >= 0.95)   whole run / critical path {wall / critical:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    options = parser.parse_args()
    overhead(options.steps, options.workers, options.repeats)
    makespan(8)


if __name__ == "__main__":
    main()
