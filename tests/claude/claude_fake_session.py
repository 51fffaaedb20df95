"""The fake CLI's session: what a headless run prints, shaped field by field like the real 2.1.332's output.

The shapes come from the real binary (offline, and against tests/claude/claude_stub_api.py): a result carries
duration_ms, duration_api_ms, num_turns, stop_reason, total_cost_usd, usage, modelUsage (per model:
inputTokens, outputTokens, cacheReadInputTokens, cacheCreationInputTokens, webSearchRequests, costUSD,
contextWindow, maxOutputTokens, ...), permission_denials ({tool_name, tool_use_id, tool_input}),
terminal_reason, session_id, uuid and either `result` (subtype success, also when an API error made
is_error true) or `errors` (error_* subtypes); `structured_output` when --json-schema was given.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

MODEL_ALIASES = {"opus": "claude-opus-5-5", "sonnet": "claude-sonnet-5-5", "haiku": "claude-haiku-5-5",
                 "fable": "claude-fable-5-2"}
DEFAULT_MODEL = "claude-opus-5-5"
SERVER_ISSUE = "This is a server-side issue, usually temporary \u2014 try again in a moment."
# kind: (HTTP status or None, api_error or None, assistant error, result text) -- the real CLI's texts
API_ERRORS = {
    "overloaded": (529, None, "server_error", f"API Error: 529 Overloaded. {SERVER_ISSUE}"),
    "server": (500, None, "server_error", f"API Error: 500 Internal server error. {SERVER_ISSUE}"),
    "rate_limit": (429, None, "rate_limit", "API Error: Request rejected (429) \u00b7 Rate limited"),
    "invalid_request": (400, None, "invalid_request", "API Error: 400 Invalid request"),
    "auth": (401, None, "authentication_failed", "Failed to authenticate. API Error: 401 Invalid API key"),
    "network": (None, "connection_failed", "unknown",
                "API Error: Can't reach the API server \u2014 check your internet or DNS (EAI_AGAIN)"),
    "not-logged-in": (None, None, "authentication_failed", "Not logged in \u00b7 Please run /login"),
}
# the response body's error.type, which the real result carries as api_error_type after an HTTP error
API_ERROR_TYPES = {529: "overloaded_error", 500: "api_error", 429: "rate_limit_error", 400: "invalid_request_error",
                   401: "authentication_error"}
ERROR_TEXTS = {"error_during_execution": "fake-claude: failed as asked",
               "error_max_structured_output_retries": "Failed to provide valid structured output after 5 attempts"}


@dataclass
class Outcome:
    """What the steered run did: its turns, spend, denials and how it ended."""

    result: str
    subtype: str = "success"
    errors: List[str] = field(default_factory=list)
    api_error: Optional[str] = None
    num_turns: int = 1
    cost: float = 0.0125
    tokens: List[int] = field(default_factory=lambda: [100, 50, 0, 0])
    extra_models: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    denials: List[Dict[str, Any]] = field(default_factory=list)
    structured: Any = None

    @property
    def is_error(self) -> bool:
        return self.subtype != "success" or self.api_error is not None


def resolve_model(name: Optional[str]) -> str:
    if not name or name in ("inherit", "default"):
        return DEFAULT_MODEL
    return MODEL_ALIASES.get(name, name)


def js_number_text(number: float) -> str:
    """A number as JavaScript prints it in a template string (1 -> "1", 0.01 -> "0.01")."""
    return str(int(number)) if number == int(number) else repr(number)


def zero_usage() -> Dict[str, Any]:
    return usage_block([0, 0, 0, 0])


def usage_block(tokens: List[int]) -> Dict[str, Any]:
    return {"input_tokens": tokens[0], "cache_creation_input_tokens": tokens[3],
            "cache_read_input_tokens": tokens[2], "output_tokens": tokens[1],
            "output_tokens_details": {"thinking_tokens": 0},
            "server_tool_use": {"web_search_requests": 0, "web_fetch_requests": 0}, "service_tier": "standard",
            "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0},
            "inference_geo": "", "iterations": [], "speed": "standard", "fallback_credit": None}


def model_usage_entry(model: str, tokens: List[int], cost: float) -> Dict[str, Any]:
    return {"inputTokens": tokens[0], "outputTokens": tokens[1], "cacheReadInputTokens": tokens[2],
            "cacheCreationInputTokens": tokens[3], "webSearchRequests": 0, "costUSD": cost,
            "contextWindow": 1000000, "maxOutputTokens": 128000, "thinkingTokens": 0,
            "cacheCreationEphemeral5mInputTokens": 0, "cacheCreationEphemeral1hInputTokens": 0,
            "canonicalModel": model, "provider": "firstParty", "costBasis": "list"}


def subagent_stats() -> Dict[str, Any]:
    return {"spawned": 0, "requested": {"background": 0, "foreground": 0, "unset": 0}, "started_in_background": 0,
            "max_depth": 0, "spawned_by_subagents": 0, "completed": 0, "failed": 0,
            "killed": {"parent": 0, "user": 0, "system": 0},
            "refused": {"depth_limit": 0, "concurrency_limit": 0, "budget": 0}, "by_type": {}}


@dataclass(frozen=True)
class Session:
    session_id: str
    model: str
    cwd: str
    tools: List[str]
    permission_mode: str
    agents: List[str]
    echo: Dict[str, Any]
    structured: bool


def result_message(session: Session, outcome: Outcome, duration_ms: int) -> Dict[str, Any]:
    """The final message, keys in the real CLI's order."""
    spent = outcome.api_error is None
    model_usage = {session.model: model_usage_entry(session.model, outcome.tokens, outcome.cost)} if spent else {}
    model_usage.update(outcome.extra_models if spent else {})
    total = sum(entry["costUSD"] for entry in model_usage.values())
    status, api_error, _, _ = API_ERRORS.get(outcome.api_error or "", (None, None, None, None))
    message: Dict[str, Any] = {
        "duration_api_ms": duration_ms if spent else 0, "stop_reason": _stop_reason(outcome),
        "session_id": session.session_id, "total_cost_usd": round(total, 6),
        "usage": usage_block(outcome.tokens) if spent else zero_usage(), "modelUsage": model_usage,
        "permission_denials": outcome.denials, "terminal_reason": _terminal_reason(outcome),
        "fast_mode_state": "off", "fast_mode_disabled_reason": "sdk_opt_in_required",
        "subagent_stats": subagent_stats(), "safety_stops": 0, "is_error": outcome.is_error,
        "num_turns": outcome.num_turns, "subtype": outcome.subtype}
    if outcome.subtype == "success":
        message["api_error_status"] = status
        if status is not None:
            message["api_error_type"] = API_ERROR_TYPES[status]
        if api_error is not None:
            message["api_error"] = api_error
        message["result"] = outcome.result
    else:
        message["errors"] = outcome.errors
    if session.structured and outcome.subtype == "success" and outcome.api_error is None:
        message["structured_output"] = outcome.structured
    message.update({"type": "result", "duration_ms": duration_ms, "uuid": str(uuid.uuid4()),
                    "queued_turn_count": 0, "result_index": 0, "fake_claude": session.echo})
    return message


