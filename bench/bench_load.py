"""How long the front half takes on hostile and on huge input: an alias bomb (a few hundred bytes
that would expand to gigabytes) must be refused at once, and a 10,000-step workflow must load and
validate in seconds, with every stage timed separately.

Figures are medians of several runs in CPU seconds of this process (less disturbed by other load
than wall time). The tests assert diagnostics, never times; times belong here.

    python bench/bench_load.py            # all figures
    python bench/bench_load.py --quick    # fewer repeats and 1,000 steps, for a smoke run
"""
from __future__ import annotations

import argparse
import statistics
import time
from typing import Any, Callable, List

import yaml

from wfc.model.build import build_workflow
from wfc.validate.checks import all_findings
from wfc.load import load_text
from wfc.validate.schema import schema_findings
from wfc.validate import validate_document


def alias_bomb(levels: int = 9) -> str:
    """Ten aliases of the level below per level: 10**levels leaves once expanded."""
    lines = ["a0: &a0 [" + ", ".join(["lol"] * 10) + "]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def big_workflow(steps: int) -> str:
    """Chains of ten steps, each chain reading the context of the one before: every check has work."""
    lines = ["version: 1", "title: Load benchmark", "description: Generated for bench_load.",
             "arguments:", "  target: {description: Path, default: '.'}", "resources:", "  network: 4",
             "context:"]
    lines += [f"  c{i}: {{description: context {i}, ttl: 2h}}" for i in range(0, steps, 10)]
    lines.append("steps:")
    for i in range(steps):
        lines += [f"  s{i}:", f"    title: Review part {i}", f"    prompt: Review part {i} of {{{{ args.target }}}}.",
                  f"    estimate: {1 + i % 9}m", "    resources: [network]"]
        if i % 10:
            lines.append(f"    needs: [s{i - 1}]")
        elif i:
            lines.append(f"    inputs: [c{i - 10}]")
        if i % 10 == 0:
            lines.append(f"    outputs: [c{i}]")
    return "\n".join(lines) + "\n"


def cpu_median(action: Callable[[], Any], repeats: int) -> float:
    times: List[float] = []
    for _ in range(repeats):
        start = time.process_time()
        action()
        times.append(time.process_time() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and a smaller workflow")
    options = parser.parse_args()
    repeats, steps = (3, 1_000) if options.quick else (5, 10_000)

    bomb = alias_bomb()
    diagnostic = load_text(bomb, "bomb.yaml").diagnostics[0]
    print(
        f"alias bomb: {len(bomb)} bytes, 10^9 leaves if expanded; refused as {diagnostic.code} "
        f"at {diagnostic.line}:{diagnostic.column} in "
        f"{cpu_median(lambda: load_text(bomb, 'bomb.yaml'), repeats) * 1000:.2f} ms CPU"
    )

    text = big_workflow(steps)
    document = load_text(text, "workflows/big.yaml")
    assert not document.diagnostics, document.diagnostics[:3]
    stages = {
        "load (events -> data + source map)": lambda: load_text(text, "workflows/big.yaml"),
        "PyYAML's C safe loader, for comparison": lambda: yaml.load(text, Loader=yaml.CSafeLoader),
        "schema": lambda: schema_findings(document.data),
        "semantic checks": lambda: list(all_findings(document.data, "big")),
        "build model": lambda: build_workflow(document, "big"),
        "load + validate (end to end)": lambda: validate_document(load_text(text, "workflows/big.yaml"), "big"),
    }
    result = validate_document(document, "big")
    assert result.workflow is not None and len(result.workflow.steps) == steps
    print(f"{steps:,}-step workflow: {len(text) / 1e6:.2f} MB, {text.count(chr(10)):,} lines")
    for label, action in stages.items():
        print(f"  {label:<42} {cpu_median(action, repeats):8.3f} s CPU (median of {repeats})")


if __name__ == "__main__":
    main()
