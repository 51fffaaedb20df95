"""The workflow text a legacy import produces: YAML written by hand, deterministically.

Written here rather than by a YAML library so that the output is the same bytes on every machine
and version, reads like a hand-written workflow (literal prompt blocks, flow lists) and quotes
anything a user could have typed.
"""
from __future__ import annotations

import json
import re
from typing import Dict, List, Optional

from wfc.legacy import _JINJA_OPEN, ImportResult, LegacyAgent, LegacyCommand, LegacyPhase, decode, parse_legacy


SCHEMA_COMMENT = "# yaml-language-server: $schema=../schema/workflow.schema.json"
_STEP_ID = re.compile(r"^[a-z][a-z0-9_-]*$")
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}
_DURATION = re.compile(r"^(\d+(ms|h|m|s))+$")
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def slug(name: str) -> str:
    """A step id for an agent name (`^[a-z][a-z0-9_-]*$`)."""
    text = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-_")
    return text if re.match(r"^[a-z]", text) else f"agent-{text}".rstrip("-")


def unique_ids(names: List[str]) -> List[str]:
    """Step ids in entry order: an agent's first entry is its own name, later ones `-2`, `-3`...,
    skipping any suffix that is another agent's own name."""
    bases = [slug(name) for name in names]
    reserved = set(bases)
    ids: List[str] = []
    for base in bases:
        candidate, count = base, 1
        while candidate in ids or (count > 1 and candidate in reserved):
            count += 1
            candidate = f"{base}-{count}"
        ids.append(candidate)
    return ids


def split_minutes(minutes: float, count: int) -> List[int]:
    """A phase's time in whole seconds shared by its steps, the first ones taking the remainder, so
    the estimates add up exactly to the legacy budget."""
    quotient, remainder = divmod(round(minutes * 60), count)
    return [quotient + (1 if index < remainder else 0) for index in range(count)]


