"""The `agents:` map: its model, the subagent definitions it compiles to, where they go, and the
warnings for agents Claude Code would not find and for permission rules that approve too much."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import yaml
from click.testing import CliRunner

from wfc.cli import cli
from wfc.format.permissions import bash_rules, is_broad
from wfc.model import AgentDefinition
from wfc.validate import validate_file

ROOT = Path(__file__).resolve().parent.parent

WORKFLOW = """\
version: 1
title: Demo
description: A demo.
agents:
  reviewer:
    description: "Reviews code --- carefully"
    tools: Read, Grep, Bash(git diff *)
    disallowed_tools: [Write]
    model: sonnet
    max_turns: 12
    permission_mode: acceptEdits
    prompt: |
      You review code.
      ---
      Report each defect.
steps:
  review:
    title: Review
    agent: {agent}
    prompt: Review it.
    estimate: 1m
"""


def write(root: Path, files: Dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def findings(path: Path) -> List[Tuple[str, int, int, str, str]]:
    return [(d.code, d.line, d.column, d.message, d.hint) for d in validate_file(path).diagnostics]


def test_agents_build_into_claude_code_fields_in_a_fixed_order(tmp_path: Path) -> None:
    write(tmp_path, {"workflows/demo.yaml": WORKFLOW.format(agent="reviewer")})
    workflow = validate_file(tmp_path / "workflows" / "demo.yaml").workflow
    assert workflow is not None
    agent = workflow.agent_definition("reviewer")
    prompt = "You review code.\n---\nReport each defect.\n"
    assert agent == AgentDefinition("reviewer", "Reviews code --- carefully", prompt,
                                    ("Read", "Grep", "Bash(git diff *)"), ("Write",), "sonnet", 12, "acceptEdits")
    assert list(agent.claude_fields().items()) == [
        ("description", "Reviews code --- carefully"), ("tools", ["Read", "Grep", "Bash(git diff *)"]),
        ("disallowedTools", ["Write"]), ("model", "sonnet"), ("maxTurns", 12), ("permissionMode", "acceptEdits"),
        ("prompt", "You review code.\n---\nReport each defect.\n")]
    assert AgentDefinition("a", "d", "p").claude_fields() == {"description": "d", "prompt": "p"}


def test_an_undefined_agent_is_a_warning_with_did_you_mean(tmp_path: Path) -> None:
    write(tmp_path, {"workflows/demo.yaml": WORKFLOW.format(agent="reviewr")})
    assert findings(tmp_path / "workflows" / "demo.yaml") == [(
        "WFC070", 19, 12, "agent 'reviewr' is not defined: Claude Code would refuse to start it",
        "did you mean 'reviewer'? Otherwise add it to `agents:`, define it in .claude/agents/reviewr.md, or use a "
        "built-in agent")]


@pytest.mark.parametrize("agent", ["general-purpose", "Explore", "Plan", "reviewer", "mine", "nested"])
def test_declared_built_in_and_project_agents_resolve(tmp_path: Path, agent: str) -> None:
    write(tmp_path, {
        "workflows/demo.yaml": WORKFLOW.format(agent=agent),
        ".claude/agents/mine.md": "---\nname: mine\ndescription: Mine\n---\nbody\n",
        ".claude/agents/team/x.md": "---\nname: nested\ndescription: In a sub-folder\n---\nbody\n",
        ".claude/agents/no-description.md": "---\nname: no-description\n---\nbody\n",
        ".claude/agents/colon.md": "---\nname: a:b\ndescription: refused\n---\nbody\n",
    })
    assert findings(tmp_path / "workflows" / "demo.yaml") == []


@pytest.mark.parametrize("agent", ["no-description", "a:b", "explore"])
def test_files_claude_code_skips_define_nothing(tmp_path: Path, agent: str) -> None:
    write(tmp_path, {
        "workflows/demo.yaml": WORKFLOW.format(agent=agent).replace("agent: a:b", "agent: 'a:b'"),
        ".claude/agents/no-description.md": "---\nname: no-description\n---\nbody\n",
        ".claude/agents/colon.md": "---\nname: a:b\ndescription: refused\n---\nbody\n",
    })
    assert [found[0] for found in findings(tmp_path / "workflows" / "demo.yaml")] == ["WFC070"]


def test_strict_validate_fails_on_an_undefined_agent(tmp_path: Path) -> None:
    write(tmp_path, {"workflows/demo.yaml": WORKFLOW.format(agent="nobody")})
    runner = CliRunner()
    assert runner.invoke(cli, ["validate", str(tmp_path / "workflows")]).exit_code == 0
    assert runner.invoke(cli, ["validate", "--strict", str(tmp_path / "workflows")]).exit_code == 1


@pytest.mark.parametrize("command, rules", [
    ("git checkout -- {{ args.target }}", [("git checkout -- {{ args.target }}", "Bash(git checkout -- *)")]),
    ("make test && pytest -q | tee out.txt", [("make test", "Bash(make test)"), ("pytest -q", "Bash(pytest -q)"),
                                              ("tee out.txt", "Bash(tee out.txt)")]),
    ("{{ args.tool }} run", [("{{ args.tool }} run", None)]),
    ('echo "a && b"; ls', [('echo "a && b"', "Bash(echo *)"), ("ls", "Bash(ls)")]),
    ("x {{ a | upper }} y || z", [("x {{ a | upper }} y", "Bash(x *)"), ("z", "Bash(z)")]),
    (["ruff", "check", "{{ args.x }}"], [("ruff check {{ args.x }}", "Bash(ruff check *)")]),
])
def test_one_rule_per_part_of_a_compound_command(command: object, rules: List[Tuple[str, object]]) -> None:
    assert list(bash_rules(command)) == rules  # type: ignore[arg-type]


@pytest.mark.parametrize("rule, broad", [
    ("Bash(sh -c *)", True), ("Bash(rm -rf *)", True), ("Bash(python -c *)", True), ("Bash(python -c:*)", True),
    ("Bash(*)", True), ("Bash(rm *)", True), ("Bash(rm -rf build)", False), ("Bash(git diff *)", False),
    ("Read", False), ("Bash", False),
])
def test_broad_rules(rule: str, broad: bool) -> None:
    assert is_broad(rule) is broad


def test_broad_rules_written_or_derived_are_warned_about(tmp_path: Path) -> None:
    write(tmp_path, {"workflows/demo.yaml": """\
