"""Files that are not slash commands, recognised before anything is imported from them.

Next to `.claude/commands/` live READMEs, agent definitions, skills, templates and plans (a
command's DAG written out in markdown). Read as commands they import as nonsense with exit 0 (the
seed's `security-fortress.dag.md` gave 17 steps), so each is refused with what it looks like
instead, and where it belongs.
"""
from __future__ import annotations

import json
import re
from typing import NoReturn, Optional, Sequence, Tuple

from wfc.diagnostics.codes import IMPORT_NOT_A_COMMAND
from wfc.diagnostics.errors import fail
from wfc.legacy.frontmatter import Frontmatter

READS = "wfc import reads slash commands: markdown files such as .claude/commands/NAME.md"
_PROGRAM_SUFFIXES = {".js": "JavaScript", ".cjs": "JavaScript", ".mjs": "JavaScript", ".ts": "TypeScript",
                     ".py": "Python", ".sh": "a shell script", ".yaml": "YAML", ".yml": "YAML"}
_PLACEHOLDER = re.compile(r"\[(?:[A-Z][\w -]*[a-z]|[a-z]+(?:-[a-z]+)*-name|X-Y [a-z]+|[A-Z][\w ]* \d)\]|"
                          r"\{\{\s*\w+\s*\}\}")
_PLAN_TITLE = re.compile(r"\b(?:DAG|directed acyclic graph|dependency graph|execution plan|dag visuali[sz]ation)\b",
                         re.IGNORECASE)
_ARROW_HEADING = re.compile(r"^#{1,6}\s.*\b(?:phase|level|stage)\s*\d+\s*(?:→|->)", re.IGNORECASE | re.MULTILINE)
_SLASH = re.compile(r"`/([a-z][a-z0-9-]+)")
_DATED = re.compile(r"^\s*(?:\*\*|__)(?:date|generated|migration date|status|authors?)(?:\*\*|__)\s*:.*$",
                    re.IGNORECASE | re.MULTILINE)


def refuse(text: str, source: str, lines: Sequence[str], meta: Frontmatter) -> None:
    """Fail with WFC605 when `text` is not a command; return when it may be one."""
    found = _by_name(source) or _json(text) or _by_content(text, source, lines, meta)
    if found:
        what, hint, line = found
        _refused(source, what, hint, line, lines)


def _refused(source: str, what: str, hint: str, line: int, lines: Sequence[str]) -> NoReturn:
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    fail(f"{source}: not a slash command", [IMPORT_NOT_A_COMMAND.at(
        f"not a slash command: this looks like {what}", source, line, 1, f"{hint}; {READS}", (), text)])


def _by_name(source: str) -> Optional[Tuple[str, str, int]]:
    name = source.replace("\\", "/").rsplit("/", 1)[-1]
    parts = source.replace("\\", "/").lower().split("/")[:-1]
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in _PROGRAM_SUFFIXES:
        return f"{_PROGRAM_SUFFIXES[suffix]} source ({name})", "Claude Code runs no such file as a command", 1
    if re.match(r"^(?:.*\.)?readme(?:\.[\w-]+)?\.md$", name, re.IGNORECASE):
        return "a README (its file name)", "a README describes commands but is not one; import the commands it lists", 1
    home = next((part for part in reversed(parts) if part in ("commands", "agents", "skills")), "")
    if name.upper() == "SKILL.MD" or home == "skills":
        return "a skill (SKILL.md, or a file under skills/)", "a skill is loaded by Claude Code on its own", 1
    if home == "agents":
        return "an agent definition (a file under agents/)", "steps name agents by `agent:`; they are not imported", 1
    if name.lower().endswith(".dag.md"):
        return "a plan: a command's dependency graph written out (.dag.md)", "write its steps as a workflow", 1
    return None


def _json(text: str) -> Optional[Tuple[str, str, int]]:
    if not text.lstrip().startswith(("{", "[")):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    keys = set(data) if isinstance(data, dict) else set()
    if keys & {"role", "expertise", "capabilities", "systemPrompt", "system_prompt"}:
        return "an agent definition in JSON", "Claude Code reads agent definitions as .claude/agents/NAME.md", 1
    if keys & {"dag", "nodes", "phases", "steps", "agents", "pattern", "execution", "workflow"}:
        return "an orchestration definition in JSON", "write it as a workflow YAML file, which wfc validates", 1
    return "a JSON document", "a command is markdown", 1


def _by_content(text: str, source: str, lines: Sequence[str], meta: Frontmatter) -> Optional[Tuple[str, str, int]]:
    body = "\n".join(lines[meta.end:]).strip() if meta.end else text.strip()
    if meta.get("name") and meta.get("description") and re.match(r"^(?:#[^\n]*\n+)?\s*You are\b", body):
        return ("an agent definition (frontmatter `name` and `description`, then a system prompt that "
                "starts \"You are\")", "put it in .claude/agents/ and name it from a step's `agent:`",
                meta.line_of("name"))
    title = next((line for line in lines[meta.end:] if line.startswith("# ")), "")
    head = body.split("\n## ", 1)[0]
    dated = _DATED.search(head)
    if dated:
        line = next(i for i, text in enumerate(lines, 1) if _DATED.search(text))
        return (f"a report or design document (dated: `{dated.group(0).strip()}`), not a command",
                "a command tells Claude what to do when it runs; a report records what was done", line)
    if _PLAN_TITLE.search(title) or len(_ARROW_HEADING.findall(body)) >= 2:
        line = next((i for i, text in enumerate(lines, 1) if text == title), 1) if title else 1
        return "a plan: a dependency graph of a command, not the command", "write its steps as a workflow", line
    placeholders = _PLACEHOLDER.findall("\n".join(t for t in lines if t.startswith("#") or re.match(r"\s*\d+\.", t)))
    if len(placeholders) >= 3:
        line = next(i for i, text in enumerate(lines, 1) if _PLACEHOLDER.search(text))
        return (f"a template: placeholders such as {placeholders[0]} where a command has its own words",
                "copy the template, fill it in, and import the copy", line)
    return _catalogue(title, body, source, lines)


def _catalogue(title: str, body: str, source: str, lines: Sequence[str]) -> Optional[Tuple[str, str, int]]:
    own = source.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    others = {name for name in _SLASH.findall(body) if name != own}
    if len(others) >= 8 and re.search(r"\bcommands\b", title, re.IGNORECASE):
        return (f"a catalogue of {len(others)} commands, not a command", "import each command it lists", 1)
    return None