def format_seconds(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return "".join(f"{value}{unit}" for value, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if value) or "0s"


def jinja_literal(text: str) -> str:
    """Text that renders as itself in a Jinja template: every `{` that would open a tag is printed."""
    return _JINJA_OPEN.sub('{{ "{" }}', text)


def arguments(command: LegacyCommand) -> Dict[str, Dict[str, object]]:
    """Arguments from the frontmatter's argument-hint (`<id>` required, `[path]` optional), else one
    `arguments` argument when the text passes `$ARGUMENTS` on."""
    found: Dict[str, Dict[str, object]] = {}
    for opening, token in re.findall(r"([\[<])([^\]>]+)[\]>]", command.argument_hint):
        name = re.sub(r"\W+", "_", token.split("=")[0].split("|")[0].strip("-. ").lower()).strip("_")
        name = name if re.match(r"^[a-z_]", name) else f"arg_{name}"
        if name and name != "arg_" and name not in found:
            hint = f"From the legacy argument-hint {opening}{token}{'>' if opening == '<' else ']'}"
            found[name] = {"description": hint, "required": True} if opening == "<" else {
                "description": hint, "default": ""}
    if not found and (command.argument_hint or command.uses_arguments):
        hint = command.argument_hint or "$ARGUMENTS"
        found["arguments"] = {"description": f"What the legacy command received as {hint}", "default": ""}
    return found


def passed(names: List[str]) -> str:
    """What `$ARGUMENTS` becomes in a template: every argument, space-separated, as legacy passed them."""
    return " ".join(f"{{{{ args.{name} }}}}" for name in names)


def prompt(agent: LegacyAgent, phase: LegacyPhase, source: str, names: List[str]) -> str:
    quoted = [jinja_literal(line).replace("$ARGUMENTS", passed(names)) for line in agent.text.split("\n")]
    lines = [f"TODO refine this prompt, imported from {source} line {agent.line}.",
             "Say what the agent reads, what it produces and where, and what it must not touch.", "",
             f"{phase.label}. The legacy instruction was:"]
    lines += [f"> {line}".rstrip() for line in quoted]
    if names:
        lines += ["", f"Arguments: {passed(names)}"]
    return "\n".join(line.rstrip() for line in lines)


def description(command: LegacyCommand) -> str:
    note = (f"Imported from {command.source} by `wfc import`, which keeps the legacy phases as barriers: each "
            "step waits for every step of the phase before it. Those barriers are the first thing to revisit: "
            "keep only the dependencies each step really has.")
    text = command.description.rstrip()
    if text and not text.endswith((".", "!", "?")):
        text += "."
    return f"{text} {note}" if text else note


def step(agent: LegacyAgent, phase: LegacyPhase, source: str, names: List[str]) -> Dict[str, object]:
    title = jinja_literal(agent.title).replace("$ARGUMENTS", passed(names))
    return {"title": title, "group": phase.label, "agent": agent.agent}


def steps(command: LegacyCommand, names: List[str]) -> Dict[str, Dict[str, object]]:
    """One agent step per entry, in legacy order, each needing every step of the phase before."""
    ids = iter(unique_ids([agent.agent for phase in command.phases for agent in phase.agents]))
    result: Dict[str, Dict[str, object]] = {}
    before: List[str] = []
    for phase in command.phases:
        shares = split_minutes(phase.minutes, len(phase.agents)) if phase.minutes is not None else None
        current: List[str] = []
        for index, agent in enumerate(phase.agents):
            data = step(agent, phase, command.source, names)
            if before:
                data["needs"] = list(before)
            if shares is not None:
                data["estimate"] = format_seconds(shares[index])
            data["prompt"] = prompt(agent, phase, command.source, names)
            current.append(next(ids))
            result[current[-1]] = data
        before = current
    return result


def workflow_data(command: LegacyCommand, name: Optional[str] = None) -> Dict[str, object]:
    """The workflow as plain data, keys in the order a person would write them."""
    title = re.sub(r"^[^\w\"'(\[`]+", "", command.title) or command.source.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    data: Dict[str, object] = {"version": 1}
    if name:
        data["name"] = name
    data.update({"title": title, "description": description(command)})
    found = arguments(command)
    if found:
        data["arguments"] = found
    data["steps"] = steps(command, list(found))
    return data


def scalar(value: object) -> str:
    """A YAML scalar: plain when it cannot be misread, else a double-quoted JSON string (which is
    valid YAML) with every character YAML would not take escaped."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if (_STEP_ID.match(text) and text not in _RESERVED) or _DURATION.match(text):
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    return _UNPRINTABLE.sub(lambda m: "\\u%04x" % ord(m.group(0)), quoted)


def _literal_ok(text: str) -> bool:
    lines = text.split("\n")
    return (len(lines) > 1 and not text.startswith((" ", "\t")) and not _UNPRINTABLE.search(text)
            and "\t" not in text and all(line == line.rstrip() for line in lines))


def mapping_lines(data: Dict[str, object], indent: int = 0) -> List[str]:
    pad = " " * indent
    lines: List[str] = []
    for key, value in data.items():
        head = f"{pad}{scalar(key)}:"
        if isinstance(value, dict):
            lines += [head] + mapping_lines(value, indent + 2)
        elif isinstance(value, list):
            lines.append(f"{head} [{', '.join(scalar(item) for item in value)}]")
        elif isinstance(value, str) and _literal_ok(value):
            lines += [f"{head} |-"] + [f"{pad}  {line}" if line else "" for line in value.split("\n")]
        else:
            lines.append(f"{head} {scalar(value)}")
    return lines


def to_yaml(data: Dict[str, object], source: str) -> str:
    shown = _UNPRINTABLE.sub("?", source.replace("\n", " "))
    header = [SCHEMA_COMMENT, f"# Imported by `wfc import` from {shown}.",
              "# Refine every prompt marked TODO, then revisit the barriers between phases: each step",
              "# needs every step of the phase before it, as the legacy command ran them."]
    return "\n".join(header + mapping_lines(data)) + "\n"


def import_legacy(data: bytes, source: str, name: Optional[str] = None) -> ImportResult:
    """The workflow skeleton for a legacy command's bytes; `name` is the output file's stem."""
    command = parse_legacy(decode(data, source), source)
    return ImportResult(to_yaml(workflow_data(command, name), source), command, command.skipped)
