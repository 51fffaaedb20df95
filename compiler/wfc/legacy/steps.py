"""A `LegacyCommand` as workflow data, faithful to how the legacy command ran.

Faithful means: one step after another in the text's order, each waiting for the one before it,
because that is what an orchestrating model reading the command did; agents run together only
where the text says so. The phase's time is shared by its steps, so the plan's makespan is the
legacy total and an unedited import shows a speedup of 1.0x. Redesigning (keeping only the
dependencies the work really has) is the user's next step, and `wfc plan` shows what it buys.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from wfc.format.durations import format_duration
from wfc.legacy import arguments as args_text
from wfc.legacy.records import SINGLE, Argument, Entry, LegacyCommand, Phase
from wfc.legacy.times import split
from wfc.legacy.yaml_text import jinja_literal

_STOPWORDS = {"a", "an", "the", "and", "or", "of", "for", "to", "with", "in", "on", "by", "from", "into", "all",
              "any", "its", "their", "this", "that", "via", "as", "at", "is", "be"}
_ID_WORDS = 4
_ID_LENGTH = 40
HOUR = 3600.0


def slug(text: str, words: int = _ID_WORDS) -> str:
    """A step id from a title: its first significant words, lower-case, joined by hyphens; a name
    that is already an id (a command's stem) stays as it is."""
    if re.match(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$", text) and len(text) <= _ID_LENGTH:
        return text
    tokens = [t for t in re.split(r"[^a-z0-9]+", text.lower()) if t]
    kept = [t for t in tokens if t not in _STOPWORDS] or tokens
    text = "-".join(kept[:words])[:_ID_LENGTH].rstrip("-")
    return text if re.match(r"^[a-z]", text) else f"step-{text}".rstrip("-")


def step_ids(entries: Sequence[Entry]) -> List[str]:
    """An agent named once and leading its entry names the step (`threat-modeler`); otherwise the
    entry's own short title does (`agent-file-creation`), never a counter on the agent's name."""
    count = Counter(entry.agent for entry in entries if entry.agent)
    ids: List[str] = []
    for entry in entries:
        if entry.agent and count[entry.agent] == 1 and (entry.agent_led or not entry.id_hint):
            base = slug(entry.agent, 99)
        elif entry.id_hint:
            base = slug(entry.id_hint)
        elif entry.agent:
            base = f"{slug(entry.agent, 99)}-{slug(entry.title, 2)}"
        else:
            base = slug(entry.title)
        candidate, number = base, 1
        while candidate in ids:
            number += 1
            candidate = f"{base}-{number}"
        ids.append(candidate)
    return ids


@dataclass
class _Built:
    """The steps as they are made, with the clock of the legacy run (one unit after another)."""

    steps: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    start: Dict[str, float] = field(default_factory=dict)
    finish: Dict[str, float] = field(default_factory=dict)
    phase_of: Dict[str, int] = field(default_factory=dict)
    producer: Dict[str, str] = field(default_factory=dict)
    context: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    switches: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    context_text: Dict[str, str] = field(default_factory=dict)
    results: List[str] = field(default_factory=list)  # outputs of the last phase: the workflow's own
    conflicts: List[Tuple[str, int]] = field(default_factory=list)  # (message, legacy line)


def workflow_data(command: LegacyCommand, name: Optional[str] = None) -> Dict[str, Any]:
    """The workflow as plain data, keys in the order a person would write them."""
    return build(command, name)[0]


def build(command: LegacyCommand, name: Optional[str] = None) -> Tuple[Dict[str, Any], List[Tuple[str, int]]]:
    """The workflow data, and what could not be carried over as declared (message, legacy line)."""
    built = _steps(command)
    _hand_on(command, built)
    data: Dict[str, Any] = {"version": 1}
    if name:
        data["name"] = name
    frame = command.frame
    data["title"] = frame.title
    data["description"] = frame.description or frame.title
    arguments = {a.name: _argument(a) for a in command.arguments}
    arguments.update(built.switches)
    if arguments:
        data["arguments"] = arguments
    defaults = {key: value for key, value in (("model", frame.model), ("tools", list(frame.tools))) if value}
    if defaults:
        data["defaults"] = defaults
    if built.context:
        data["context"] = built.context
    data["steps"] = built.steps
    data["docs"] = _docs(command, built)
    return data, built.conflicts


def _argument(argument: Argument) -> Dict[str, Any]:
    spec: Dict[str, Any] = {"description": argument.description}
    if argument.type != "string":
        spec["type"] = argument.type
    if argument.required:
        spec["required"] = True
    elif argument.default is not None:
        spec["default"] = argument.default
    if argument.enum:
        spec["enum"] = list(argument.enum)
    return spec


def _steps(command: LegacyCommand) -> _Built:
    built = _Built()
    ids = iter(step_ids(command.entries))
    before: List[str] = []
    clock = 0.0
    for index, phase in enumerate(command.phases):
        own = all(entry.seconds is not None for entry in phase.entries)
        shares = split(phase.seconds, len(phase.units)) if phase.seconds is not None and not own else None
        for number, unit in enumerate(phase.units):
            current = []
            for entry in unit.entries:
                step_id = next(ids)
                seconds = float(shares[number]) if shares is not None else entry.seconds
                built.steps[step_id] = _step(command, phase, entry, before, seconds, built, step_id)
                built.start[step_id], built.finish[step_id] = clock, clock + (seconds or 60.0)
                built.phase_of[step_id] = index
                current.append(step_id)
            clock = max(built.finish[s] for s in current)
            before = current
    return built


def _step(command: LegacyCommand, phase: Phase, entry: Entry, before: Sequence[str], seconds: Optional[float],
          built: _Built, step_id: str) -> Dict[str, Any]:
    title = entry.title or (f"Run {entry.agent}" if entry.agent else phase.label or command.frame.title)
    step: Dict[str, Any] = {"title": _templated(title, command, inline=True)}
    if phase.label:
        step["group"] = phase.label
    agent = entry.agent or command.frame.lead_agent
    if agent:
        step["agent"] = agent
    if before:
        step["needs"] = list(before)
    if seconds is not None:
        step["estimate"] = format_duration(seconds)
    if entry.condition:
        switch = f"include_{step_id.replace('-', '_')}"
        built.switches[switch] = {"description": f"Run step '{step_id}': the legacy text runs it {entry.condition}",
                                  "type": "boolean", "default": True}
        step["when"] = f"args.{switch}"
    inputs = [name for name in entry.inputs if name in built.producer]
    if inputs:
        step["inputs"] = inputs
    outputs = _declare(entry, built, step_id)
    if outputs:
        step["outputs"] = outputs
    step["prompt"] = _prompt(command, phase, entry)
    return step


def _declare(entry: Entry, built: _Built, step_id: str) -> List[str]:
    """The entry's declared outputs as context; a name another step already writes stays with it."""
    outputs = []
    for name, what in entry.outputs:
        if name in built.producer:
            built.conflicts.append((f"step '{step_id}' declares output `{name}` again: a context name has one "
                                    f"writer, so it stays with '{built.producer[name]}'", entry.line))
            continue
        built.producer[name] = step_id
        built.context[name] = {"description": what}
        outputs.append(name)
    return outputs


def _hand_on(command: LegacyCommand, built: _Built) -> None:
    """An output no step says it reads goes to every step of the next phase, as the legacy
    orchestrator handed each phase's results on; in the last phase it is a result of the workflow."""
    read = {name for step in built.steps.values() for name in step.get("inputs", [])}
    for name, producer in list(built.producer.items()):
        if name in read:
            continue
        later = [s for s in built.steps if built.phase_of[s] == built.phase_of[producer] + 1]
        for step_id in later:
            built.steps[step_id]["inputs"] = built.steps[step_id].get("inputs", []) + [name]
        if not later:
            built.context_text[name] = built.context.pop(name)["description"]
            built.steps[producer]["outputs"].remove(name)
            if not built.steps[producer]["outputs"]:
                del built.steps[producer]["outputs"]
            built.results.append(f"`{name}`: {built.context_text.get(name, '')} (written by step '{producer}')")
    _reorder_keys(built)
    _ttls(built)


def _reorder_keys(built: _Built) -> None:
    """Keep every step's keys in one order (inputs before outputs before the prompt)."""
    order = ("title", "group", "agent", "needs", "estimate", "when", "inputs", "outputs", "prompt")
    for step_id, step in built.steps.items():
        built.steps[step_id] = {key: step[key] for key in order if key in step}


def _ttls(built: _Built) -> None:
    """A context entry lives until its last reader starts; past the default hour it says so."""
    for name, producer in built.producer.items():
        if name not in built.context:
            continue
        readers = [s for s, step in built.steps.items() if name in step.get("inputs", [])]
        needed = max((built.start[r] for r in readers), default=0.0) - built.finish[producer]
        if needed > HOUR:
            built.context[name]["ttl"] = format_duration(math.ceil(needed / 60.0) * 60.0)


def _prompt(command: LegacyCommand, phase: Phase, entry: Entry) -> str:
    """The entry's words, then what its phase and the command say around it."""
    parts = [entry.text]
    if phase.notes:
        where = f"the legacy phase `{phase.label}`" if phase.label else f"/{command.frame.stem}"
        parts.append(f"From {where}:\n\n{phase.notes}")
    if command.frame.intro:
        parts.append(f"From /{command.frame.stem}:\n\n{command.frame.intro}")
    return _templated("\n\n".join(parts), command)


def _templated(text: str, command: LegacyCommand, inline: bool = False) -> str:
    """Legacy text as a template: what Jinja would read as a tag is printed as written, and the
    argument placeholders become the arguments. Where the text uses no placeholder, Claude Code
    appended the raw arguments (`ARGUMENTS: ...`); the prompt does the same."""
    named = command.frame.named
    text = jinja_literal(text)
    if args_text.uses_placeholder(text, named):
        return args_text.substitute(text, command.arguments, named)
    if inline or not command.arguments:
        return text
    only = command.arguments[0]
    if len(command.arguments) == 1 and not only.required and not only.flag:
        return f"{text}\n\n{{% if args.{only.name} %}}ARGUMENTS: {{{{ args.{only.name} }}}}{{% endif %}}"
    return f"{text}\n\nARGUMENTS: {args_text.raw_template(command.arguments)}"


def _docs(command: LegacyCommand, built: _Built) -> Dict[str, Any]:
    docs: Dict[str, Any] = {}
    if command.docs.purpose:
        docs["purpose"] = command.docs.purpose
    for key, values in (("usage", command.docs.usage), ("success_criteria", command.docs.success_criteria),
                        ("outputs", tuple(command.docs.outputs) + tuple(built.results))):
        if values:
            docs[key] = list(values)
    docs["legacy"] = legacy_time(command)
    return docs


def legacy_time(command: LegacyCommand) -> Dict[str, Any]:
    """The `docs.legacy` figure `wfc report` compares with, and where it comes from."""
    total = command.total_seconds
    frame = command.frame
    if not total:
        return {"source": f"none given (the text of {frame.source} states no time)"}
    minutes = round(total / 60.0, 3)
    minutes_value: Any = int(minutes) if minutes == int(minutes) else minutes
    if command.shape == SINGLE:
        return {"minutes": minutes_value, "source": f"as {frame.source} states at line {frame.stated_line}"}
    return {"minutes": minutes_value, "source": f"the sum of the phase times in {frame.source}"}
