"""`wfc import` over the shapes real Claude Code commands take outside the seed project.

The fixtures in tests/legacy/shapes/.claude/ are this project's own text, written after reading
public commands: frontmatter with `$0`/`$1`/`$ARGUMENTS` and an unquoted `argument-hint`,
`## Phase N` with prose, `@agent-x`, `subagent_type: x` and backticked agents and a declared
parallel group, `### Step N` with checklists, numbered headings run in parallel with a closing
report, a table of agents, budgets that are not durations, a list repeated per item, a condition,
and files that are not commands (a skill, an agent definition, a plan). Beside them,
`.claude/agents/` defines the agents, so names are checked as Claude Code would.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

import jinja2.sandbox
import pytest
from ruamel.yaml import YAML

from wfc.diagnostics.errors import ValidationFailed
from wfc.legacy import ImportResult, import_legacy

CLAUDE = Path(__file__).parent / "legacy" / "shapes" / ".claude"
COMMANDS = CLAUDE / "commands"

# stem -> [(step id, agent, needs, estimate, when)]
Step = Tuple[str, str, Tuple[str, ...], str, str]
STEPS: Dict[str, List[Step]] = {
    "explain-diff": [("explain-diff", "", (), "", "")],
    "review-pr": [
        ("map-which-modules-change", "code-explorer", (), "", ""),
        ("security-reviewer", "security-reviewer", ("map-which-modules-change",), "15m", ""),
        ("look-slow-queries", "perf-reviewer", ("map-which-modules-change",), "15m", ""),
        ("style-checker", "style-checker", ("map-which-modules-change",), "15m", ""),
        ("report", "", ("security-reviewer", "look-slow-queries", "style-checker"), "5m", "")],
    "fix-issue": [
        ("understand-issue", "", (), "", ""), ("bug-fixer", "bug-fixer", ("understand-issue",), "10m", ""),
        ("test-runner", "test-runner", ("bug-fixer",), "5m", "")],
    "full-review": [
        ("code-quality", "quality-reviewer", (), "", ""), ("security", "security-reviewer", (), "", ""),
        ("performance", "perf-reviewer", (), "", ""), ("documentation", "docs-reviewer", (), "", ""),
        ("consolidated-report", "", ("code-quality", "security", "performance", "documentation"), "", "")],
    "release-table": [
        ("draft-changelog", "release-writer", (), "10m", ""),
        ("run-release-checks", "test-runner", ("draft-changelog",), "20m", ""),
        ("tag-publish", "release-writer", ("run-release-checks",), "5m", "")],
    "budgets": [
        ("code-explorer", "code-explorer", (), "", ""), ("bug-fixer", "bug-fixer", ("code-explorer",), "", ""),
        ("test-runner", "test-runner", ("bug-fixer",), "", ""),
        ("release-writer", "release-writer", ("test-runner",), "10m", "")],
    "audit-services": [
        ("service-auditor", "service-auditor", (), "10m", ""),
        ("security-reviewer", "security-reviewer", ("service-auditor",), "10m", "args.include_security_reviewer"),
        ("secuirty-reviewer", "secuirty-reviewer", ("security-reviewer",), "10m", "")],
}
# stem -> [(line, column, message)] of what the import reports about the legacy file
WARNINGS: Dict[str, List[Tuple[int, int, str]]] = {
    "explain-diff": [],
    "review-pr": [(28, 1, "dropped: 2 lines of section `Notes` (lines 28, 30): notes and guidance have no field in "
                          "a workflow")],
    "fix-issue": [(3, 1, "`$1` is word 1 of the arguments (counting from 0 since Claude Code 2.1.19) and the command "
                         "never uses `$0`: it may have been written for the old numbering, where `$1` was the "
                         "first word")],
    "full-review": [],
    "release-table": [],
    "budgets": [(3, 1, "`(20%)` in phase `Phase 1: Setup` is a share, not a duration: the phase gets no estimate")],
    "audit-services": [
        (7, 1, "the text runs service-auditor `for each service in`: imported as one step that covers the whole list"),
        (9, 1, "agent 'secuirty-reviewer' is not defined in tests/legacy/shapes/.claude/agents/ nor built into "
               "Claude Code")],
}
LEGACY_MINUTES = {"explain-diff": 0, "review-pr": 20, "fix-issue": 15, "full-review": 0, "release-table": 35,
                  "budgets": 10, "audit-services": 30}


def imported(stem: str) -> ImportResult:
    path = COMMANDS / f"{stem}.md"
    return import_legacy(path.read_bytes(), f"tests/legacy/shapes/.claude/commands/{stem}.md", stem, path)


def data_of(stem: str) -> dict:
    return YAML(typ="safe", pure=True).load(imported(stem).text)


@pytest.mark.parametrize("stem", sorted(STEPS))
def test_steps_agents_order_and_estimates(stem: str) -> None:
    steps = data_of(stem)["steps"]
    assert [(i, s.get("agent", ""), tuple(s.get("needs", ())), s.get("estimate", ""), s.get("when", ""))
            for i, s in steps.items()] == STEPS[stem]


@pytest.mark.parametrize("stem", sorted(WARNINGS))
def test_what_the_import_reports(stem: str) -> None:
    assert [(d.line, d.column, d.message) for d in imported(stem).warnings] == WARNINGS[stem]


@pytest.mark.parametrize("stem", sorted(LEGACY_MINUTES))
def test_faithful_makespan(stem: str) -> None:
    result = imported(stem)
    untimed = sum(1 for s in data_of(stem)["steps"].values() if "estimate" not in s)
    assert result.command.total_seconds == 60 * LEGACY_MINUTES[stem]
    estimate = result.checked.plan.estimate  # type: ignore[union-attr]
    groups = sum(1 for p in result.command.phases for u in p.units if len(u.entries) > 1)
    if stem in ("review-pr", "full-review"):
        assert groups == 1 and estimate.sequential > estimate.makespan
        return
    assert groups == 0 and estimate.makespan == estimate.sequential == result.command.total_seconds + 60 * untimed
    assert [d.code for d in result.checked.diagnostics] == ["WFC303"] * untimed


def test_frontmatter_fields_and_zero_based_words() -> None:
    """An unquoted `argument-hint: [file] [focus]` keeps the whole frontmatter; `$0` is the first word."""
    data = data_of("explain-diff")
    assert data["description"] == "Explain a diff to a reviewer, focusing on what they ask about"
    assert data["defaults"] == {"model": "sonnet", "tools": ["Read", "Grep", "Bash(git diff:*)"]}
    assert data["arguments"] == {"file": {"description": "The legacy <file> argument", "default": ""},
                                 "focus": {"description": "The legacy <focus> argument", "default": ""}}
    prompt = data["steps"]["explain-diff"]["prompt"]
    rendered = jinja2.sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined).from_string(
        prompt).render(args={"file": "api.py", "focus": "errors"})
    assert rendered == ("Read the changes to api.py with `git diff -- api.py` and explain them to a reviewer.\n\n"
                        "Focus on errors. When the focus is empty, cover correctness first.\n\n"
                        "Finish with one line: the riskiest change in api.py errors.")


def test_arguments_of_a_phased_command_reach_every_prompt() -> None:
    data = data_of("review-pr")
    assert data["arguments"] == {"pr_number": {"description": "The legacy <pr-number> argument", "required": True},
                                 "strict": {"description": "The legacy --strict option", "type": "boolean",
                                            "default": False}}
    environment = jinja2.sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    for step in data["steps"].values():
        rendered = environment.from_string(step["prompt"]).render(args={"pr_number": "42", "strict": True})
        # the command's text says where the arguments go, so (as in Claude Code) nothing is appended
        assert rendered.endswith("From /review-pr:\n\nReview pull request 42 --strict before it merges.")


def test_parallel_group_keeps_its_phase_budget_for_each_member() -> None:
    steps = data_of("review-pr")["steps"]
    assert steps["report"]["prompt"].startswith("Then write one summary comment")
    assert steps["style-checker"]["prompt"].startswith(
        "`style-checker`: naming and formatting\n\n"
        "From the legacy phase `Phase 2: Review`:\n\nKeep the comments short.")


def test_numbered_headings_read_their_agent_from_the_body() -> None:
    steps = data_of("full-review")["steps"]
    assert steps["code-quality"]["prompt"] == (
        "Use Task tool with subagent_type=\"quality-reviewer\"\n\n"
        "Prompt: \"Review readability and naming in: {% if args.request %}{{ args.request }}{% endif %}.\"")
    assert data_of("full-review")["docs"]["outputs"] == [
        "`perf-findings`: Written by the legacy step (written by step 'performance')"]


def test_did_you_mean_for_an_agent_spelt_wrong() -> None:
    (unknown,) = [d for d in imported("audit-services").warnings if d.code == "WFC606"]
    assert unknown.hint == ("did you mean 'security-reviewer'? Otherwise define "
                            "tests/legacy/shapes/.claude/agents/secuirty-reviewer.md before running the workflow")


@pytest.mark.parametrize("path, line, what", [
    ("skills/notes/SKILL.md", 1, "a skill (SKILL.md, or a file under skills/)"),
    ("commands/persona.md", 2, "an agent definition (frontmatter `name` and `description`, then a system prompt "
                               "that starts \"You are\")"),
    ("commands/plan-graph.md", 1, "a plan: a dependency graph of a command, not the command"),
    ("agents/bug-fixer.md", 1, "an agent definition (a file under agents/)"),
])
def test_not_commands(path: str, line: int, what: str) -> None:
    file = CLAUDE / path
    with pytest.raises(ValidationFailed) as raised:
        import_legacy(file.read_bytes(), f"x/.claude/{path}", None, file)
    (diagnostic,) = raised.value.diagnostics
    assert (diagnostic.code, diagnostic.line, diagnostic.message) == ("WFC605", line, f"not a slash command: this "
                                                                      f"looks like {what}")
