"""The catalogue covers every legacy command: one redesigned workflow for each of the 21 originals
in tests/legacy/originals/commands/, each with a legacy figure that says where it comes from, the
original's real agents kept (those with a definition among the originals' agents), and a schedule
that beats the figure wherever one was given.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Set, Tuple

import pytest
from ruamel.yaml import YAML

from wfc.analysis import analyze
from wfc.analysis.plan import Plan
from wfc.legacy import import_legacy
from wfc.validate import validate_file

ROOT = Path(__file__).resolve().parent.parent
ORIGINALS = ROOT / "tests" / "legacy" / "originals"
COMMANDS = sorted(p.stem for p in (ORIGINALS / "commands").glob("*.md") if p.stem not in ("README", "review-all-v2"))
DEFINED = {p.stem for p in (ORIGINALS / "agents").iterdir() if p.suffix in (".md", ".json")}
BUILT_IN = {"general-purpose", "Explore", "Plan"}
# Where a legacy figure may come from: the command's own budget, the legacy catalogue's claim, or nothing.
SOURCES = re.compile(r"^(the command's own phase budgets|the legacy command's own text|the legacy command catalogue"
                     r"|none given)")


@lru_cache(maxsize=None)
def compiled(name: str) -> Plan:
    result = validate_file(ROOT / "workflows" / f"{name}.yaml")
    assert result.workflow is not None, [d.message for d in result.diagnostics]
    return analyze(result.workflow)


@lru_cache(maxsize=None)
def original_agents(name: str) -> Tuple[str, ...]:
    """The agents the original names, as `wfc import` reads them, in order of first mention."""
    path = ORIGINALS / "commands" / f"{name}.md"
    imported = import_legacy(path.read_bytes(), f"tests/legacy/originals/commands/{name}.md", name, path)
    steps = YAML(typ="safe", pure=True).load(imported.text)["steps"]
    return tuple(dict.fromkeys(step["agent"] for step in steps.values() if "agent" in step))


def test_every_legacy_command_ships_as_a_workflow() -> None:
    assert len(COMMANDS) == 21
    shipped = {p.stem for p in (ROOT / "workflows").glob("*.yaml")}
    assert sorted(set(COMMANDS) - shipped) == []


@pytest.mark.parametrize("name", COMMANDS)
def test_validates_strictly_clean(name: str) -> None:
    result = validate_file(ROOT / "workflows" / f"{name}.yaml")
    plan = compiled(name)
    shown = [f"{d.line}:{d.column} {d.code} {d.message}" for d in result.diagnostics + plan.warnings]
    assert shown == []


@pytest.mark.parametrize("name", COMMANDS)
def test_the_legacy_figure_cites_its_source(name: str) -> None:
    docs = compiled(name).workflow.docs
    assert SOURCES.match(docs.legacy_source), docs.legacy_source
    assert (docs.legacy_minutes is None) == docs.legacy_source.startswith("none given")


@pytest.mark.parametrize("name", COMMANDS)
def test_a_budget_of_its_own_is_kept_as_the_sequential_time(name: str) -> None:
    plan = compiled(name)
    docs = plan.workflow.docs
    if not docs.legacy_source.startswith("the command's own phase budgets"):
        pytest.skip(f"{name}'s figure is not a budget of its own: {docs.legacy_source}")
    assert plan.estimate.sequential == docs.legacy_minutes * 60.0


@pytest.mark.parametrize("name", COMMANDS)
def test_the_plan_beats_the_legacy_figure(name: str) -> None:
    plan = compiled(name)
    if plan.workflow.docs.legacy_minutes is None:
        pytest.skip(f"{name} has no legacy figure")
    assert plan.estimate.makespan < plan.workflow.docs.legacy_minutes * 60.0


@pytest.mark.parametrize("name", COMMANDS)
def test_every_agent_a_step_names_is_defined(name: str) -> None:
    workflow = compiled(name).workflow
    declared: Set[str] = {agent.name for agent in workflow.agents} | BUILT_IN
    named = {step.agent for step in workflow.steps if step.agent}
    assert sorted(named - declared) == []


@pytest.mark.parametrize("name", COMMANDS)
def test_the_originals_real_agents_are_kept(name: str) -> None:
    real = [agent for agent in original_agents(name) if agent in DEFINED]
    declared = {agent.name for agent in compiled(name).workflow.agents}
    assert [agent for agent in real if agent not in declared] == []
