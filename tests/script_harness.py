"""Running Workflow scripts in tests: `tests/workflow_js/harness.mjs` in virtual time, acorn's
meta check, `node --check`; and what a report says about a run.

Node is required (skipped, with the reason, where it is absent); acorn is installed on first use
with `npm ci` from the pinned lock file (skipped where npm is absent or cannot install it).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import pytest

from wfc.analysis import analyze
from wfc.analysis.plan import Plan
from wfc.render.workflow_script import render_workflow_script
from wfc.validate import validate_file

HERE = Path(__file__).resolve().parent / "workflow_js"
HARNESS = HERE / "harness.mjs"
META_CHECK = HERE / "meta_check.mjs"
NODE_FLAGS = ("--experimental-vm-modules", "--no-warnings")


def node() -> str:
    found = shutil.which("node")
    if found is None:
        pytest.skip("node is not installed: the Workflow scripts cannot be run")
    return found


def acorn_installed() -> None:
    """`npm ci` in tests/workflow_js once, so meta_check.mjs can import acorn."""
    if (HERE / "node_modules" / "acorn" / "package.json").is_file():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: acorn (the JavaScript parser of the meta check) cannot be installed")
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        pytest.skip(f"npm ci could not install acorn: {done.stderr.strip()[-300:]}")


def plan_of(path: Path) -> Plan:
    result = validate_file(path)
    assert result.workflow is not None, [d.message for d in result.diagnostics]
    return analyze(result.workflow)


def durations(plan: Plan, compensation: float = 1.0) -> Dict[str, float]:
    """Each step's estimate by label, and `compensation` seconds for each compensation."""
    found = {step.id: step.estimate for step in plan.steps}
    found.update({f"compensate:{step.id}": compensation for step in plan.workflow.steps if step.compensate})
    return found


def required_args(plan: Plan) -> Dict[str, Any]:
    """A value for every argument that has to be given."""
    return {a.name: f"the {a.name}" for a in plan.workflow.arguments if a.required and a.default is None}


def write_script(plan: Plan, directory: Path) -> Path:
    path = directory / f"{plan.workflow.name}.js"
    path.write_text(render_workflow_script(plan), encoding="utf-8")
    return path


def run(script: Path, plan: Optional[Plan], **config: Any) -> Dict[str, Any]:
    """The harness's report of one run; `config` as harness.mjs documents (durations default to
    the plan's estimates)."""
    config.setdefault("durations", durations(plan) if plan else {})
    config.setdefault("args", required_args(plan) if plan else None)
    config["script"] = str(script)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(config, handle)
    try:
        done = subprocess.run([node(), *NODE_FLAGS, str(HARNESS), handle.name], capture_output=True, text=True,
                              timeout=120)
    finally:
        Path(handle.name).unlink()
    assert done.returncode == 0, done.stderr
    report: Dict[str, Any] = json.loads(done.stdout)
    return report


def meta_checks(scripts: Iterable[Path]) -> List[Dict[str, Any]]:
    acorn_installed()
    done = subprocess.run([node(), str(META_CHECK), *map(str, scripts)], capture_output=True, text=True,
                          cwd=HERE, timeout=120)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.split("\n") if line]  # not splitlines: U+2028 is no line end here


def node_check(script: Path) -> subprocess.CompletedProcess:
    return subprocess.run([node(), "--check", str(script)], capture_output=True, text=True, timeout=60)


# -- what a report says ---------------------------------------------------------------------------


def step_agents(report: Mapping[str, Any]) -> List[Dict[str, Any]]:
    return [agent for agent in report["agents"] if not agent["label"].startswith("compensate:")]


def last_attempts(report: Mapping[str, Any]) -> Dict[str, Dict[str, Any]]:
    """Each step's last agent call (the attempt that decided it)."""
    return {agent["label"]: agent for agent in step_agents(report)}


def completion_order(report: Mapping[str, Any]) -> List[str]:
    """Steps whose last attempt succeeded, in the order the script saw them finish."""
    finished = [agent for agent in last_attempts(report).values() if not agent["failed"]]
    return [agent["label"] for agent in sorted(finished, key=lambda a: (a["finish"], a["order"]))]


def makespan(report: Mapping[str, Any]) -> float:
    return max((agent["finish"] for agent in step_agents(report)), default=0.0)


def peak(intervals: Sequence[Tuple[float, float, int]]) -> int:
    """The most units held at one instant by (start, finish, units) intervals; a unit freed at t
    may be taken at t."""
    events = sorted([(finish, -units) for start, finish, units in intervals if finish > start] +
                    [(start, units) for start, finish, units in intervals if finish > start])
    held = most = 0
    for _, change in events:
        held += change
        most = max(most, held)
    return most


def resource_peaks(report: Mapping[str, Any], plan: Plan) -> Dict[str, int]:
    steps = plan.workflow.steps_by_id()
    found = {}
    for name in plan.workflow.resources:
        intervals = [(a["start"], a["finish"], steps[a["label"]].resources.get(name, 0)) for a in step_agents(report)]
        found[name] = peak(intervals)
    return found


def dependency_violations(report: Mapping[str, Any], plan: Plan, skipped: Iterable[str] = ()) -> List[str]:
    """Steps whose first attempt started before a dependency's last attempt finished (or that
    started though one never ran, unless it was `skipped`)."""
    first: Dict[str, float] = {}
    for agent in step_agents(report):
        first.setdefault(agent["label"], agent["start"])
    last = last_attempts(report)
    return [f"{step.id} started at {first[step.id]} before {needed} finished at {last.get(needed, {}).get('finish')}"
            for step in plan.steps if step.id in first for needed in step.dependencies if needed not in skipped
            and (needed not in last or last[needed]["finish"] > first[step.id])]


def config_for(plan: Plan, fail: Optional[Mapping[str, int]] = None, **more: Any) -> Dict[str, Any]:
    config: Dict[str, Any] = {"durations": durations(plan)}
    if fail:
        config["fail"] = dict(fail)
    config.update(more)
    return config


# -- dynamic fan-outs -----------------------------------------------------------------------------


def map_nodes(plan: Plan) -> List[str]:
    """The plan's dynamic fan-outs: one node each, whose instances the script names at run time."""
    return [step.id for step in plan.workflow.steps if step.fan_out is not None and step.instance is None]


def instance_agents(report: Mapping[str, Any], node: str) -> List[Dict[str, Any]]:
    return [agent for agent in step_agents(report) if agent["label"].startswith(f"{node}[")]


def folded(report: Mapping[str, Any], plan: Plan) -> Dict[str, Any]:
    """The report with each dynamic fan-out's agents as one agent of its node, from its first
    instance's start to its last one's finish (failed if some instance's last attempt failed), so
    it reads against the plan as any other step does."""
    agents = list(report["agents"])
    for node in map_nodes(plan):
        mine = instance_agents(report, node)
        if not mine:
            continue
        last = max(mine, key=lambda a: (a["finish"], a["order"]))
        failed = any(a["failed"] for a in last_attempts({"agents": mine}).values())
        whole = {**mine[0], "label": node, "start": min(a["start"] for a in mine), "finish": last["finish"],
                 "order": last["order"], "failed": failed}
        others = {id(agent) for agent in mine[1:]}
        agents = [whole if agent is mine[0] else agent for agent in agents if id(agent) not in others]
    return {**report, "agents": agents}
