"""A valid workflow becomes the frozen model with every default applied, asserted field by field:
what users leave out is exactly what the spec says it means."""
from __future__ import annotations

import dataclasses
import hashlib

import pytest

from wfc.model.build import active_form
from wfc.load import load_text
from wfc.model import Action, Argument, ContextEntry, Docs, OnFailure, Position, Retry, Step, Workflow
from wfc.validate import validate_document

MINIMAL = """\
version: 1
title: Review the code
description: Review it.
steps:
  quality:
    title: Review code quality
    prompt: Find code smells.
"""

FULL = """\
version: 1
name: review
title: Review the code
description: Review it.
arguments:
  target:
    default: "."
  depth:
    type: string
    enum: [quick, thorough]
    required: true
max_parallel: 3
resources:
  network: 2
  git: 1
defaults:
  estimate: 2m
  timeout: 20m
  retry: {attempts: 3, backoff: 10s}
  agent: reviewer
  model: sonnet
  tools: [Read, Grep]
  cache: false
context:
  codebase:
    description: The code
  findings:
    ttl: 90s
steps:
  analyze:
    title: Analyze the codebase
    prompt: Scan {{ args.target }}.
    outputs: codebase
    estimate: 5m
  quality:
    title: Review code quality
    agent: quality-reviewer
    prompt: Review {{ context.codebase }}.
    inputs: [codebase]
    outputs: [findings]
    resources: [network]
    retry: {factor: 3, max_backoff: 1m}
    cache: true
  report:
    title: Write the report
    run: [make, report]
    needs: quality
    inputs: findings
    resources: {network: 2, git: 1}
    timeout: 90
    cached_estimate: 30s
    continue_on_error: true
    compensate:
      run: git checkout -- reports/
"""


def model(text: str, stem: str) -> Workflow:
    result = validate_document(load_text(text, f"workflows/{stem}.yaml"), stem)
    assert [d for d in result.diagnostics if d.is_error] == []
    assert result.workflow is not None
    return result.workflow


def test_a_minimal_workflow_gets_every_top_level_default() -> None:
    workflow = model(MINIMAL, "minimal")
    assert workflow.name == "minimal"
    assert workflow.source == "workflows/minimal.yaml"
    assert workflow.source_sha256 == hashlib.sha256(MINIMAL.encode("utf-8")).hexdigest()
    assert (workflow.version, workflow.title, workflow.description) == (1, "Review the code", "Review it.")
    assert workflow.arguments == ()
    assert workflow.max_parallel is None
    assert workflow.resources == {}
    assert workflow.context == ()
    assert workflow.on_failure == OnFailure(compensate=True, keep_going=False)
    assert workflow.docs == Docs(purpose="", usage=(), success_criteria=(), outputs=())
    assert workflow.progress == "todowrite"
    assert workflow.model is None


def test_a_minimal_step_gets_every_step_default() -> None:
    (step,) = model(MINIMAL, "minimal").steps
    assert step == Step(
        id="quality", title="Review code quality", active="Reviewing code quality", kind="agent",
        description="", prompt="Find code smells.", agent=None, model=None, tools=(), max_turns=None,
        run=None, env={}, cwd=None, call=None, needs=(), inputs=(), outputs=(), files=(),
        estimate=60.0, estimate_defaulted=True, cached_estimate=60.0, timeout=None,
        retry=Retry(attempts=1, backoff=0.0, factor=2.0, max_backoff=None), resources={}, cache=True,
        when=None, continue_on_error=False, compensate=None, group=None,
    )


@pytest.fixture(scope="module")
def full() -> Workflow:
    return model(FULL, "review")


def test_arguments_context_and_resources_are_normalised(full: Workflow) -> None:
    assert full.arguments == (
        Argument("target", description="", type="string", default=".", required=False, enum=None),
        Argument("depth", description="", type="string", default=None, required=True, enum=("quick", "thorough")),
    )
    assert full.context == (ContextEntry("codebase", "The code", 3600.0), ContextEntry("findings", "", 90.0))
    assert list(full.resources.items()) == [("git", 1), ("network", 2)]
    assert full.max_parallel == 3
    assert full.model == "sonnet"


def test_an_agent_step_inherits_the_defaults(full: Workflow) -> None:
    step = full.step("analyze")
    assert (step.kind, step.agent, step.model, step.tools) == ("agent", "reviewer", "sonnet", ("Read", "Grep"))
    assert (step.estimate, step.estimate_defaulted, step.cached_estimate) == (300.0, False, 300.0)
    assert step.timeout == 1200.0
    assert step.retry == Retry(attempts=3, backoff=10.0, factor=2.0, max_backoff=None)
    assert step.cache is False
    assert step.outputs == ("codebase",)
    assert step.active == "Analyzing the codebase"


def test_a_step_overrides_what_it_sets_and_inherits_the_rest(full: Workflow) -> None:
    step = full.step("quality")
    assert step.agent == "quality-reviewer"
    assert step.model == "sonnet"
    assert (step.estimate, step.estimate_defaulted) == (120.0, False)
    # a step's own retry replaces the default policy as a whole: unset fields take the built-in defaults
    assert step.retry == Retry(attempts=1, backoff=0.0, factor=3.0, max_backoff=60.0)
    assert step.resources == {"network": 1}
    assert step.cache is True
    assert (step.inputs, step.outputs) == (("codebase",), ("findings",))


def test_a_shell_step_takes_no_agent_defaults(full: Workflow) -> None:
    step = full.step("report")
    assert (step.kind, step.run) == ("shell", ("make", "report"))
    assert (step.agent, step.model, step.tools) == (None, None, ())
    assert (step.needs, step.inputs) == (("quality",), ("findings",))
    assert list(step.resources.items()) == [("git", 1), ("network", 2)]
    assert (step.timeout, step.estimate, step.cached_estimate) == (90.0, 120.0, 30.0)
    assert step.continue_on_error is True
    assert step.compensate == Action(kind="shell", run="git checkout -- reports/", call=None, prompt=None,
                                     agent=None, env={}, cwd=None)
    assert step.active == "Writing the report"


def test_positions_point_at_what_the_user_wrote(full: Workflow) -> None:
    assert full.position_of("steps", "quality", "agent") == Position(37, 12)
    assert full.position_of("steps", "report", "needs") == Position(47, 12)
    assert full.position_of("steps", "report", "compensate", "nowhere") == Position(54, 7)


def test_the_model_is_frozen(full: Workflow) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        full.step("analyze").estimate = 1.0  # type: ignore[misc]


@pytest.mark.parametrize("title, active", [
    ("Review code quality", "Reviewing code quality"),
    ("Write the report", "Writing the report"),
    ("Run the tests", "Running the tests"),
    ("Plan the release", "Planning the release"),
    ("Audit access", "Auditing access"),
    ("Tie up loose ends", "Tying up loose ends"),
    ("Free disk space", "Freeing disk space"),
    ("Deploy", "Deploying"),
    ("Testing already", "Testing already"),
    ("3 reviews", "3 reviews"),
])
def test_the_active_form_is_derived_from_the_title(title: str, active: str) -> None:
    assert active_form(title) == active
