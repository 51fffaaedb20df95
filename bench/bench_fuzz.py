"""Fuzz the front end: generated and mutated workflow files through validate, and the ones that
validate through the analysis (the plan) and every renderer (what compile writes), counting
tracebacks (the goal is 0) and reported positions that lie outside the file.

Inputs are deterministic (a seeded generator): the shipped workflows mutated (bytes flipped,
dropped, duplicated; lines swapped, cut, re-indented; YAML punctuation and template syntax
spliced in; truncated anywhere) and workflow-shaped trees built from the format's own keys. Not
in CI (tests/test_fuzz_load.py keeps a smaller hypothesis sample there).

    python bench/bench_fuzz.py                   # 24,000 inputs
    python bench/bench_fuzz.py --inputs 2000     # a smoke run
"""
from __future__ import annotations

import argparse
import json
import random
import re
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

from wfc.analysis import analyze
from wfc.compiler import RENDERERS
from wfc.load import load_bytes
from wfc.render.agent_files import render_agent_files
from wfc.validate import validate_document

ROOT = Path(__file__).resolve().parent.parent
BITS = [":", "- ", "? ", "{", "}", "[", "]", ",", "&a ", "*a", "!!str ", "!tag ", "---\n", "#", "\n", "  ", "\t",
        "'", '"', "|\n  ", "{{ args.x }}", "{{ context.y | upper }}", "{% if x %}", "{% endif %}", "{{", "\\", "$(",
        "`", "<<EOF\n", "\x00", "\ufeff", "\u2028", "é", "1h30m", "5m", ".inf", ".nan", "0x1F", "-1", "1e400",
        "~", "true", "null", "needs: [", "run: ", "prompt: ", "estimate: ", "when: ", "for_each: "]
STEP_KEYS = ["title", "prompt", "agent", "run", "call", "needs", "inputs", "outputs", "estimate", "timeout",
             "retry", "resources", "when", "continue_on_error", "compensate", "group", "env", "cwd", "cache"]
VALUES: List[Any] = ["a", "b", "echo {{ args.t }}", "1m", "0s", -1, 0, 2.5, True, None, [], {}, ["a"], ["x", "b"],
                     {"attempts": 3}, {"run": "echo undo"}, "{{ context.a }}", "args.t == 'x'", "99999999999h"]


def seeds() -> List[bytes]:
    return [path.read_bytes() for path in sorted((ROOT / "workflows").glob("*.yaml"))]


def mutate(text: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.randint(1, 4)):
        text = rng.choice(MUTATIONS)(text, rng)
    return text


def _flip(text: bytes, rng: random.Random) -> bytes:
    if not text:
        return text
    at = rng.randrange(len(text))
    return text[:at] + bytes([rng.randrange(256)]) + text[at + 1:]


def _splice(text: bytes, rng: random.Random) -> bytes:
    at = rng.randint(0, len(text))
    return text[:at] + rng.choice(BITS).encode("utf-8") + text[at:]


def _cut(text: bytes, rng: random.Random) -> bytes:
    return text[:rng.randint(0, len(text))]


def _drop(text: bytes, rng: random.Random) -> bytes:
    at = rng.randint(0, len(text))
    return text[:at] + text[at + rng.randint(1, 40):]


def _lines(text: bytes, rng: random.Random) -> bytes:
    lines = text.split(b"\n")
    if len(lines) < 2:
        return text
    a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
    choice = rng.randrange(3)
    if choice == 0:
        lines[a], lines[b] = lines[b], lines[a]
    elif choice == 1:
        lines[a] = b"  " + lines[a] if rng.random() < 0.5 else lines[a].lstrip()
    else:
        lines.insert(a, lines[b])
    return b"\n".join(lines)


MUTATIONS: List[Callable[[bytes, random.Random], bytes]] = [_flip, _splice, _cut, _drop, _lines, _lines, _splice]


def generated(rng: random.Random) -> bytes:
    """A workflow-shaped tree from the format's keys, some values wrong, as JSON (which is YAML)."""
    names = ["a", "b", "c", "d"][:rng.randint(1, 4)]
    steps: Dict[str, Any] = {}
    for name in names:
        step: Dict[str, Any] = {"title": f"Do {name}", rng.choice(["run", "prompt", "call"]): "echo {{ args.t }}"}
        for key in rng.sample(STEP_KEYS, rng.randint(0, 5)):
            step[key] = rng.choice(VALUES + names)
        steps[name] = step
    tree: Dict[str, Any] = {"version": rng.choice([1, 1, 1, 2, "1"]), "title": "T", "description": "D",
                            "arguments": {"t": {"default": rng.choice(["x", 1, None, "a b"])}},
                            "context": {name: {"description": name} for name in rng.sample(["a", "b", "x", "y"], 2)},
                            "steps": steps}
    for key in rng.sample(["max_parallel", "resources", "defaults", "on_failure"], rng.randint(0, 2)):
        tree[key] = rng.choice(VALUES)
    return json.dumps(tree).encode("utf-8")


def through_the_front_end(raw: bytes) -> Tuple[str, int]:
    """('invalid'|'compiled', positions outside the file); raises what a user would see as a traceback."""
    document = load_bytes(raw, "workflows/fuzz.yaml")
    result = validate_document(document, "fuzz")
    # Lines as an editor numbers them: `splitlines` would also break at \x1c, \x85, \u2028...
    lines = re.split(r"\r\n|\r|\n", raw.decode("utf-8", "replace"))
    outside = sum(1 for d in result.diagnostics if d.line > len(lines) or d.column > len(lines[d.line - 1]) + 1
                  or d.line < 1 or d.column < 1)
    if result.workflow is None:
        return "invalid", outside
    plan = analyze(result.workflow)
    for renderer in RENDERERS:
        renderer.render(plan)
        if renderer.warnings:
            renderer.warnings(plan)
    render_agent_files(plan)
    return "compiled", outside


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=24000)
    parser.add_argument("--seed", type=int, default=11)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    originals = seeds()
    outcomes: Counter = Counter()
    tracebacks: Counter = Counter()
    outside = 0
    started = time.process_time()
    for index in range(options.inputs):
        raw = generated(rng) if index % 4 == 0 else mutate(rng.choice(originals), rng)
        try:
            outcome, off = through_the_front_end(raw)
            outcomes[outcome] += 1
            outside += off
        except Exception as error:  # what the fuzz is for: any of these is a bug
            frame = traceback.extract_tb(error.__traceback__)[-1]
            tracebacks[f"{type(error).__name__} at {Path(frame.filename).name}:{frame.lineno}"] += 1
    elapsed = time.process_time() - started
    print(f"inputs: {options.inputs:,} (seed {options.seed}; 1 in 4 generated, the rest mutated from "
          f"{len(originals)} shipped workflows)")
    print(f"invalid (diagnostics): {outcomes['invalid']:,}; compiled (plan and every output): {outcomes['compiled']:,}")
    print(f"tracebacks: {sum(tracebacks.values())}")
    for where, count in tracebacks.most_common():
        print(f"  {count:6d}  {where}")
    print(f"diagnostics positioned outside the file: {outside}")
    print(f"CPU time: {elapsed:.1f} s ({elapsed / max(options.inputs, 1) * 1000:.2f} ms an input)")


if __name__ == "__main__":
    main()
