"""The subagent definitions wfc generates for the shipped workflows, read by the real Claude Code 2.1.332.

Two offline runs: one with every `generated/agents/*.md` in the project's `.claude/agents/` (the
listing `--agent` prints for an unknown name shows which loaded, under which names), one with every
definition passed as `--agents` JSON (the CLI validates each field before it starts).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Dict, List

from claude_support import ClaudeCli, CliRun
from wfc.validate import validate_file

ROOT = Path(__file__).resolve().parents[2]
BUILT_IN = ["claude", "Explore", "general-purpose", "Plan", "statusline-setup"]
STREAM = ("-p", "--output-format", "stream-json", "--verbose")


def shipped_agent_steps() -> Dict[str, List[str]]:
    """Agent name -> the `workflow/step` ids that run it, over every shipped workflow."""
    steps: Dict[str, List[str]] = {}
    for path in sorted((ROOT / "workflows").glob("*.yaml")):
        workflow = validate_file(path).workflow
        assert workflow is not None
        for step in workflow.steps:
            if step.kind == "agent":
                steps.setdefault(step.agent or "general-purpose", []).append(f"{workflow.name}/{step.id}")
    return steps


def listed(done: CliRun) -> List[str]:
    prefix = "--agent 'nope' not found. Available agents: "
    assert done.returncode == 1 and done.stderr.startswith(prefix), done.stderr
    return done.stderr[len(prefix):].rstrip("\n").split(", ")


def test_every_shipped_agent_step_resolves_from_the_generated_definitions(claude: ClaudeCli, tmp_path: Path) -> None:
    agents = tmp_path / "project" / ".claude" / "agents"
    shutil.copytree(ROOT / "generated" / "agents", agents)
    (tmp_path / "home").mkdir()
    done = claude.run([*STREAM, "--agent", "nope"], cwd=tmp_path / "project", home=tmp_path / "home", stdin="hi")
    generated = sorted(path.stem for path in agents.glob("*.md"))
    assert listed(done) == sorted([*BUILT_IN, *generated], key=str.lower)
    steps = shipped_agent_steps()
    assert sorted(steps) == generated  # every definition is used, and only definitions are named
    assert sum(map(len, steps.values())) == 314


def test_every_definition_is_valid_agents_json(claude: ClaudeCli, tmp_path: Path) -> None:
    definitions = {}
    for path in sorted((ROOT / "workflows").glob("*.yaml")):
        workflow = validate_file(path).workflow
        assert workflow is not None
        definitions.update((agent.name, agent.claude_fields()) for agent in workflow.agents)
    (tmp_path / "project").mkdir()
    (tmp_path / "home").mkdir()
    done = claude.run([*STREAM, "--agents", json.dumps(definitions), "--agent", "senior-reviewer"],
                      cwd=tmp_path / "project", home=tmp_path / "home", stdin="hi")
    init = done.messages()[0]
    assert (done.stderr, init["model"], init["tools"]) == ("", "claude-sonnet-5-5", ["Read", "Bash", "Edit", "Write"])
    assert sorted(init["agents"], key=str.lower) == sorted([*BUILT_IN, *definitions], key=str.lower)
