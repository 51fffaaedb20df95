"""Whether Claude Code would find each agent a workflow names, and permission rules that approve
too much.

An agent step's `agent` must be defined in the workflow's `agents:`, in the project's
`.claude/agents/` (the nearest one from the workflow's directory up, as Claude Code looks from its
working directory up), or be one of Claude Code's built-in agents. Anything else fails in both
targets: the Agent tool refuses it and `claude -p --agent NAME` exits 1 before any request.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, FrozenSet, Iterator, List, Mapping, Optional, Set, Tuple

from wfc.diagnostics import codes
from wfc.format.permissions import bash_rules, is_broad
from wfc.format.vocabulary import BUILT_IN_AGENTS, KIND_KEYS
from wfc.model.build import tool_names
from wfc.validate.finding import Finding, indexed, mapping, suggest

# Claude Code's own frontmatter cut (tests/claude/claude_rules.py: the first `---` closes it).
_FRONTMATTER = re.compile(r"\A---[ \t]*\n([\s\S]*?)---[ \t]*(?:\n|\Z)")
_KEY = re.compile(r"^(name|description)[ \t]*:[ \t]*(.*?)[ \t]*$", re.M)


def project_agents(workflow_file: Path) -> FrozenSet[str]:
    """The agent names defined in `.claude/agents/**/*.md` of the workflow's directory and its
    parents: a file counts when its frontmatter has a `name` (without `:`) and a `description`."""
    found: Set[str] = set()
    start = workflow_file.resolve().parent
    for directory in (start, *start.parents):
        agents = directory / ".claude" / "agents"
        if agents.is_dir():
            found.update(name for name in map(_defined_name, sorted(agents.rglob("*.md"))) if name)
    return frozenset(found)


def _defined_name(path: Path) -> Optional[str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")[:65536]
    except OSError:
        return None
    match = _FRONTMATTER.match(text.lstrip("\ufeff"))
    if match is None:
        return None
    keys = {key: value.strip("'\"") for key, value in _KEY.findall(match.group(1))}
    name = keys.get("name", "")
    return name if name and keys.get("description") and ":" not in name else None


def agent_findings(data: Mapping[str, Any], defined_in_project: FrozenSet[str]) -> Iterator[Finding]:
    declared = [name for name in mapping(data.get("agents")) if isinstance(name, str)]
    known = (*declared, *sorted(defined_in_project), *BUILT_IN_AGENTS)
    for path, name in agent_references(data):
        if name not in known:
            yield _unknown(name, path, declared, known)
    yield from broad_rule_findings(data)


def agent_references(data: Mapping[str, Any]) -> Iterator[Tuple[Tuple[Any, ...], str]]:
    """(YAML path, name) of every agent an agent step, an agent compensation or the defaults name."""
    defaults = mapping(data.get("defaults"))
    if isinstance(defaults.get("agent"), str):
        yield ("defaults", "agent"), defaults["agent"]
    for step_id, step in mapping(data.get("steps")).items():
        step = mapping(step)
        if _kind(step) == "agent" and isinstance(step.get("agent"), str):
            yield ("steps", step_id, "agent"), step["agent"]
        undo = mapping(step.get("compensate"))
        if _kind(undo) == "agent" and isinstance(undo.get("agent"), str):
            yield ("steps", step_id, "compensate", "agent"), undo["agent"]


def _kind(raw: Mapping[str, Any]) -> Optional[str]:
    kinds = [kind for key, kind in KIND_KEYS.items() if key in raw]
    return kinds[0] if len(kinds) == 1 else None


def _unknown(name: str, path: Tuple[Any, ...], declared: List[str], known: Tuple[str, ...]) -> Finding:
    close = suggest(name, known)
    where = "declare it under `agents:`" if not declared else "add it to `agents:`"
    hint = f"{close} Otherwise {where}, define it in .claude/agents/{name}.md, or use a built-in agent" \
        if close else f"{where}, define it in .claude/agents/{name}.md, or use a built-in agent " \
        "(general-purpose, Explore, Plan)"
    return Finding(codes.UNKNOWN_AGENT, f"agent '{name}' is not defined: Claude Code would refuse to start it",
                   hint, path)


def broad_rule_findings(data: Mapping[str, Any]) -> Iterator[Finding]:
    """Tool rules a user wrote, and the rules the command doc would pre-approve for a command, that
    let an agent run any code or delete any path."""
    for path, rule in _written_rules(data):
        if is_broad(rule):
            yield _broad(rule, path, "narrow the rule to the commands the agent needs")
    for path, command in _commands(data):
        for part, derived in bash_rules(command):
            if derived is not None and is_broad(derived):
                yield _broad(derived, path, f"call the program directly instead of through `{part.split()[0]}`, so "
                             "the rule names what runs")


def _broad(rule: str, path: Tuple[Any, ...], hint: str) -> Finding:
    return Finding(codes.BROAD_RULE, f"the permission rule `{rule}` approves far more than this workflow runs", hint,
                   path)


def _written_rules(data: Mapping[str, Any]) -> Iterator[Tuple[Tuple[Any, ...], str]]:
    holders: List[Tuple[Tuple[Any, ...], Mapping[str, Any]]] = [(("defaults",), mapping(data.get("defaults")))]
    holders += [(("steps", sid), mapping(step)) for sid, step in mapping(data.get("steps")).items()]
    holders += [(("agents", name), mapping(agent)) for name, agent in mapping(data.get("agents")).items()]
    for path, holder in holders:
        tools = holder.get("tools")
        if isinstance(tools, str):
            yield from ((path + ("tools",), rule) for rule in tool_names(tools))
        for suffix, rule in indexed(tools) if isinstance(tools, list) else ():
            yield path + ("tools",) + suffix, rule


def _commands(data: Mapping[str, Any]) -> Iterator[Tuple[Tuple[Any, ...], Any]]:
    for step_id, step in mapping(data.get("steps")).items():
        step = mapping(step)
        holders = ((("steps", step_id), step), (("steps", step_id, "compensate"), mapping(step.get("compensate"))))
        for path, holder in holders:
            run = holder.get("run")
            if isinstance(run, str) or (isinstance(run, list) and all(isinstance(word, str) for word in run)):
                yield path + ("run",), run
