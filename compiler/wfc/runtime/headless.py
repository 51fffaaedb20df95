"""An agent attempt through Claude Code headless (`claude -p`), read the way the real CLI answers.

The facts come from Claude Code 2.1.332 (../shared/claude-code/REFERENCE.md, tests/claude/):

- The prompt goes on stdin, never in argv: as an argument a prompt starting with `-` is read as an
  option, and Linux caps one argument at 128 KiB.
- The CLI exits 1 whenever the result has `is_error`, AFTER printing the result JSON on stdout, so
  stdout is read whatever the exit status. `--output-format json` prints one result object; with
  `--verbose` it prints an array of every message, the result last.
- Error subtypes (`error_max_turns`, `error_max_budget_usd`, ...) carry `errors` and no `result`.
- A tool use the permission mode does not allow is denied without asking, listed in
  `permission_denials`, and the run can still end `success`: wfc fails such an attempt, since the
  step did not do what it was asked.
- Options and agents are checked before any request: an unknown option or agent is a message on
  stderr, exit 1, nothing on stdout.

Whether a failure is worth retrying is decided here: a limit the step set (turns, budget), an
argument the CLI refused, a missing login or a denied tool fail the same way every time, so they
are permanent; an overloaded or unreachable API, a rate limit or a crash mid-run are retried under
the step's `retry`.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from wfc.model import AgentDefinition, Step
from wfc.runtime.step_logs import output_tails, tail

ERROR_TEXT_LIMIT = 1000
# Subtypes that end a run at a limit the step itself set: the same run ends there again.
LIMIT_SUBTYPES = {"error_max_turns": "the step's `max_turns`", "error_max_budget_usd": "its budget (`max_cost`)"}
# HTTP statuses of API errors that a later try can get past; others (400, 401, 403, 404) cannot.
TRANSIENT_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
TRANSIENT_API_ERRORS = frozenset({"connection_failed", "timeout"})
# What the CLI prints on stderr when it refuses its arguments before any request: commander's
# `error: ...`, its own checks' `Error: ...` / `Error processing ...`, the agent lookup, root's refusal
# of bypassPermissions. (A run that got as far as a request prints a result on stdout instead.)
REFUSALS = re.compile(r"^(error: |Error: |Error processing |--agent '.*' not found|--dangerously-skip-permissions)",
                      re.M)
UNKNOWN_AGENT = re.compile(r"^--agent '(.*)' not found", re.M)
NOT_LOGGED_IN = "Not logged in"


@dataclass(frozen=True)
class Denial:
    """A tool use the permission mode refused: the tool and what it was asked to do."""

    tool: str
    target: str

    def describe(self) -> str:
        return f"{self.tool} {self.target}".rstrip()


@dataclass(frozen=True)
class AgentReply:
    """One attempt read back: whether it did its work, its text or what went wrong, and its spend.

    `record` is what the journal's `agent_attempt` event carries (session id, model, subtype,
    turns, tokens, cost, denials), empty when the CLI printed no result."""

    ok: bool
    value: Any = None
    error: str = ""
    permanent: bool = False
    said: Optional[str] = None  # the result text, for the step's logs (also when the attempt failed)
    record: Mapping[str, Any] = field(default_factory=dict)


def claude_argv(program: Sequence[str], step: Step, definition: Optional[AgentDefinition],
                max_budget_usd: Optional[float] = None) -> List[str]:
    """The CLI call for one attempt of an agent step; the prompt goes on stdin.

    A workflow's own agent goes along as `--agents` JSON, so it resolves wherever wfc runs; any
    other name must be a built-in or a definition Claude Code finds itself (`.claude/agents/`).
    A step's `tools` both restrict (`--tools`, bare names) and pre-approve (`--allowedTools`, the
    rules as written). Each list is one comma-separated argument: these options are variadic."""
    argv = [*program, "-p", "--output-format", "json"]
    if definition is not None:
        argv += ["--agents", json.dumps({definition.name: definition.claude_fields()}, separators=(",", ":"))]
    if step.agent:
        argv += ["--agent", step.agent]
    if step.model:
        argv += ["--model", step.model]
    if step.permission_mode:
        argv += ["--permission-mode", step.permission_mode]
    if step.tools:
        bare = dict.fromkeys(tool.split("(", 1)[0] for tool in step.tools)
        argv += ["--tools", ",".join(bare), "--allowedTools", ",".join(step.tools)]
    if step.max_turns is not None:
        argv += ["--max-turns", str(step.max_turns)]
    if max_budget_usd is not None:
        argv += ["--max-budget-usd", f"{max_budget_usd:.6g}"]
    return argv


def read_reply(code: int, out: str, err: str) -> AgentReply:
    """What a finished CLI run means, from its stdout first (its exit status only says is_error)."""
    result = result_message(out)
    if result is None:
        return _no_result(code, out, err)
    record = attempt_record(result)
    said = result.get("result") if isinstance(result.get("result"), str) else None
    if result.get("is_error") or result.get("subtype", "success") != "success":
        error, permanent = error_text(result)
        return AgentReply(False, error=error, permanent=permanent, said=said, record=record)
    denials = denials_of(result)
    if denials:
        named = "; ".join(denial.describe() for denial in denials)
        return AgentReply(False, error=f"agent was denied {len(denials)} tool use(s): {_clip(named)} (pre-approve "
                          "them in the step's `tools`, or set its `permission_mode`)",
                          permanent=True, said=said, record=record)
    return AgentReply(True, value=result.get("result", ""), said=said, record=record)


def result_message(out: str) -> Optional[Dict[str, Any]]:
    """The `type: result` message: the object `json` prints, the last of the `--verbose` array,
    or the last line of `stream-json` that is one."""
    text = out.strip()
    if not text:
        return None
    try:
        candidates: List[Any] = [json.loads(text)]
    except ValueError:
        candidates = [_json_line(line) for line in text.splitlines()]
    if len(candidates) == 1 and isinstance(candidates[0], list):
        candidates = candidates[0]
    results = [item for item in candidates if isinstance(item, dict) and item.get("type") == "result"]
    if results:
        return results[-1]
    only = candidates[0] if len(candidates) == 1 else None
    return only if isinstance(only, dict) and ("result" in only or "is_error" in only) else None


def _json_line(line: str) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return None


def _no_result(code: int, out: str, err: str) -> AgentReply:
    if code == 0:
        return AgentReply(False, error=f"agent printed no JSON result: {tail(out, 300) or '(nothing)'}")
    refused = REFUSALS.search(err)
    unknown = UNKNOWN_AGENT.search(err)
    if unknown:
        hint = (f" (define it under the workflow's `agents:`, or in .claude/agents/{unknown.group(1)}.md)")
    else:
        hint = " (the Claude Code CLI refused wfc's arguments: check that `claude --version` is 2.1.332 or newer)" \
            if refused else ""
    return AgentReply(False, error=f"agent exited with status {code}{output_tails(out, err)}{hint}",
                      permanent=bool(refused))


def error_text(result: Mapping[str, Any]) -> Tuple[str, bool]:
    """The step's error for a result that failed, and whether retrying is pointless."""
    subtype = str(result.get("subtype") or "success")
    errors = [str(item) for item in result.get("errors") or [] if str(item).strip()]
    text = "; ".join(errors) or str(result.get("result") or "").strip() or "(no error text)"
    if subtype in LIMIT_SUBTYPES:
        return f"agent stopped at {LIMIT_SUBTYPES[subtype]} ({subtype}): {_clip(text)}", True
    if subtype != "success":
        return f"agent failed ({subtype}): {_clip(text)}", False
    status = result.get("api_error_status")
    transient = status in TRANSIENT_STATUSES or result.get("api_error") in TRANSIENT_API_ERRORS
    permanent = not transient and (isinstance(status, int) or text.startswith(NOT_LOGGED_IN))
    return f"agent reported an error: {_clip(text)}", permanent