def _stop_reason(outcome: Outcome) -> Optional[str]:
    """As observed: a run ended by an API error stops on a stop sequence; one ended on a tool call (the
    turn limit, the StructuredOutput call) on tool_use."""
    if outcome.api_error is not None:
        return "stop_sequence"
    ended_on_a_tool = outcome.subtype == "error_max_turns" or outcome.structured is not None
    return "tool_use" if ended_on_a_tool else "end_turn"


def _terminal_reason(outcome: Outcome) -> str:
    return {"error_max_turns": "max_turns", "error_max_budget_usd": "budget_exhausted",
            "error_max_structured_output_retries": "structured_output_retry_exhausted",
            "error_during_execution": "model_error"}.get(outcome.subtype,
                                                          "api_error" if outcome.api_error else "completed")


def init_message(session: Session) -> Dict[str, Any]:
    return {"type": "system", "subtype": "init", "cwd": session.cwd, "session_id": session.session_id,
            "tools": session.tools, "mcp_servers": [], "model": session.model,
            "permissionMode": session.permission_mode, "slash_commands": [], "apiKeySource": "none",
            "claude_code_version": "2.1.332", "output_style": "default", "agents": session.agents,
            "skills": [], "plugins": [], "uuid": str(uuid.uuid4())}


def assistant_message(session: Session, outcome: Outcome) -> Dict[str, Any]:
    text = outcome.result if outcome.subtype == "success" else "\n".join(outcome.errors)
    message: Dict[str, Any] = {
        "type": "assistant",
        "message": {"id": str(uuid.uuid4()), "type": "message", "role": "assistant",
                    "model": "<synthetic>" if outcome.api_error else session.model,
                    "content": [{"type": "text", "text": text}], "stop_reason": _stop_reason(outcome),
                    "stop_sequence": "" if outcome.api_error else None,
                    "usage": usage_block(outcome.tokens) if not outcome.api_error else zero_usage()},
        "parent_tool_use_id": None, "session_id": session.session_id, "uuid": str(uuid.uuid4())}
    if outcome.api_error:
        message["error"] = API_ERRORS[outcome.api_error][2]
        message["is_api_error_message"] = True
    return message


def render(session: Session, outcome: Outcome, output_format: str, verbose: bool, duration_ms: int) -> str:
    """stdout of the run in the requested format."""
    result = result_message(session, outcome, duration_ms)
    if output_format == "text":
        return text_output(outcome)
    if output_format == "json" and not verbose:
        return json.dumps(result, separators=(",", ":")) + "\n"
    messages = [init_message(session), assistant_message(session, outcome), result]
    if output_format == "json":
        return json.dumps(messages, separators=(",", ":")) + "\n"
    result["model_usage_since_last_result"] = result["modelUsage"]
    return "".join(json.dumps(message, separators=(",", ":")) + "\n" for message in messages)


def text_output(outcome: Outcome) -> str:
    """--output-format text: the result, or the real CLI's one-line summary of an error subtype."""
    if outcome.subtype == "success":
        return outcome.result if outcome.result.endswith("\n") else outcome.result + "\n"
    if outcome.subtype == "error_max_turns":
        turns = outcome.errors[0].rsplit("(", 1)[-1].rstrip(")") if outcome.errors else ""
        return f"Error: Reached max turns ({turns})"
    summaries = {"error_during_execution": "Execution error", "error_max_budget_usd": "Error: Exceeded USD budget"}
    return summaries.get(outcome.subtype, f"Error: {outcome.errors[0]}")
