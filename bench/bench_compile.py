"""How fast `wfc compile` is, and how its time grows with workflow size.

Measured side by side in one process against what a user would otherwise hand-roll for the
same job: PyYAML's C loader + jsonschema + graphlib levels (no positions, no diagnostics, no
outputs). Figures are the minimum of several runs (as timeit reports: the run least disturbed by
other load), in CPU seconds of this process, after a warm-up run of each size; for the no-op
check, the median wall seconds of a real `wfc compile --check`, process start included.

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
from typing import Callable, List, Tuple

from wfc.compiler import CompileOptions, compile_paths
from wfc.validate.schema_files import load_schema


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


def cpu_best(action: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.process_time()
        action()
        samples.append(time.process_time() - start)
    return min(samples)


def edited_recompile(root: Path, size: int) -> float:
    """What a user waits for after editing one title: every output differs from the file on disk."""
    source = root / "w" / f"size{size}.yaml"
    original = source.read_text()
    compile_dir(root, [str(source)])
    out = root / "out"
    source.write_text(original.replace("title: Review part 5 of", "title: Review piece 5 of", 1))
    try:
        start = time.process_time()
        result = compile_paths([str(source)], CompileOptions(out_dir=out))
        return time.process_time() - start if result.count("write") else float("nan")
    finally:
        source.write_text(original)


def stage_times(path: Path, repeat: int) -> List[Tuple[str, float]]:
    """Where the time of one compile goes, stage by stage (outputs rendered, not written)."""
    from wfc.analysis import analyze
    from wfc.model.build import build_workflow
    from wfc.validate.checks import all_findings
    from wfc.load import load_bytes
    from wfc.render import command_doc, module, plan_json, workflow_script
    from wfc.validate.schema import schema_findings

    raw = path.read_bytes()
    document = load_bytes(raw, path.name)
    workflow = build_workflow(document, path.stem)
    plan = analyze(workflow)

    stages = [("load", lambda: load_bytes(raw, path.name)), ("schema", lambda: schema_findings(document.data)),
              ("checks", lambda: list(all_findings(document.data, path.stem))),
              ("model", lambda: build_workflow(document, path.stem)), ("analysis", lambda: analyze(workflow)),
              ("plan JSON", lambda: plan_json.plan_to_json(plan)), ("module", lambda: module.render_module(plan)),
              ("command doc", lambda: command_doc.render_command_doc(plan)),
              ("workflow script", lambda: workflow_script._Script(plan).text())]
    return [(name, cpu_best(action, repeat)) for name, action in stages]


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


DEPENDENCIES = "import ruamel.yaml, jsonschema, jinja2, click, rich, markdown_it"


def child_cpu(argv: List[str]) -> float:
    """CPU seconds (user + system) of one child process: what a busy machine disturbs least."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cold_validate(workflow: Path, repeat: int) -> Tuple[float, float]:
    """A fresh `wfc validate` of one workflow against a bare interpreter that only imports the
    project's dependencies, timed alternately (medians): the floor any Python tool pays."""
    validate = [sys.executable, "-m", "wfc", "validate", str(workflow)]
    bare = [sys.executable, "-c", DEPENDENCIES]
    pairs = [(child_cpu(validate), child_cpu(bare)) for _ in range(repeat)]
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


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
    shipped = Path(__file__).resolve().parent.parent / "workflows" / "review-all.yaml"
    wfc_cold, bare_cold = cold_validate(shipped, 5 if quick else 15)
    print(f"cold validate of {shipped.name}: {wfc_cold:6.3f} s cpu; bare interpreter importing the dependencies "
          f"{bare_cold:6.3f} s: {wfc_cold / bare_cold:.2f}x (goal <= 1.5x)")
    root = Path(tempfile.mkdtemp(prefix="wfc-bench-"))
    os.chdir(root)
    try:
        (root / "w").mkdir()
        for size in (big // 10, big):
            (root / "w" / f"size{size}.yaml").write_text(workflow_text(size, f"size{size}"))
        (root / "many").mkdir()
        for index in range(many):
            (root / "many" / f"w{index:04d}.yaml").write_text(workflow_text(10, f"w{index}"))
        for size in (big // 10, big):  # warm caches: schema, templates, the allocator's arenas
            compile_dir(root, [str(root / "w" / f"size{size}.yaml")])

        small = cpu_best(lambda: compile_dir(root, [f"w/size{big // 10}.yaml"]), repeat * 2 + 1)
        large = cpu_best(lambda: compile_dir(root, [f"w/size{big}.yaml"]), repeat * 2 + 1)
        baseline = cpu_best(lambda: hand_rolled(root / "w" / f"size{big}.yaml"), repeat)
        batch = cpu_best(lambda: compile_dir(root, ["many"]), 1)
        print(f"compile {big // 10:>6} steps: {small:6.3f} s cpu  (goal at 1,000 steps < 2 s)")
        print(f"compile {big:>6} steps: {large:6.3f} s cpu")
        print(f"growth 10x steps      : {large / small:6.2f}x time  (goal <= 12x)")
        print(f"hand-rolled {big} steps (PyYAML C + jsonschema + graphlib, no outputs): {baseline:6.3f} s cpu")
        print(f"ratio wfc / hand-rolled: {large / baseline:6.2f}")
        print(f"compile {many} workflows of 10 steps: {batch:6.3f} s cpu ({batch / many * 1000:.2f} ms each)")
        print(f"recompile {big} steps after a one-line edit: {edited_recompile(root, big):6.3f} s cpu")
        stages = stage_times(root / "w" / f"size{big}.yaml", repeat)
        print(f"{big} steps by stage: " + ", ".join(f"{name} {seconds:.2f}" for name, seconds in stages))

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
