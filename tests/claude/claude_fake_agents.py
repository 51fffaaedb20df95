"""The fake CLI's agents: found, validated and named as the real `claude` 2.1.332 finds and names them.

Observed with the real binary (tests/claude/test_claude_agents.py holds the evidence):
- Built in: claude, Explore, general-purpose, Plan, statusline-setup. Names are case-sensitive.
- `.claude/agents/**/*.md` of the working directory and each parent (stopping at a git repository's root
  and before HOME), and `~/.claude/agents/**/*.md`: the agent's name is its frontmatter `name` (not the
  file stem); a file without a string `name` and `description` is skipped silently, so is a name with `:`.
- A plugin (`--plugin-dir DIR`: DIR itself when it has `.claude-plugin/plugin.json` or content folders,
  else each child folder that has a manifest) names its agents `PLUGIN:NAME`, with sub-folders of `agents/` inserted
  (`PLUGIN:team:NAME`); PLUGIN is the manifest's `name`, else the folder name. `--agent NAME` also finds a
  plugin agent by its last segment.
- `--agents JSON` (or, when it does not start with `{`, `[` or `"`, a file holding it) maps names to
  {description, prompt, tools?, disallowedTools?, model?, permissionMode?, maxTurns?, ...}, checked
  with the real messages.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from claude_rules import split_frontmatter

BUILT_IN = ("claude", "Explore", "general-purpose", "Plan", "statusline-setup")
AGENT_PERMISSION_MODES = ("acceptEdits", "auto", "bypassPermissions", "default", "dontAsk", "plan")
ALSO_ACCEPTED_MODES = ("manual",)  # accepted, though the error message does not list it
PLUGIN_CONTENT = ("commands", "agents", "skills", "workflows", "hooks", ".claude-plugin")
PLUGIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
MISSING = object()


class AgentsError(Exception):
    """A message the real CLI prints on stderr before exiting 1."""


@dataclass(frozen=True)
class Agent:
    name: str
    source: str  # built-in | project | user | plugin | flag
    definition: Dict[str, Any] = field(default_factory=dict)


def discover(cwd: Path, home: Path, plugin_dirs: List[str], agents_flag: Optional[str]) -> List[Agent]:
    """Every agent the real CLI would list, in the order its sources are read."""
    found = [Agent(name, "built-in") for name in BUILT_IN]
    found += _markdown_agents(home / ".claude" / "agents", "user")
    for directory in _project_agent_dirs(cwd, home):
        found += _markdown_agents(directory, "project")
    for plugin, name in _plugins(cwd, plugin_dirs):
        found += _markdown_agents(plugin / "agents", "plugin", namespace=name)
    if agents_flag is not None:
        found += [Agent(name, "flag", body) for name, body in parse_agents_flag(agents_flag, cwd).items()]
    return found


def resolve(name: str, agents: List[Agent]) -> Agent:
    """The agent `--agent NAME` selects, or the real CLI's not-found message."""
    exact = [agent for agent in agents if agent.name == name]
    by_segment = [agent for agent in agents if agent.source == "plugin" and agent.name.split(":")[-1] == name]
    if exact or by_segment:
        return (exact or by_segment)[-1]
    listed = sorted({agent.name for agent in agents}, key=lambda agent_name: agent_name.lower())
    raise AgentsError(f"--agent '{name}' not found. Available agents: {', '.join(listed)}")


def _project_agent_dirs(cwd: Path, home: Path) -> List[Path]:
    directories, current = [], cwd.resolve()
    while current != home.resolve():
        directories.append(current / ".claude" / "agents")
        if (current / ".git").exists() or current.parent == current:
            break
        current = current.parent
    return directories


def _markdown_agents(directory: Path, source: str, namespace: Optional[str] = None) -> List[Agent]:
    agents = []
    for path in sorted(directory.rglob("*.md")) if directory.is_dir() else []:
        meta, body = _frontmatter(path)
        name, description = meta.get("name"), meta.get("description")
        if not isinstance(name, str) or not name or not isinstance(description, str):
            continue
        if namespace is not None:
            name = ":".join([namespace, *path.relative_to(directory).parent.parts, name])
        elif ":" in name:
            continue
        agents.append(Agent(name, source, {**meta, "prompt": body}))
    return agents


