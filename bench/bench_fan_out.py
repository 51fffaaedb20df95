"""Fan-out at scale: validating, expanding and planning a written list of 10,000 items against
1,000 (the growth should be linear: at most 12x for 10x the items), and the runtime's overhead per
instance of a 1,000-item fan-out against that of 1,000 plain steps.

    python bench/bench_fan_out.py            # compile and plan, then the two runs
    python bench/bench_fan_out.py --no-run   # compile and plan only
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Callable, List

from wfc.analysis import analyze
from wfc.load import load_bytes
from wfc.validate import validate_document


def fan_out_text(items: int) -> str:
    listed = json.dumps([f"m{n}" for n in range(items)])
    return f"""version: 1
title: Fan out
description: One review per module, then a merge.
context:
  notes: {{description: One review's notes}}
steps:
  review:
    title: Review {{{{ item }}}}
    for_each: {listed}
    run: "true"
    outputs: [notes]
    cache: false
    estimate: 1m
  merge:
    title: Merge
    run: "true"
    inputs: [notes]
    estimate: 1m
"""


def plain_text(steps: int) -> str:
    body = "".join(f"""  review-{n}:
    title: Review m{n}
    run: "true"
    cache: false
    estimate: 1m
""" for n in range(steps))
    return f"version: 1\ntitle: Plain\ndescription: The same steps written out.\nsteps:\n{body}"


def best_of(runs: int, work: Callable[[], object]) -> float:
    times: List[float] = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return min(times)


def compile_and_plan(text: str) -> object:
    result = validate_document(load_bytes(text.encode("utf-8"), "workflows/bench.yaml"), "bench")
    assert result.workflow is not None, [d.message for d in result.diagnostics[:3]]
    return analyze(result.workflow)


def run_seconds(text: str) -> float:
    from wfc.runtime.engine import run_plan
    from wfc.runtime.outcome import RunOptions

    plan = compile_and_plan(text)
    with tempfile.TemporaryDirectory() as state:
        began = time.perf_counter()
        result = run_plan(plan, RunOptions(state_dir=Path(state), progress="none", max_parallel=8))  # type: ignore[arg-type]
        assert result.status == "succeeded", result.status
        return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-run", action="store_true", help="measure compile and plan only")
    options = parser.parse_args()
    small = best_of(3, lambda: compile_and_plan(fan_out_text(1000)))
    large = best_of(3, lambda: compile_and_plan(fan_out_text(10000)))
    print(f"compile and plan, 1,000 items   {small:8.3f} s")
    print(f"compile and plan, 10,000 items  {large:8.3f} s   growth {large / small:.1f}x for 10x the items "
          f"(goal: at most 12x)")
    if options.no_run:
        return
    fanned = run_seconds(fan_out_text(1000))
    plain = run_seconds(plain_text(1000))
    print(f"run, 1,000 instances and a merge {fanned:7.3f} s   {1000 * fanned / 1001:.2f} ms a step")
    print(f"run, 1,000 plain steps           {plain:7.3f} s   {plain:.2f} ms a step")


if __name__ == "__main__":
    main()