version: 1
title: Demo
description: A demo.
agents:
  runner: {description: Runs things, prompt: You run things., tools: "Read, Bash(python -c *)"}
steps:
  build:
    title: Build
    run: make && sh -c "echo {{ args.x }}"
    estimate: 1m
    compensate: {run: rm -rf build}
  go:
    title: Go
    agent: runner
    prompt: Go.
    tools: [Bash(rm -rf *)]
    estimate: 1m
arguments:
  x: {default: a}
"""})
    found = findings(tmp_path / "workflows" / "demo.yaml")
    assert [(code, line, column, message) for code, line, column, message, _ in found] == [
        ("WFC071", 5, 70, "the permission rule `Bash(python -c *)` approves far more than this workflow runs"),
        ("WFC071", 9, 10, "the permission rule `Bash(sh -c *)` approves far more than this workflow runs"),
        ("WFC071", 16, 13, "the permission rule `Bash(rm -rf *)` approves far more than this workflow runs"),
    ]


def compile_in(root: Path, *args: str) -> str:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(cli, ["compile", *args], catch_exceptions=False)
    finally:
        os.chdir(cwd)
    assert result.exit_code in (0, 1), result.output
    return result.output


def test_the_definition_file_claude_code_reads(tmp_path: Path) -> None:
    write(tmp_path, {"workflows/demo.yaml": WORKFLOW.format(agent="reviewer")})
    compile_in(tmp_path)
    text = (tmp_path / "generated" / "agents" / "reviewer.md").read_text(encoding="utf-8")
    head, body = text.split("\n---\n", 1)
    assert head.splitlines()[:2] == ["---", head.splitlines()[1]] and head.splitlines()[1].startswith(
        "# Generated by wfc from workflows/demo.yaml (source sha256 ")
    assert head.splitlines()[2:] == [
        'name: "reviewer"', 'description: "Reviews code \\u002d\\u002d\\u002d carefully"',
        'tools: "Read, Grep, Bash(git diff *)"', 'disallowedTools: "Write"', 'model: "sonnet"', "maxTurns: 12",
        'permissionMode: "acceptEdits"']
    assert body == "\nYou review code.\n---\nReport each defect.\n"
    meta = yaml.safe_load(head[4:])
    assert meta["description"] == "Reviews code --- carefully" and meta["maxTurns"] == 12


def test_claude_dir_receives_commands_agents_and_scripts_and_prunes_only_its_own(tmp_path: Path) -> None:
    write(tmp_path, {"workflows/demo.yaml": WORKFLOW.format(agent="reviewer"),
                     ".claude/agents/mine.md": "---\nname: mine\ndescription: Mine\n---\nbody\n"})
    compile_in(tmp_path, "--claude-dir", ".claude")
    claude = tmp_path / ".claude"
    assert sorted(p.relative_to(claude).as_posix() for p in claude.rglob("*") if p.is_file()) == [
        "agents/mine.md", "agents/reviewer.md", "commands/demo.md", "workflows/demo.js"]
    assert sorted(p.name for p in (tmp_path / "generated").iterdir()) == ["demo.plan.json", "demo.py"]
    renamed = WORKFLOW.format(agent="checker").replace("  reviewer:", "  checker:")
    write(tmp_path, {"workflows/demo.yaml": renamed})
    output = compile_in(tmp_path, "--claude-dir", ".claude")
    assert "pruned .claude/agents/reviewer.md" in output
    assert sorted(p.name for p in (claude / "agents").iterdir()) == ["checker.md", "mine.md"]
    assert "checked 1 workflow: up to date" in compile_in(tmp_path, "--claude-dir", ".claude", "--check")


def test_two_workflows_may_share_one_identical_agent_definition(tmp_path: Path) -> None:
    """Each workflow stays usable alone; the first in file order writes the shared file."""
    write(tmp_path, {"workflows/a.yaml": WORKFLOW.format(agent="reviewer"),
                     "workflows/b.yaml": WORKFLOW.format(agent="reviewer").replace("title: Demo", "title: Other")})
    output = compile_in(tmp_path)
    assert "error" not in output
    assert (tmp_path / "generated" / "b.plan.json").exists()
    shared = (tmp_path / "generated" / "agents" / "reviewer.md").read_text(encoding="utf-8")
    assert shared.splitlines()[1].startswith("# Generated by wfc from workflows/a.yaml (source sha256 ")
    assert "checked 2 workflows: up to date" in compile_in(tmp_path, "--check")


def test_two_workflows_defining_one_agent_differently_fail_the_second(tmp_path: Path) -> None:
    other = WORKFLOW.format(agent="reviewer").replace("model: sonnet", "model: opus").replace(
        "max_turns: 12", "max_turns: 3")
    write(tmp_path, {"workflows/a.yaml": WORKFLOW.format(agent="reviewer"), "workflows/b.yaml": other})
    output = compile_in(tmp_path)
    assert ("workflows/b.yaml:5:3: error[WFC072]: agent 'reviewer' is also defined by workflows/a.yaml, differently "
            "(model, maxTurns): both would write generated/agents/reviewer.md\n"
            "  hint: make the two definitions of 'reviewer' identical (one name is one agent in the project), "
            "rename one, or define it once in .claude/agents/") in output
    assert not (tmp_path / "generated" / "b.plan.json").exists()
    assert (tmp_path / "generated" / "a.plan.json").exists()


def test_every_shipped_agent_step_names_an_agent_its_workflow_defines() -> None:
    """The 314 agent steps of the shipped workflows, each resolved to a declared definition."""
    resolved = 0
    for path in sorted((ROOT / "workflows").glob("*.yaml")):
        workflow = validate_file(path).workflow
        assert workflow is not None
        for step in workflow.steps:
            if step.kind == "agent":
                assert workflow.agent_definition(step.agent or "") is not None, (path.name, step.id)
                resolved += 1
    assert resolved == 314
