#!/usr/bin/env python3
"""The project's fake `claude`: the real Claude Code 2.1.332's headless CLI without a model behind it.

Use it where a test needs a run to finish (the real binary offline only reaches "Not logged in"): put this
file on PATH as `claude`, or run `python tests/fake_claude.py ARGS`. It parses the real CLI's options with
the real messages and exit status, reads the prompt from the argument and/or stdin as the real one does,
resolves `--agent` against the built-ins, `.claude/agents/` (cwd and parents), `~/.claude/agents/`,
`--plugin-dir` plugins and `--agents` JSON with the real "not found" message, and prints the result in
text, json, `--verbose` json (an array) or stream-json, exiting 1 after the JSON whenever is_error.
Every rule here was observed on the real binary; tests/claude/test_claude_contract.py runs the same
scenarios against both.

How the run ends is steered by `fake-claude: VERB ARGS` lines in the prompt: result, fail, subtype,
turns, cost, tokens, subagent, deny, api-error, structured, sleep, mark, stderr, exit, garbage
(tests/claude/claude_fake_directives.py documents each). What the fake was given (argv, prompt, agent and its
definition, model, tools, allowed/disallowed tools, permission mode, max turns, budget, schema, ...) is
echoed in the result's `fake_claude` field (a field only the fake adds) and, when FAKE_CLAUDE_RECORD names
a file, appended to it as one JSON line per run, option errors included.
"""
from __future__ import annotations

import json
import os
import re
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent / "claude"))

from claude_fake_agents import Agent, AgentsError, discover, resolve  # noqa: E402
from claude_fake_directives import DirectiveError, steer  # noqa: E402
from claude_fake_options import VERSION, Options, UsageError, js_number, parse  # noqa: E402
from claude_fake_session import Session, render, resolve_model  # noqa: E402

DEFAULT_TOOLS = ["Task", "Bash", "CronCreate", "CronDelete", "CronList", "DesignSync", "Edit", "EnterWorktree",
                 "ExitWorktree", "ListAgents", "Monitor", "NotebookEdit", "Read", "ReportFindings",
                 "ScheduleWakeup", "SendMessage", "Skill", "TaskStop", "ToolSearch", "WebFetch", "WebSearch",
                 "Workflow", "Write"]
KNOWN_TOOLS = set(DEFAULT_TOOLS) | {"Glob", "Grep"}  # TodoWrite and the Task* family: not on the default model
ALIASES = {"Agent": "Task"}
# Pairs observed: Task < Write < Edit < Read < Glob < Grep, Read < Bash; the rest keep the default order.
AGENT_ORDER = ["Task", "Write", "Edit", "Read", "Glob", "Grep", "Bash"] + \
    [tool for tool in DEFAULT_TOOLS if tool not in ("Task", "Write", "Edit", "Read", "Bash")]
EFFORTS = ("low", "medium", "high", "xhigh", "max")
NO_INPUT = "Error: Input must be provided either through stdin or as a prompt argument when using --print"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


class Refusal(Exception):
    """The real CLI's message for a run it will not start; printed on stderr, exit 1."""


def main(argv: List[str]) -> int:
    started = time.monotonic()
    stderr_lines: List[str] = []
    record: Dict[str, Any] = {"argv": argv, "cwd": os.getcwd()}
    try:
        options = parse(argv)
        if options.get("version") or options.get("help"):
            print(VERSION if options.get("version") else "Usage: claude [options] [command] [prompt]")
            return 0  # nothing to record: no run
        if not options.get("print"):
            raise Refusal("fake claude: only headless runs (-p/--print) are supported")
        stdin = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
        session, prompt = prepare(options, stdin, stderr_lines)
        record["echo"] = session.echo
        record["exit"] = run(session, prompt, options, stderr_lines, started)
    except (UsageError, AgentsError, Refusal, DirectiveError) as refusal:
        stderr_lines.append(str(refusal))
        record["exit"] = 1
    sys.stderr.write("".join(line + "\n" for line in stderr_lines))
    _record(record, stderr_lines)
    return int(record["exit"])


def prepare(options: Options, stdin: str, notes: List[str]) -> "tuple[Session, str]":
    """Every check the real CLI makes before its first request, in its order; the session it would run.

    Warnings the real CLI prints and goes on after are appended to `notes`."""
    cwd, home = Path.cwd(), Path(os.environ.get("HOME", "/"))
    check_setting_sources(options.text("setting-sources"))
    agents = discover(cwd, home, options.items("plugin-dir"), options.text("agents"))
    session_id = options.text("session-id")
    if session_id is not None and not UUID.fullmatch(session_id):
        raise Refusal("Error: Invalid session ID. Must be a valid UUID.")
    schema = parse_schema(options.text("json-schema"))
    if (options.get("permission-mode") == "bypassPermissions" or options.get("dangerously-skip-permissions")) \
            and hasattr(os, "geteuid") and os.geteuid() == 0:
        raise Refusal("--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons")
    if options.get("resume") is True:
        raise Refusal("Error: --resume requires a valid session ID or session title when used with --print. "
                      "Usage: claude -p --resume <session-id|title>")
    notes.extend(effort_warning(options.text("effort")))
    agent = resolve(options.text("agent") or "", agents) if options.text("agent") else None
    prompt = "\n".join(part for part in (options.positionals[:1] + [stdin]) if part)
    if not prompt:
        raise Refusal("\n".join(lost_prompt_note(options) + [NO_INPUT]))
    if options.get("output-format") == "stream-json" and not options.get("verbose"):
        raise Refusal("Error: When using --print, --output-format=stream-json requires --verbose")
    session = build_session(options, agent, agents, schema, prompt, session_id)
    if not session.model.startswith("claude-"):
        notes.append(f'[claude-code:unrecognized_model] {{"model":"{session.model}","query_source":"sdk"}}')
    return session, prompt