def _frontmatter(path: Path) -> Tuple[Dict[str, Any], str]:
    """The file's frontmatter as a mapping (line by line when it is not valid YAML) and its body."""
    frontmatter, body = split_frontmatter(path.read_text(encoding="utf-8"))
    if frontmatter is None:
        return {}, body
    try:
        meta = yaml.safe_load(frontmatter)
    except yaml.YAMLError:
        pairs = [line.split(":", 1) for line in frontmatter.splitlines() if ":" in line]
        meta = {key.strip(): value.strip() for key, value in pairs}
    return (meta if isinstance(meta, dict) else {}), body


def _plugins(cwd: Path, plugin_dirs: List[str]) -> List[Tuple[Path, str]]:
    plugins = []
    for given in plugin_dirs:
        root = (cwd / given).resolve()
        is_plugin = any((root / part).exists() for part in PLUGIN_CONTENT)
        children = [root] if is_plugin else sorted(
            child for child in root.iterdir() if (child / ".claude-plugin" / "plugin.json").is_file()) \
            if root.is_dir() else []
        for plugin in children:
            name = _plugin_name(plugin)
            if name is not None:
                plugins.append((plugin, name))
    return plugins


def _plugin_name(plugin: Path) -> Optional[str]:
    manifest = plugin / ".claude-plugin" / "plugin.json"
    if not manifest.is_file():
        return plugin.name
    try:
        name = json.loads(manifest.read_text(encoding="utf-8")).get("name")
    except (ValueError, AttributeError):
        return None
    return name if isinstance(name, str) and PLUGIN_NAME.fullmatch(name) else None


def parse_agents_flag(value: str, cwd: Path) -> Dict[str, Dict[str, Any]]:
    """`--agents`: inline JSON, or the path of a file holding it; AgentsError with the real message."""
    text, source = value, None
    if value.lstrip()[:1] not in ("{", "[", '"'):
        path = cwd / value
        if not path.is_file():
            raise AgentsError(f"Error: --agents file not found: {path} "
                              "(a value that is not a JSON object is read as a file path)")
        text, source = path.read_text(encoding="utf-8"), path
    try:
        parsed = json.loads(text)
    except ValueError as error:
        raise AgentsError(_invalid([f"invalid JSON: {error}"], source)) from None
    problems = agents_problems(parsed)
    if problems:
        raise AgentsError(_invalid(problems, source))
    definitions: Dict[str, Dict[str, Any]] = parsed
    return definitions


def _invalid(problems: List[str], source: Optional[Path]) -> str:
    read_from = f"\n(read from {source})" if source is not None else ""
    return "Error: Invalid --agents configuration:\n" + "\n".join(problems) + read_from


def agents_problems(parsed: Any) -> List[str]:
    """zod's messages for the agent definitions schema, in its field order."""
    if not isinstance(parsed, dict):
        return [f"Invalid input: expected record, received {_kind(parsed)}"]
    problems = []
    for name, body in parsed.items():
        if not isinstance(body, dict):
            problems.append(f"{name}: Invalid input: expected object, received {_kind(body)}")
            continue
        problems += [f"{name}.{problem}" for problem in _definition_problems(body)]
    if problems:
        return problems
    return [f"{name}: agent names must not start with '-'" for name in parsed if name.startswith("-")]


def _definition_problems(body: Dict[str, Any]) -> List[str]:
    problems = []
    for key, required in (("description", True), ("tools", False), ("disallowedTools", False),
                          ("prompt", True), ("model", False), ("maxTurns", False), ("permissionMode", False)):
        if key not in body and not required:
            continue
        problems += [f"{key}{problem}" for problem in _field_problems(key, body.get(key, MISSING))]
    return problems


def _field_problems(key: str, value: Any) -> List[str]:
    if key in ("tools", "disallowedTools"):
        if not isinstance(value, list):
            return [f": Invalid input: expected array, received {_kind(value)}"]
        return [f".{index}: Invalid input: expected string, received {_kind(item)}"
                for index, item in enumerate(value) if not isinstance(item, str)]
    if key == "maxTurns":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return [f": Invalid input: expected number, received {_kind(value)}"]
        if value != int(value):
            return [": Invalid input: expected int, received number"]
        return [] if value > 0 else [": Too small: expected number to be >0"]
    if key == "permissionMode":
        if value in AGENT_PERMISSION_MODES + ALSO_ACCEPTED_MODES:
            return []
        return [": Invalid option: expected one of " + "|".join(f'"{mode}"' for mode in AGENT_PERMISSION_MODES)]
    return [] if isinstance(value, str) else [f": Invalid input: expected string, received {_kind(value)}"]


def _kind(value: Any) -> str:
    if value is MISSING:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    kinds: Dict[type, str] = {str: "string", list: "array", dict: "object"}
    return kinds.get(type(value), "unknown")
