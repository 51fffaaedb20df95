"""Whole headless sessions of the real Claude Code 2.1.332 against a scripted Messages API (claude_stub_api.py).

Offline the real CLI stops at "Not logged in"; with the stub answering on the network namespace's own
loopback it runs its real loop: tools, permission checks, turn and budget limits, structured output,
API errors. These are the result shapes tests/fake_claude.py reproduces.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Mapping, Sequence

import pytest

from claude_support import CliRun, Job, RunCache

ERROR_KEYS = ["duration_api_ms", "stop_reason", "session_id", "total_cost_usd", "usage", "modelUsage",
              "permission_denials", "terminal_reason", "fast_mode_state", "fast_mode_disabled_reason",
              "subagent_stats", "safety_stops", "is_error", "num_turns", "subtype", "errors", "type", "duration_ms",
              "uuid", "queued_turn_count", "result_index"]
MODEL_USAGE_KEYS = {"inputTokens", "outputTokens", "cacheReadInputTokens", "cacheCreationInputTokens",
                    "webSearchRequests", "costUSD", "contextWindow", "maxOutputTokens", "thinkingTokens",
                    "cacheCreationEphemeral5mInputTokens", "cacheCreationEphemeral1hInputTokens", "canonicalModel",
                    "provider", "costBasis"}


def text(answer: str, **extra: Any) -> Dict[str, Any]:
    return {"content": [{"type": "text", "text": answer}], **extra}


def tool(name: str, tool_input: Mapping[str, Any], number: int = 1) -> Dict[str, Any]:
    return {"content": [{"type": "tool_use", "id": f"toolu_{number}", "name": name, "input": dict(tool_input)}],
            "stop_reason": "tool_use"}


def job(api: Sequence[Mapping[str, Any]], *argv: str, output: str = "json", **kwargs: Any) -> Job:
    return Job(("-p", "--output-format", output, *argv), api=tuple(api), **kwargs)


USAGE = {"input_tokens": 1000, "output_tokens": 200, "cache_read_input_tokens": 300, "cache_creation_input_tokens": 40}
WRITE = {"file_path": "out.txt", "content": "x"}  # relative: inside the project, wherever that is
LOOP = [tool("Glob", {"pattern": "*"}, number) for number in (1, 2, 3)]
SCHEMA = '{"type":"object","properties":{"n":{"type":"string"}},"required":["n"]}'
SERVER_ISSUE = "This is a server-side issue, usually temporary \u2014 try again in a moment."
API_ERRORS = {
    529: ("overloaded_error", "Overloaded", f"API Error: 529 Overloaded. {SERVER_ISSUE}"),
    500: ("api_error", "Internal server error", f"API Error: 500 Internal server error. {SERVER_ISSUE}"),
    429: ("rate_limit_error", "Rate limited", "API Error: Request rejected (429) \u00b7 Rate limited"),
    401: ("authentication_error", "Invalid API key", "Failed to authenticate. API Error: 401 Invalid API key"),
}
OVERLOADED = {"status": 529, "error": "overloaded_error", "message": "Overloaded"}
REVIEWER = "---\nname: rev\ndescription: Reviews\ntools: Read, Grep\nmodel: haiku\n---\nYOU ARE THE REVIEWER.\n"
INLINE = '{"j":{"description":"d","prompt":"JSON AGENT PROMPT","tools":["Bash"],"model":"sonnet"}}'
JOBS = {
    "success": job([text("all done", usage=USAGE)]),
    "verbose": job([text("fine")], "--verbose"),
    "denied": job([tool("Write", WRITE), text("could not write")]),
    "accept-edits": job([tool("Write", WRITE), text("written")], "--permission-mode", "acceptEdits"),
    "max-turns": job(LOOP, "--max-turns", "1"),
    "max-turns-text": job(LOOP, "--max-turns", "1", output="text"),
    "budget": job([text("expensive", usage={"input_tokens": 100000, "output_tokens": 50000}), text("more")],
                  "--max-budget-usd", "0.01"),
    "structured": job([tool("StructuredOutput", {"n": "forty-two"}), text("done")], "--json-schema", SCHEMA),
    "retried": job([OVERLOADED, text("second try")], env={"CLAUDE_CODE_MAX_RETRIES": "1"}),
    "agent-file": job([text("ok")], "--agent", "rev", files={".claude/agents/rev.md": REVIEWER}),
    "agents-json": job([text("ok")], "--agents", INLINE, "--agent", "j", "--append-system-prompt", "APPENDED"),
    "tools": job([text("ok")], "--tools", "Read,Edit"),
    **{f"status-{status}": job([{"status": status, "error": kind, "message": message}])
       for status, (kind, message, _) in API_ERRORS.items()},
}


@pytest.fixture(scope="module")
def runs(real_runs: RunCache) -> Dict[str, CliRun]:
    return real_runs.run(JOBS)


def test_a_successful_run(runs: Dict[str, CliRun]) -> None:
    done = runs["success"]
    result = done.json()
    assert (done.returncode, done.stderr) == (0, "")
    assert {key: result[key] for key in ("type", "subtype", "is_error", "result", "num_turns", "stop_reason",
                                         "terminal_reason", "permission_denials", "api_error_status")} == {
        "type": "result", "subtype": "success", "is_error": False, "result": "all done", "num_turns": 1,
        "stop_reason": "end_turn", "terminal_reason": "completed", "permission_denials": [],
        "api_error_status": None}
    entry = result["modelUsage"]["claude-opus-5-5"]
    assert set(entry) == MODEL_USAGE_KEYS and list(result["modelUsage"]) == ["claude-opus-5-5"]
    assert [entry[key] for key in ("inputTokens", "outputTokens", "cacheReadInputTokens",
                                   "cacheCreationInputTokens")] == [1000, 200, 300, 40]
    assert entry["costUSD"] == result["total_cost_usd"] > 0
    assert [result["usage"][key] for key in ("input_tokens", "output_tokens", "cache_read_input_tokens",
                                             "cache_creation_input_tokens")] == [1000, 200, 300, 40]
    assert isinstance(result["duration_ms"], int) and isinstance(result["duration_api_ms"], int)


def test_verbose_json_of_a_successful_run(runs: Dict[str, CliRun]) -> None:
    messages = runs["verbose"].json()
    assert [(message["type"], message.get("subtype")) for message in messages] == \
        [("system", "init"), ("assistant", None), ("result", "success")]
    assert messages[1]["message"]["content"] == [{"type": "text", "text": "fine"}]


def test_a_denied_write_is_listed_and_the_run_still_succeeds(runs: Dict[str, CliRun]) -> None:
    done = runs["denied"]
    result = done.json()
    assert (done.returncode, result["subtype"], result["is_error"], result["result"], result["num_turns"]) == \
        (0, "success", False, "could not write", 2)
    denied_input = {**WRITE, "file_path": str(done.cwd / "out.txt")}  # the denial shows the path made absolute
    assert result["permission_denials"] == [{"tool_name": "Write", "tool_use_id": "toolu_1",
                                             "tool_input": denied_input}]
    assert not (done.cwd / "out.txt").exists()
    allowed = runs["accept-edits"]
    assert allowed.json()["permission_denials"] == [] and (allowed.cwd / "out.txt").read_text() == "x"


def test_max_turns_ends_in_an_error_subtype_with_errors_and_no_result(runs: Dict[str, CliRun]) -> None:
    done = runs["max-turns"]
    result = done.json()
    assert (done.returncode, list(result)) == (1, ERROR_KEYS)
    assert {key: result[key] for key in ("subtype", "is_error", "errors", "num_turns", "terminal_reason",
                                         "stop_reason")} == {
        "subtype": "error_max_turns", "is_error": True, "errors": ["Reached maximum number of turns (1)"],
        "num_turns": 2, "terminal_reason": "max_turns", "stop_reason": "tool_use"}
    assert result["modelUsage"]["claude-opus-5-5"]["inputTokens"] == 100  # spend is reported on errors too
    as_text = runs["max-turns-text"]
    assert (as_text.returncode, as_text.stdout, as_text.stderr) == (1, "Error: Reached max turns (1)", "")


def test_a_spent_budget_ends_in_error_max_budget_usd(runs: Dict[str, CliRun]) -> None:
    done = runs["budget"]
    result = done.json()
    assert (done.returncode, result["subtype"], result["errors"], result["terminal_reason"]) == \
        (1, "error_max_budget_usd", ["Reached maximum budget ($0.01)"], "budget_exhausted")
    assert result["total_cost_usd"] > 0.01 and "result" not in result


def test_structured_output(runs: Dict[str, CliRun]) -> None:
    done = runs["structured"]
    result = done.json()
    assert (done.returncode, result["subtype"], result["structured_output"], result["result"]) == \
        (0, "success", {"n": "forty-two"}, '{"n":"forty-two"}')


@pytest.mark.parametrize("status", list(API_ERRORS))
def test_api_errors_are_results_with_is_error_and_the_status(runs: Dict[str, CliRun], status: int) -> None:
    done = runs[f"status-{status}"]
    result = done.json()
    # With a custom API address the CLI adds a hint naming it; the real API gets the text without it.
    shown = re.sub(r" If it persists, check your inference gateway \(127\.0\.0\.1:\d+\)\.$", "", result["result"])
    assert (done.returncode, result["subtype"], result["is_error"], result["api_error_status"], shown,
            result["terminal_reason"], result["modelUsage"]) == \
        (1, "success", True, status, API_ERRORS[status][2], "api_error", {})


def test_an_overloaded_api_is_retried_while_retries_are_left(runs: Dict[str, CliRun]) -> None:
    done = runs["retried"]
    assert (done.returncode, done.json()["result"], len(done.api_requests())) == (0, "second try", 2)


def request_of(done: CliRun) -> Dict[str, Any]:
    requests = done.api_requests()
    assert len(requests) == 1
    return requests[0]


def tool_names(request: Mapping[str, Any]) -> List[str]:
    return [entry["name"] for entry in request["tools"] if entry["name"] != "DeferredToolPlaceholder"]


def test_agent_definitions_and_tool_limits_reach_the_api(runs: Dict[str, CliRun]) -> None:
    from_file = request_of(runs["agent-file"])
    assert (from_file["model"], tool_names(from_file)) == ("claude-haiku-5-5", ["Read", "Grep"])
    assert "YOU ARE THE REVIEWER." in json.dumps(from_file["system"])
    inline = request_of(runs["agents-json"])
    system = json.dumps(inline["system"])
    assert (inline["model"], tool_names(inline), "JSON AGENT PROMPT" in system, "APPENDED" in system) == \
        ("claude-sonnet-5-5", ["Bash"], True, True)
    assert tool_names(request_of(runs["tools"])) == ["Edit", "Read"]
