"""How close the plan's lower bound and makespan are to the true optimum.

Over the shipped workflows and random capped DAGs (27-59 steps, max_parallel, one to three
resources), side by side: the optimum from an exact solver (OR-Tools CP-SAT, proven where it says
so), the plan's `lower_bound` and `makespan`, and the same two figures as the analysis gave them
before the tighter bound and the priority search (critical path / work / capacity, longest
remaining path first). Goals: bound within 5 % of the optimum on average, makespan within 1 % on
average and 3 % at worst.

    pip install -e '.[bench]'         # CP-SAT: a dependency of this benchmark only
    python bench/bench_bounds.py      # 9 shipped + 20 random, 10 s of solver a plan
"""
from __future__ import annotations

import argparse
import hashlib
import math
import random
import sys
from pathlib import Path
from typing import Any, List, Tuple

from wfc.analysis import analyze, critical, estimates, schedule
from wfc.analysis.graph import build_graph
from wfc.model import Step, Workflow
from wfc.validate import load_workflow

ROOT = Path(__file__).resolve().parent.parent


def solver() -> Any:
    try:
        from ortools.sat.python import cp_model
    except ImportError:
        sys.exit("bench_bounds needs OR-Tools: pip install -e '.[bench]' (or pip install ortools)")
    return cp_model


def optimum(workflow: Workflow, seconds: float) -> Tuple[float, bool]:
    """(best makespan found, proven optimal), durations in units of their greatest common divisor."""
    cp_model = solver()
    millis = {step.id: int(round(step.estimate * 1000)) for step in workflow.steps}
    unit = math.gcd(*millis.values()) or 1
    length = {step: value // unit for step, value in millis.items()}
    horizon = sum(length.values())
    model = cp_model.CpModel()
    start = {step: model.NewIntVar(0, horizon, f"s_{step}") for step in length}
    end = {step: model.NewIntVar(0, horizon, f"e_{step}") for step in length}
    interval = {step: model.NewIntervalVar(start[step], length[step], end[step], f"i_{step}") for step in length}
    graph = build_graph(workflow)
    for step in length:
        for needed in graph.dependencies_of(step):
            model.Add(start[step] >= end[needed])
    if workflow.max_parallel is not None:
        model.AddCumulative(list(interval.values()), [1] * len(interval), workflow.max_parallel)
    for name, capacity in workflow.resources.items():
        holders = [step for step in workflow.steps if name in step.resources]
        if holders:
            model.AddCumulative([interval[s.id] for s in holders], [s.resources[name] for s in holders], capacity)
    makespan = model.NewIntVar(0, horizon, "makespan")
    model.AddMaxEquality(makespan, list(end.values()))
    model.Minimize(makespan)
    cp = cp_model.CpSolver()
    cp.parameters.max_time_in_seconds = seconds
    cp.parameters.num_workers = 8  # the portfolio: its bound-proving workers are what proves most of these
    cp.parameters.random_seed = 1
    status = cp.Solve(model)
    return cp.ObjectiveValue() * unit / 1000, status == cp_model.OPTIMAL


def before(workflow: Workflow) -> Tuple[float, float]:
    """(lower bound, makespan) as the analysis gave them before: the critical path, all work over
    the slots and each resource's work over its capacity; longest remaining path first."""
    graph = build_graph(workflow)
    durations = {step.id: step.estimate for step in workflow.steps}
    timing = critical.timing(graph, durations)
    terms = [timing.duration]
    if workflow.max_parallel:
        terms.append(sum(durations.values()) / workflow.max_parallel)
    for name, capacity in workflow.resources.items():
        terms.append(sum(s.estimate * s.resources[name] for s in workflow.steps if name in s.resources) / capacity)
    problem = estimates.problem(workflow, graph, durations, timing.priority)
    return max(terms), schedule.makespan_of(problem)


def random_workflow(seed: int) -> Workflow:
    """A layered DAG of 27-59 steps of 1-12 minutes, one to three needs each, max_parallel 2-6,
    one to three resources of capacity 1-3, each held by a quarter of the steps."""
    rng = random.Random(seed)
    size = rng.randint(27, 59)
    capacities = {name: rng.randint(1, 3) for name in ("db", "lock", "api")[: rng.randint(1, 3)]}
    layer = sorted(rng.randrange(rng.randint(4, 9)) for _ in range(size))
    ids = [f"s{index:02d}" for index in range(size)]
    steps = []
    for index in range(size):
        earlier = [other for other in range(index) if layer[other] < layer[index]]
        needs = sorted(set(rng.sample(earlier, min(len(earlier), rng.randint(1, 3))))) if earlier else []
        held = {name: rng.randint(1, cap) for name, cap in capacities.items() if rng.random() < 0.25}
        steps.append(Step(id=ids[index], title=ids[index], active=ids[index], kind="shell", run="true",
                          estimate=60.0 * rng.randint(1, 12), estimate_defaulted=False,
                          needs=tuple(ids[other] for other in needs), resources=held))
    return Workflow(name=f"random-{seed}", source=f"random-{seed}.yaml",
                    source_sha256=hashlib.sha256(str(seed).encode()).hexdigest(), title="Random", description="",
                    steps=tuple(steps), max_parallel=rng.randint(2, 6), resources=capacities)


def row(workflow: Workflow, seconds: float) -> Tuple[str, bool, float, float, float, float, float]:
    best, proven = optimum(workflow, seconds)
    plan = analyze(workflow)
    old_bound, old_makespan = before(workflow)
    return (workflow.name, proven, best, old_bound / best, plan.estimate.lower_bound / best,
            old_makespan / best, plan.estimate.makespan / best)


def summary(label: str, rows: List[Tuple[str, bool, float, float, float, float, float]]) -> str:
    def mean(column: int) -> float:
        return sum(r[column] for r in rows) / len(rows)
    return (f"{label:<24} bound/opt mean {mean(3):.3f} -> {mean(4):.3f} (worst {min(r[4] for r in rows):.3f}); "
            f"makespan/opt mean {mean(5):.4f} -> {mean(6):.4f}, worst {max(r[5] for r in rows):.3f} -> "
            f"{max(r[6] for r in rows):.3f}; {sum(r[1] for r in rows)}/{len(rows)} optima proven")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--random", type=int, default=20, help="how many random DAGs (default 20)")
    parser.add_argument("--seconds", type=float, default=10.0, help="solver time a plan (default 10)")
    options = parser.parse_args()
    solver()
    print(f"{'workflow':<24} {'proven':>6} {'optimum':>8}  bound/opt before -> after   makespan/opt before -> after")
    groups = {"shipped": [load_workflow(str(p)) for p in sorted((ROOT / "workflows").glob("*.yaml"))],
              "random": [random_workflow(seed) for seed in range(options.random)]}
    results = {}
    for label, workflows in groups.items():
        results[label] = []
        for workflow in workflows:
            r = row(workflow, options.seconds)
            results[label].append(r)
            print(f"{r[0]:<24} {'yes' if r[1] else 'no':>6} {r[2]:>8.0f}  {r[3]:>10.3f} -> {r[4]:.3f}"
                  f"   {r[5]:>16.3f} -> {r[6]:.3f}", flush=True)
    for label, rows in results.items():
        print(summary(label, rows))
    print(summary("all", [r for rows in results.values() for r in rows]))


if __name__ == "__main__":
    main()
