"""How fast `wfc compile` is, and how its time grows with workflow size.

Measured side by side in one process against what a user would otherwise hand-roll for the
same job: PyYAML's C loader + jsonschema + graphlib levels (no positions, no diagnostics, no
outputs). Figures are medians of several runs, in CPU seconds of this process (less disturbed by
other load than wall time) and, for the no-op check, wall seconds of a real `wfc compile --check`.

    python bench/bench_compile.py            # all figures
    python bench/bench_compile.py --quick    # smaller sizes, for a smoke run
"""
from __future__ import annotations

import argparse
import graphlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, List

from wfc.compiler import CompileOptions, compile_paths
from wfc.schema_files import load_schema


def workflow_text(steps: int, name: str = "w") -> str:
    """A realistic shape: chains of ten steps, each chain reading the context of the previous one."""
    lines = ["version: 1", f"title: Benchmark {name}", "description: Generated for the compile benchmark.",
             "arguments:", "  target: {description: Path, default: '.'}", "context:"]
    lines += [f"  c{i}: {{description: context {i}}}" for i in range(0, steps, 10)]
    lines += ["steps:"]
    for i in range(steps):
        lines += [f"  s{i}:", f"    title: Review part {i} of the codebase", f"    agent: reviewer-{i % 7}",
                  f"    prompt: Review part {i} of {{{{ args.target }}}} and rank what you find by severity.",
                  f"    estimate: {1 + i % 9}m"]
        if i % 10:
            lines.append(f"    needs: [s{i - 1}]")
        if i % 10 == 0:
            lines.append(f"    outputs: [c{i}]")
        if i % 10 == 9 and i + 1 < steps:
            lines.append(f"    inputs: [c{i - 9}]")
    lines += ["  last:", "    title: Merge everything", "    run: echo done", "    estimate: 1m",
              "    inputs: [" + ", ".join(f"c{i}" for i in range(0, steps, 10)) + "]"]
    return "\n".join(lines) + "\n"


def cpu_median(action: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.process_time()
        action()
        samples.append(time.process_time() - start)
    return statistics.median(samples)


def hand_rolled(path: Path) -> None:
    """The baseline: load, validate against the same schema, compute levels. No positions, no outputs."""
    import jsonschema
    import yaml

    data = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
    jsonschema.Draft202012Validator(load_schema()).validate(data)
    graph = {sid: set(step.get("needs", [])) for sid, step in data["steps"].items()}
    sorter = graphlib.TopologicalSorter(graph)
    sorter.prepare()
    while sorter.is_active():
        ready = sorter.get_ready()
        sorter.done(*ready)


def compile_dir(root: Path, sources: List[str]) -> None:
    out = root / "out"
    shutil.rmtree(out, ignore_errors=True)
    result = compile_paths(sources, CompileOptions(out_dir=out))
    assert not any(d.is_error for d in result.diagnostics), result.diagnostics[:3]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    quick = parser.parse_args().quick
    big, many, repeat = (1_000, 100, 1) if quick else (10_000, 1_000, 3)
    root = Path(tempfile.mkdtemp(prefix="wfc-bench-"))
    os.chdir(root)
    try:
        (root / "w").mkdir()
        for size in (big // 10, big):
            (root / "w" / f"size{size}.yaml").write_text(workflow_text(size, f"size{size}"))
        (root / "many").mkdir()
        for index in range(many):
            (root / "many" / f"w{index:04d}.yaml").write_text(workflow_text(10, f"w{index}"))
        compile_dir(root, [str(root / "w" / f"size{big // 10}.yaml")])  # warm caches: schema, templates

        small = cpu_median(lambda: compile_dir(root, [f"w/size{big // 10}.yaml"]), repeat)
        large = cpu_median(lambda: compile_dir(root, [f"w/size{big}.yaml"]), repeat)
        baseline = cpu_median(lambda: hand_rolled(root / "w" / f"size{big}.yaml"), repeat)
        batch = cpu_median(lambda: compile_dir(root, ["many"]), 1)
        print(f"compile {big // 10:>6} steps: {small:6.3f} s cpu")
        print(f"compile {big:>6} steps: {large:6.3f} s cpu  (goal < 2 s)")
        print(f"growth 10x steps      : {large / small:6.2f}x time  (goal <= 12x)")
        print(f"hand-rolled {big} steps (PyYAML C + jsonschema + graphlib, no outputs): {baseline:6.3f} s cpu")
        print(f"ratio wfc / hand-rolled: {large / baseline:6.2f}")
        print(f"compile {many} workflows of 10 steps: {batch:6.3f} s cpu ({batch / many * 1000:.2f} ms each)")

        subprocess.run([sys.executable, "-m", "wfc", "compile", "many", "--out", "gen"], check=True,
                       capture_output=True)
        walls = []
        for _ in range(repeat):
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "wfc", "compile", "--check", "many", "--out", "gen"],
                                  capture_output=True, text=True)
            walls.append(time.perf_counter() - start)
            assert done.returncode == 0, done.stdout + done.stderr
        print(f"no-op compile --check over {many} workflows: {statistics.median(walls):6.3f} s wall, "
              f"process start included (goal < 0.5 s)")
    finally:
        os.chdir("/")
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
