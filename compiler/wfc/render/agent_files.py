"""The workflow's `agents:` as Claude Code subagent definitions: `agents/NAME.md`.

Claude Code reads a definition's YAML frontmatter (`name`, equal to what steps call it, and
`description` required; `tools`, `disallowedTools`, `model`, `maxTurns`, `permissionMode`) and takes
the body as the agent's system prompt. wfc's header is a YAML comment inside the frontmatter, so the
model never reads it. Every value is a double-quoted scalar with no `---` in it: Claude Code closes
the frontmatter at the first `---`, even inside a value.
"""
from __future__ import annotations

from typing import Any, List, Tuple

from wfc.analysis.plan import Plan
from wfc.emit.header import header_text
from wfc.emit.naming import agent_file
from wfc.model import AgentDefinition, Workflow
from wfc.render.environment import yaml_scalar


def render_agent_files(plan: Plan) -> Tuple[Tuple[str, str], ...]:
    """(file name, text) of each agent the workflow defines, in the order it defines them."""
    workflow = plan.workflow
    return tuple((agent_file(agent.name), render_agent(workflow, agent)) for agent in workflow.agents)


def render_agent(workflow: Workflow, agent: AgentDefinition) -> str:
    lines: List[str] = ["---", f"# {header_text(workflow)}", f"name: {frontmatter_value(agent.name)}"]
    for key, value in agent.claude_fields().items():
        if key != "prompt":
            lines.append(f"{key}: {frontmatter_value(value)}")
    body = agent.prompt.strip("\n")
    return "\n".join(lines) + "\n---\n\n" + body + "\n"


def frontmatter_value(value: Any) -> str:
    """A frontmatter value on one line: integers as they are, lists as Claude Code's comma list."""
    if isinstance(value, bool) or not isinstance(value, (int, list)):
        text = yaml_scalar(value)
    elif isinstance(value, int):
        return str(value)
    else:
        text = yaml_scalar(", ".join(value))
    return text