def check_setting_sources(value: Optional[str]) -> None:
    for source in (value or "").split(","):
        if source.strip() and source.strip() not in ("user", "project", "local"):
            raise Refusal(f"Error processing --setting-sources: Invalid setting source: {source.strip()}. "
                          "Valid options are: user, project, local")


def parse_schema(value: Optional[str]) -> Optional[Any]:
    if value is None:
        return None
    try:
        schema = json.loads(value)
    except ValueError as error:
        raise Refusal(f"Error: --json-schema is not valid JSON: {error}") from None
    import jsonschema

    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as error:
        raise Refusal(f"Error: --json-schema is not a valid JSON Schema: {error.message}") from None
    return schema


def effort_warning(effort: Optional[str]) -> List[str]:
    if effort is None or effort in EFFORTS:
        return []
    return [f"Warning: Unknown --effort value '{effort}' \u2014 ignoring it and using the default effort. "
            f"Valid values: {', '.join(EFFORTS)}."]


def lost_prompt_note(options: Options) -> List[str]:
    """The real CLI's hint when a variadic option swallowed what looks like the prompt."""
    for key in ("tools", "allowed-tools", "disallowed-tools", "add-dir", "mcp-config", "betas", "file"):
        values = options.items(key)
        if len(values) > 1 and re.search(r"\s", values[-1]):
            return [f'"{values[-1]}" was read as a value of --{key}, not as a prompt \u00b7 '
                    f"put a prompt before --{key} or after --"]
    return []


def build_session(options: Options, agent: Optional[Agent], agents: List[Agent], schema: Optional[Any],
                  prompt: str, session_id: Optional[str]) -> Session:
    definition = agent.definition if agent is not None else {}
    model = resolve_model(options.text("model") or definition.get("model"))
    mode = options.text("permission-mode") or "default"
    tools = effective_tools(options, definition, schema is not None)
    echo = {"argv": sys.argv[1:], "prompt": prompt, "agent": agent.name if agent else None,
            "agent_source": agent.source if agent else None, "agent_definition": definition or None,
            "model": model, "tools": tools, "allowed_tools": split_tools(options.items("allowed-tools")),
            "disallowed_tools": split_tools(options.items("disallowed-tools")),
            "permission_mode": "default" if mode == "manual" else mode,
            "max_turns": number_option(options, "max-turns"),
            "max_budget_usd": number_option(options, "max-budget-usd"),
            "json_schema": schema, "append_system_prompt": options.text("append-system-prompt"),
            "system_prompt": options.text("system-prompt"), "plugin_dirs": options.items("plugin-dir"),
            "session_persistence": not options.get("no-session-persistence")}
    return Session(session_id or str(uuid.uuid4()), model, os.getcwd(), tools, "default" if mode == "manual" else mode,
                   sorted({known.name for known in agents}, key=str.lower), echo, schema is not None)


def split_tools(values: List[str]) -> List[str]:
    """Tool lists are comma- or space-separated inside each argument; a rule's parentheses stay whole."""
    return [name for value in values for name in re.findall(r"[^\s,(]+(?:\([^)]*\))?", value)]


def effective_tools(options: Options, definition: Dict[str, Any], structured: bool) -> List[str]:
    """The tools the session offers, as the real CLI lists them in its init message (observed):
    `--tools` names sorted with Task first; an agent's `tools` in the registry order, with Grep and Glob
    dropped when Bash is there; rules keep only the tool name; Agent is Task; unknown names vanish."""
    if "tools" in options.values:
        given = split_tools(options.items("tools"))
        by_name = sorted(_known(given), key=lambda tool: (tool != "Task", tool))
        names = DEFAULT_TOOLS if given == ["default"] else by_name
    elif definition.get("tools"):
        listed = definition["tools"]
        given = split_tools(listed if isinstance(listed, list) else [str(listed)])
        names = sorted(_known(given), key=AGENT_ORDER.index)
        if "Bash" in names:
            names = [name for name in names if name not in ("Grep", "Glob")]
    else:
        names = list(DEFAULT_TOOLS)
    denied = set(split_tools(options.items("disallowed-tools")))
    return [tool for tool in names if tool not in denied] + (["StructuredOutput"] if structured else [])


def _known(names: List[str]) -> List[str]:
    return list(dict.fromkeys(ALIASES.get(bare, bare) for bare in (name.split("(")[0] for name in names)
                              if ALIASES.get(bare, bare) in KNOWN_TOOLS))


def number_option(options: Options, key: str) -> Optional[float]:
    text = options.text(key)
    return js_number(text) if text is not None else None


def run(session: Session, prompt: str, options: Options, stderr_lines: List[str], started: float) -> int:
    outcome, effects = steer(prompt, session.echo["max_turns"], session.echo["max_budget_usd"])
    stderr_lines.extend(effects.stderr)
    if effects.exit_code is not None:
        return effects.exit_code
    if effects.garbage:
        print("this is not json")
        return 0
    duration_ms = int((time.monotonic() - started) * 1000)
    output_format = options.text("output-format") or "text"
    sys.stdout.write(render(session, outcome, output_format, bool(options.get("verbose")), duration_ms))
    sys.stdout.flush()
    return 1 if outcome.is_error else 0


def _record(record: Dict[str, Any], stderr_lines: List[str]) -> None:
    path = os.environ.get("FAKE_CLAUDE_RECORD")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({**record, "stderr": "\n".join(stderr_lines)}) + "\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
