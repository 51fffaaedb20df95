"""Model objects built directly, with defaults, so analysis tests need no YAML loader.

`make_step` gives a shell step whose command names it; pass `estimate` in seconds to mark the
estimate as written by the user (as the loader does), leave it out to get the 1m default marked
as defaulted.
"""
from __future__ import annotations

import hashlib
from typing import Any, Dict, Iterable, Mapping, Optional

from wfc.model import DEFAULT_ESTIMATE, ContextEntry, Position, Step, Workflow

MINUTE = 60.0

# The smallest valid workflow file, for tests about where outputs go rather than what they say.
DEMO_WORKFLOW = """\
version: 1
title: Demo
description: A demo.
steps:
  hello:
    title: Say hello
    run: echo hello
    estimate: 1s
"""


def make_step(step_id: str, *, estimate: Optional[float] = None, **fields: Any) -> Step:
    values: Dict[str, Any] = {
        "title": f"Run {step_id}",
        "active": f"Running {step_id}",
        "kind": "shell",
        "run": f"echo {step_id}",
        "estimate": DEFAULT_ESTIMATE if estimate is None else float(estimate),
        "estimate_defaulted": estimate is None,
    }
    values.update(fields)
    values.setdefault("cached_estimate", values["estimate"])
    for name in ("needs", "inputs", "outputs", "files", "tools"):
        if name in values:
            values[name] = tuple(values[name])
    return Step(id=step_id, **values)


def make_workflow(
    steps: Iterable[Step],
    *,
    name: str = "demo",
    context: Optional[Mapping[str, float]] = None,
    positions: Optional[Mapping[tuple, Position]] = None,
    **fields: Any,
) -> Workflow:
    """A workflow over `steps`; `context` maps each name to its ttl in seconds (declared
    automatically, with the default ttl, for every name a step reads or writes when omitted)."""
    steps = tuple(steps)
    ttls: Dict[str, float] = {}
    for step in steps:
        for entry in (*step.outputs, *step.inputs):
            ttls.setdefault(entry, 3600.0)
    ttls.update(context or {})
    values: Dict[str, Any] = {
        "source": f"workflows/{name}.yaml",
        "source_sha256": hashlib.sha256(name.encode()).hexdigest(),
        "title": f"The {name} workflow",
        "description": f"Runs {name}.",
        "context": tuple(ContextEntry(entry, f"The {entry}", ttl) for entry, ttl in sorted(ttls.items())),
        "positions": dict(positions or {}),
    }
    values.update(fields)
    return Workflow(name=name, steps=steps, **values)


REVIEWERS = {"quality": 6, "best-practices": 5, "architecture": 5, "performance": 5, "security": 6}


def review_all(max_parallel: Optional[int] = None) -> Workflow:
    """The seed's /review-all v2: one analysis shared by five reviewers, then a synthesis."""
    steps = [make_step("analyze", estimate=5 * MINUTE, outputs=["codebase"], title="Analyze the codebase",
                       active="Analyzing the codebase")]
    for reviewer, minutes in REVIEWERS.items():
        steps.append(make_step(reviewer, estimate=minutes * MINUTE, inputs=["codebase"],
                               kind="agent", run=None, prompt=f"Review {reviewer}.",
                               title=f"Review {reviewer}", active=f"Reviewing {reviewer}"))
    steps.append(make_step("report", estimate=6 * MINUTE, needs=list(REVIEWERS),
                           title="Write the report", active="Writing the report"))
    return make_workflow(steps, name="review-all", max_parallel=max_parallel)
