"""Valid raw data to the frozen model: defaults applied, shapes normalised, durations in seconds.

Runs only on data that passed the schema and the semantic checks, so it can trust shapes. Where a
user may write one thing two ways (`needs: a` or `needs: [a]`, `resources: [gpu]` or `{gpu: 2}`),
this is the one place that decides what it means.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Dict, Mapping, Optional, Tuple

from wfc.format.durations import parse_duration
from wfc.load.document import Document, Position
from wfc.format import vocabulary
from wfc.model.fan_out import expand, fan_out_of
from wfc.model import (
    Action,
    AgentDefinition,
    Argument,
    ContextEntry,
    Docs,
    OnFailure,
    Retry,
    Step,
    Workflow,
)

_NO_RETRY = Retry()
_VOWELS = "aeiou"


def build_workflow(document: Document, name: str) -> Workflow:
    data: Mapping[str, Any] = document.data
    defaults = data.get("defaults") or {}
    return Workflow(
        name=name,
        source=document.file,
        source_sha256=document.sha256,
        title=data["title"],
        description=data["description"],
        steps=expand([build_step(step_id, raw, defaults) for step_id, raw in data["steps"].items()],
                     data.get("max_parallel")),
        version=data["version"],
        arguments=tuple(build_argument(arg, spec or {}) for arg, spec in (data.get("arguments") or {}).items()),
        max_parallel=data.get("max_parallel"),
        resources=sorted_mapping(data.get("resources")),
        context=tuple(build_context_entry(name, entry or {}) for name, entry in (data.get("context") or {}).items()),
        on_failure=OnFailure(**(data.get("on_failure") or {})),
        docs=build_docs(data.get("docs") or {}),
        progress=data.get("progress", vocabulary.DEFAULT_PROGRESS),
        model=defaults.get("model"),
        agents=tuple(build_agent(agent, raw or {}) for agent, raw in (data.get("agents") or {}).items()),
        max_cost=optional_float(data.get("max_cost")),
        positions=entry_positions(document),
        definition=data,
    )


def entry_positions(document: Document) -> Dict[Tuple[Any, ...], Position]:
    """Value positions, except that a named entry (a step, a context, an argument) is where its
    name is written: the line a finding about the whole step should point at."""
    positions = dict(document.value_positions)
    for path, position in document.key_positions.items():
        if len(path) == 2 and path[0] in ("steps", "context", "arguments", "resources", "agents"):
            positions[path] = position
    return positions


def build_step(step_id: str, raw: Mapping[str, Any], defaults: Mapping[str, Any]) -> Step:
    kind = kind_of(raw)
    estimate_source = raw.get("estimate", defaults.get("estimate"))
    estimate = seconds(estimate_source, vocabulary.DEFAULT_ESTIMATE)
    agent_defaults = kind == "agent"
    return Step(
        id=step_id,
        title=raw["title"],
        active=raw.get("active") or active_form(raw["title"]),
        kind=kind,
        description=raw.get("description", ""),
        prompt=raw.get("prompt"),
        agent=raw.get("agent", defaults.get("agent")) if agent_defaults else None,
        model=raw.get("model", defaults.get("model")) if agent_defaults else None,
        tools=tool_names(raw.get("tools", defaults.get("tools") if agent_defaults else None)),
        max_turns=raw.get("max_turns"),
        permission_mode=raw.get("permission_mode", defaults.get("permission_mode")) if agent_defaults else None,
        max_cost=optional_float(raw.get("max_cost")),
        run=command(raw.get("run")),
        env=sorted_mapping(raw.get("env")),
        cwd=raw.get("cwd"),
        call=raw.get("call"),
        needs=names(raw.get("needs")),
        inputs=names(raw.get("inputs")),
        outputs=names(raw.get("outputs")),
        files=names(raw.get("files")),
        estimate=estimate,
        estimate_defaulted=estimate_source is None,
        cached_estimate=seconds(raw.get("cached_estimate"), estimate),
        timeout=optional_seconds(raw.get("timeout", defaults.get("timeout"))),
        retry=build_retry(raw.get("retry", defaults.get("retry")) or {}),
        resources=resource_request(raw.get("resources")),
        cache=raw.get("cache", defaults.get("cache", vocabulary.DEFAULT_CACHE)),
        when=raw.get("when"),
        continue_on_error=raw.get("continue_on_error", vocabulary.DEFAULT_CONTINUE_ON_ERROR),
        compensate=build_action(raw["compensate"]) if raw.get("compensate") else None,
        group=raw.get("group"),
        trigger=raw.get("trigger", vocabulary.DEFAULT_TRIGGER),
        fan_out=fan_out_of(raw, estimate),
    )


def build_agent(name: str, raw: Mapping[str, Any]) -> AgentDefinition:
    return AgentDefinition(name=name, description=raw["description"], prompt=raw["prompt"],
                           tools=tool_names(raw.get("tools")), disallowed_tools=tool_names(raw.get("disallowed_tools")),
                           model=raw.get("model"), max_turns=raw.get("max_turns"),
                           permission_mode=raw.get("permission_mode"))


def build_context_entry(name: str, raw: Mapping[str, Any]) -> ContextEntry:
    return ContextEntry(name, raw.get("description", ""), seconds(raw.get("ttl"), vocabulary.DEFAULT_TTL),
                        dict(raw.get("schema") or {}))


def build_argument(name: str, spec: Mapping[str, Any]) -> Argument:
    enum = spec.get("enum")
    return Argument(
        name,
        spec.get("description", ""),
        spec.get("type", vocabulary.DEFAULT_ARGUMENT_TYPE),
        spec.get("default"),
        bool(spec.get("required", False)),
        tuple(enum) if enum is not None else None,
    )


def build_retry(raw: Mapping[str, Any]) -> Retry:
    if not raw:
        return _NO_RETRY  # most steps: one shared, equal, immutable value
    return Retry(
        attempts=raw.get("attempts", vocabulary.DEFAULT_ATTEMPTS),
        backoff=seconds(raw.get("backoff"), vocabulary.DEFAULT_BACKOFF),
        factor=float(raw.get("factor", vocabulary.DEFAULT_FACTOR)),
        max_backoff=optional_seconds(raw.get("max_backoff")),
    )


def build_action(raw: Mapping[str, Any]) -> Action:
    kind = kind_of(raw)
    return Action(kind=kind, run=command(raw.get("run")), call=raw.get("call"), prompt=raw.get("prompt"),
                  agent=raw.get("agent"), env=sorted_mapping(raw.get("env")), cwd=raw.get("cwd"))


def build_docs(raw: Mapping[str, Any]) -> Docs:
    legacy = raw.get("legacy") or {}
    minutes = legacy.get("minutes")
    return Docs(raw.get("purpose", ""), tuple(raw.get("usage", ())), tuple(raw.get("success_criteria", ())),
                tuple(raw.get("outputs", ())), None if minutes is None else float(minutes),
                legacy.get("source", ""))


def kind_of(raw: Mapping[str, Any]) -> str:
    """The kind of a valid step or compensation: from the one key that says what it does."""
    return next(kind for key, kind in vocabulary.KIND_KEYS.items() if key in raw)


def names(value: Any) -> Tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def tool_names(value: Any) -> Tuple[str, ...]:
    """`Read, Grep` or `[Read, Grep]` -> ("Read", "Grep"): a string is split at the commas outside a
    rule's parentheses, as Claude Code reads a definition's `tools: Read, Bash(git diff *)`."""
    if not isinstance(value, str):
        return tuple(part.strip() for part in names(value) if part.strip())
    parts, depth, current = [], 0, ""
    for char in value:
        depth += (char == "(") - (char == ")")
        if char == "," and depth <= 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return tuple(part.strip() for part in parts + [current] if part.strip())


def optional_float(value: Any) -> Optional[float]:
    return None if value is None else float(value)


def command(value: Any) -> Optional[Any]:
    return tuple(value) if isinstance(value, list) else value


def sorted_mapping(value: Any) -> Dict[str, Any]:
    return dict(sorted(value.items())) if value else {}


def resource_request(value: Any) -> Dict[str, int]:
    if isinstance(value, dict):
        return sorted_mapping(value)
    return {name: 1 for name in sorted(names(value))}


def seconds(value: Any, default: float) -> float:
    parsed = parse_duration(value) if value is not None else None
    return default if parsed is None else parsed


def optional_seconds(value: Any) -> Optional[float]:
    return parse_duration(value) if value is not None else None


def active_form(title: str) -> str:
    """`Review code quality` -> `Reviewing code quality`: TodoWrite wants both forms."""
    first, _, rest = title.partition(" ")
    gerund = _gerund(first)
    return title if gerund is None else f"{gerund} {rest}" if rest else gerund


@lru_cache(maxsize=4096)
def _gerund(first: str) -> Optional[str]:
    """The -ing form of a title's first word, or None to keep the title as it is. Titles of
    many steps share a verb, so this is remembered."""
    if not re.fullmatch(r"[A-Za-z]+", first) or first.lower().endswith("ing"):
        return None
    word = first.lower()
    if word.endswith("ie"):
        word = word[:-2] + "y"
    elif word.endswith("e") and not word.endswith(("ee", "ye", "oe")) and len(word) > 2:
        word = word[:-1]
    elif _doubles_final_consonant(word):
        word += word[-1]
    gerund = word + "ing"
    return gerund.capitalize() if first[0].isupper() else gerund


def _doubles_final_consonant(word: str) -> bool:
    """run -> running, plan -> planning; audit -> auditing (one vowel group only)."""
    groups = re.findall(r"[aeiou]+", word)
    return (len(groups) == 1 and len(word) >= 3 and word[-1] not in _VOWELS + "wxy"
            and word[-2] in _VOWELS and word[-3] not in _VOWELS)
