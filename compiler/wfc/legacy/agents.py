"""Where a command's text names an agent, and whether Claude Code would find that agent.

Commands name agents in many ways: `**agent** - text` (the seed's shape), `**Title** (agent)`,
"Use **agent** to ...", "review by **agent**", `subagent_type: agent`, `@agent-name`,
`` `agent`: text``, and prose ("use the security-reviewer agent"). The explicit markers count
for any name; a bare bold or leading name counts only when it looks like an agent's name
(lower-case words joined by hyphens) or is defined in `.claude/agents/`, because commands also bold
plain words ("**Severity**: High").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import FrozenSet, Iterable, List, Optional, Sequence, Tuple

from wfc.diagnostics import Diagnostic
from wfc.diagnostics.codes import IMPORT_UNKNOWN_AGENT
from wfc.diagnostics.wording import closest
from wfc.validate.sources import display_path

NAME = r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*"
_KEBAB = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$")
# Claude Code's own agents (REFERENCE: "Built in: general-purpose, Explore, Plan, claude, statusline-setup")
BUILT_IN = ("general-purpose", "Explore", "Plan", "claude", "statusline-setup")
_VERB = r"(?:use|using|invoke|invoking|launch|call|run|spawn|delegate(?:s)? to|ask|have|start|deploy|dispatch)"
_AGENT_WORD = r"(?:sub-?)?agents?\b"
_OPEN, _CLOSE = r"(?:\*\*|__|`)?", r"(?:\*\*|__|`)?"

# (how, pattern): explicit markers, any name
_EXPLICIT = (
    ("subagent_type", re.compile(rf"subagent_type\s*[:=]\s*[\"'`]?(?P<name>{NAME}|Explore|Plan)", re.IGNORECASE)),
    ("at", re.compile(rf"(?<![\w/])@agent-(?P<name>{NAME})")),
    ("prose", re.compile(rf"\b{_VERB}\s+(?:the\s+|a\s+|an\s+)?{_OPEN}(?P<name>{NAME}|Explore|Plan){_CLOSE}\s+"
                         rf"{_AGENT_WORD}", re.IGNORECASE)),
    ("prose", re.compile(rf"\bthe\s+{_OPEN}(?P<name>{NAME}){_CLOSE}\s+{_AGENT_WORD}")),
    ("paren", re.compile(rf"\(\s*(?:agent|subagent|subagent_type)\s*[:=]\s*`?(?P<name>{NAME})`?\s*\)", re.IGNORECASE)),
)
# (how, pattern): a name in these places counts when it looks like an agent's name or is defined
_PLACED = (
    ("lead", re.compile(rf"^(?:\*\*|__)(?P<name>{NAME})(?:\*\*|__)")),
    ("lead", re.compile(rf"^`(?P<name>{NAME})`\s*(?=[:\-–—(]|$)")),
    ("lead", re.compile(rf"^(?P<name>{NAME})\s*(?=[:\-–—]\s)")),
    ("use", re.compile(rf"\b(?:use|using|run|invoke|call|launch)\s+(?:the\s+)?(?:\*\*|__|`)(?P<name>{NAME})"
                       r"(?:\*\*|__|`)", re.IGNORECASE)),
    ("by", re.compile(rf"\bby\s+(?:the\s+)?(?:\*\*|__|`)(?P<name>{NAME})(?:\*\*|__|`)")),
    ("paren", re.compile(rf"\(\s*`?(?P<name>{NAME})`?\s*\)")),
    ("bold", re.compile(rf"(?:\*\*|__)(?P<name>{NAME})(?:\*\*|__)")),
)
_TICK = re.compile(rf"`(?P<name>{NAME})`")
# `1. **triager** - Rank the errors`: a one-word name leading an entry, set off by a dash
_LEAD_WORD = re.compile(r"^(?:\*\*|__)(?P<name>[a-z][a-z0-9]*)(?:\*\*|__)\s+[-–—]\s")
# a bold hyphenated word in running text is an agent when it is named like one ("**risk-assessor**"),
# not when it is an adjective ("**version-controlled**", "**real-time**")
_AGENTISH = re.compile(r"(?:er|or|ist|ian|ant|bot|expert|agent|architect|lead|guide|master|supreme|detective|"
                       r"sast|dast)$")


@dataclass(frozen=True)
class Mention:
    name: str
    how: str  # which of the shapes above named it
    start: int  # where in the text
    end: int


# words that stand where a name would ("the following agents", "a specialized agent")
_NOT_NAMES = frozenset("""following other others specialized specialised relevant appropriate same new existing multiple
each all these those primary main right correct specific various individual sub expert ai custom dedicated next
previous first last single parallel separate corresponding respective designated available selected suitable
coordinating""".split())


def mentions(text: str, known: FrozenSet[str] = frozenset()) -> List[Mention]:
    """Every agent the (inline markdown) text names, in order of appearance, each once."""
    found: List[Mention] = []
    for how, pattern in _EXPLICIT:
        found += [Mention(m.group("name"), how, m.start(), m.end()) for m in pattern.finditer(text)
                  if m.group("name").lower() not in _NOT_NAMES or m.group("name") in known]
    for how, pattern in _PLACED:
        found += [Mention(m.group("name"), how, m.start(), m.end()) for m in pattern.finditer(text)
                  if looks_like_agent(m.group("name"), known) and not _is_path(text, m.end())
                  and (how != "bold" or m.group("name") in known or _AGENTISH.search(m.group("name")))]
    found += [Mention(m.group("name"), "tick", m.start(), m.end()) for m in _TICK.finditer(text)
              if m.group("name") in known]
    found += [Mention(m.group("name"), "lead", m.start(), m.start() + len(m.group(0).rstrip(" -–—")))
              for m in _LEAD_WORD.finditer(text)]
    return _first_of_each(found)


def looks_like_agent(name: str, known: FrozenSet[str]) -> bool:
    return name in known or bool(_KEBAB.match(name))


def _is_path(text: str, end: int) -> bool:
    """`agent-name.md`, `dir/name`, `--flag-name`: names of files and options, not agents."""
    return text[end:end + 1] in ("/", ".") and text[end + 1:end + 2].isalnum()


def _first_of_each(found: Sequence[Mention]) -> List[Mention]:
    ordered = sorted(found, key=lambda m: (m.start, -m.end))
    kept: List[Mention] = []
    for mention in ordered:
        overlaps = any(k.start <= mention.start < k.end for k in kept)
        if not overlaps and mention.name not in {k.name for k in kept}:
            kept.append(mention)
    return kept


@dataclass(frozen=True)
class Roster:
    """The agents Claude Code would find for the command: `.claude/agents/*.md` beside it."""

    directory: Optional[Path]  # None when the command lives in no `commands/` tree
    shown: str  # the directory as the user would write it
    names: FrozenSet[str]
    json_only: FrozenSet[str]  # `NAME.json` with no `NAME.md`: Claude Code reads only markdown

    @property
    def known(self) -> FrozenSet[str]:
        return self.names | frozenset(BUILT_IN)


def roster(command: Optional[Path], shown_source: str) -> Roster:
    """The agents directory of the tree the command lives in: `X/commands/a/b.md` -> `X/agents/`."""
    directory = _agents_dir(command) if command is not None else None
    if directory is None:
        return Roster(None, "", frozenset(), frozenset())
    names = frozenset(path.stem for path in directory.rglob("*.md"))
    json_only = frozenset(path.stem for path in directory.rglob("*.json")) - names
    return Roster(directory, _shown(directory, shown_source), names, json_only)


def _shown(directory: Path, shown_source: str) -> str:
    """`tests/x/commands/a.md` -> `tests/x/agents/`: the user's own spelling of the command's path."""
    parts = shown_source.split("/")
    if "commands" in parts[:-1]:
        at = len(parts) - 1 - parts[:-1][::-1].index("commands") - 1
        return "/".join(parts[:at] + ["agents"]) + "/"
    return display_path(directory) + "/"


def _agents_dir(command: Path) -> Optional[Path]:
    for parent in command.resolve().parents:
        if parent.name == "commands":
            candidate = parent.parent / "agents"
            return candidate if candidate.is_dir() else None
    return None


def check(agents: Iterable[Tuple[str, int, str]], known: Roster, source: str) -> List[Diagnostic]:
    """A warning for each agent (name, line, source line) that Claude Code would not find, with the
    closest defined name as a did-you-mean."""
    if known.directory is None:
        return []
    warnings: List[Diagnostic] = []
    seen = set()
    for name, line, text in agents:
        if name in known.known or name in seen:
            continue
        seen.add(name)
        warnings.append(IMPORT_UNKNOWN_AGENT.at(_unknown(name, known), source, line, 1, _did_you_mean(name, known),
                                                (), text))
    return warnings


def _unknown(name: str, known: Roster) -> str:
    where = f"agent '{name}' is not defined in {known.shown} nor built into Claude Code"
    if name in known.json_only:
        return f"{where}: there is a {name}.json, but Claude Code reads only .md agent definitions"
    return where


def _did_you_mean(name: str, known: Roster) -> str:
    close = closest(name, sorted(known.known))
    if close:
        return f"did you mean '{close}'? Otherwise define {known.shown}{name}.md before running the workflow"
    return f"define {known.shown}{name}.md (frontmatter `name` and `description`) before running the workflow"