def denials_of(result: Mapping[str, Any]) -> List[Denial]:
    found = []
    for entry in result.get("permission_denials") or []:
        if not isinstance(entry, dict):
            continue
        asked = entry.get("tool_input")
        given: Dict[str, Any] = asked if isinstance(asked, dict) else {}
        target = next((str(given[key]) for key in ("file_path", "command", "notebook_path", "url", "pattern")
                       if key in given), "")
        found.append(Denial(str(entry.get("tool_name") or "?"), target))
    return found


def attempt_record(result: Mapping[str, Any]) -> Dict[str, Any]:
    """The spend of one attempt: tokens from `modelUsage` (which counts subagents too), summed over
    its models; the cost Claude Code estimated; what it was denied."""
    usage = result.get("modelUsage")
    models = {name: entry for name, entry in (usage if isinstance(usage, dict) else {}).items()
              if isinstance(entry, dict)}
    tokens = {name: sum(_count(entry.get(key)) for entry in models.values()) for name, key in TOKEN_FIELDS.items()}
    record: Dict[str, Any] = {
        "session_id": result.get("session_id"), "model": ",".join(models) or None,
        "subtype": result.get("subtype"), "is_error": bool(result.get("is_error")),
        "num_turns": result.get("num_turns"), "duration_ms": result.get("duration_ms"),
        "cost_usd": _money(result.get("total_cost_usd")), **tokens,
        "denials": [denial.describe() for denial in denials_of(result)],
    }
    return {key: value for key, value in record.items() if value is not None}


TOKEN_FIELDS = {"tokens_in": "inputTokens", "tokens_out": "outputTokens", "tokens_cache_read": "cacheReadInputTokens",
                "tokens_cache_write": "cacheCreationInputTokens"}


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _money(value: Any) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        return None
    return float(value)


def _clip(text: str) -> str:
    text = text.strip()
    return text if len(text) <= ERROR_TEXT_LIMIT else text[:ERROR_TEXT_LIMIT] + "..."
