"""The contract: tests/fake_claude.py shows what the real Claude Code 2.1.332 shows, scenario by scenario.

Each scenario runs on the real binary (offline, or against the stub Messages API where the real CLI needs
a model to get that far) and on the fake (steered by `fake-claude:` directives to the same end), and the
observable outcome must be the same: exit status, stderr, stdout when it is not JSON, and the result's
shape and values that do not depend on timing or ids.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Tuple

import pytest

from claude_support import UNREACHABLE_API, ClaudeCli, CliRun, Job, RunCache, run_jobs
from test_claude_api import JOBS as API_JOBS

JSON = ("-p", "--output-format", "json")
STREAM = ("-p", "--output-format", "stream-json", "--verbose")
AGENT_FILES = {".claude/agents/rev.md": "---\nname: rev\ndescription: Reviews\ntools: Read, Grep\nmodel: haiku\n"
                                        "---\nx\n",
               ".claude/agents/team/lead.md": "---\nname: lead\ndescription: Leads\n---\nx\n",
               "plugins/wfc/.claude-plugin/plugin.json": '{"name": "wfc"}',
               "plugins/wfc/agents/checker.md": "---\nname: checker\ndescription: Checks\n---\nx\n"}
@dataclass(frozen=True)
class Scenario:
    argv: Tuple[str, ...]
    directives: Tuple[str, ...] = ()  # the fake's steering, appended to its prompt
    files: Mapping[str, str] = field(default_factory=dict)
    api: Optional[Tuple[Mapping[str, Any], ...]] = None  # the real CLI's stub API script
    env: Mapping[str, str] = field(default_factory=dict)  # the real CLI's environment
    stdin: str = "hi"
    # stderr the two phrase differently (a JSON parser's own message): compared up to this prefix
    stderr_prefix: Optional[str] = None
    # result text that depends on how the network failed: compared up to this prefix
    text_prefix: Optional[str] = None


SCENARIOS: Dict[str, Scenario] = {
    "unknown option": Scenario(("-p", "--frobnicate")),
    "unknown option with a suggestion": Scenario(("-p", "--allowed-tool", "Read")),
    "prompt starting with a dash": Scenario(("-p", "-x hello")),
    "missing value": Scenario(("-p", "--agent")),
    "invalid choice": Scenario(("-p", "--permission-mode", "sideways")),
    "bad choice before unknown option": Scenario(("-p", "--output-format", "xml", "--frob")),
    "max turns not a number": Scenario(("-p", "--max-turns", "x")),
    "budget not positive": Scenario(("-p", "--max-budget-usd", "-1")),
    "stream-json without verbose": Scenario(("-p", "--output-format", "stream-json")),
    "no input": Scenario(("-p",), stdin=""),
    "prompt swallowed by --tools": Scenario(("-p", "--tools", "Read", "say hi"), stdin=""),
    "invalid session id": Scenario(("-p", "--session-id", "x", "--agents", "{}")),
    "invalid setting source": Scenario(("-p", "--setting-sources", "user,frob")),
    "agents JSON not parsable": Scenario(("-p", "--agents", "{bad", "--agent", "rev"),
                                         stderr_prefix="Error: Invalid --agents configuration:\ninvalid JSON: "),
    "agents JSON wrong shape": Scenario(("-p", "--agents", '{"rev":{"prompt":"p","maxTurns":0}}', "--agent", "rev")),
    "agents file missing": Scenario(("-p", "--agents", "missing.json", "--agent", "rev")),
    "json schema not parsable": Scenario(("-p", "--json-schema", "{bad"),
                                         stderr_prefix="Error: --json-schema is not valid JSON: "),
    "undefined agent": Scenario((*JSON, "--agent", "codebase-analyzer")),
    "undefined agent among project, plugin and inline agents": Scenario(
        (*JSON, "--plugin-dir", "plugins", "--agents", '{"inline":{"description":"d","prompt":"p"}}',
         "--agent", "nope"), files=AGENT_FILES),
    "defined agent, offline": Scenario((*JSON, "--agent", "rev"), ("api-error not-logged-in",), AGENT_FILES),
    "built-in agent, offline, text": Scenario(("-p", "--agent", "Plan"), ("api-error not-logged-in",)),
    "plugin agent by its last segment, stream-json": Scenario(
        (*STREAM, "--plugin-dir", "plugins", "--agent", "checker", "--tools", "Read,Grep"),
        ("api-error not-logged-in",), AGENT_FILES),
    "agent tools and model, verbose": Scenario(
        ("-p", "--output-format", "json", "--verbose", "--agent", "rev", "--permission-mode", "plan"),
        ("api-error not-logged-in",), AGENT_FILES),
    "unreachable API": Scenario(JSON, ("api-error network",), env=UNREACHABLE_API, text_prefix="API Error: "),
    # the same real runs as test_claude_api's, so each runs once per session
    "success": Scenario(JSON, ("result all done", "tokens 1000 200 300 40"), api=API_JOBS["success"].api),
    "denied write": Scenario(JSON, ("result could not write", "turns 2", "deny Write out.txt"),
                             api=API_JOBS["denied"].api),
    "max turns": Scenario(API_JOBS["max-turns"].argv, ("turns 3",), api=API_JOBS["max-turns"].api),
    "max turns, text": Scenario(API_JOBS["max-turns-text"].argv, ("turns 3",), api=API_JOBS["max-turns-text"].api),
    "budget": Scenario(API_JOBS["budget"].argv, ("cost 1.4",), api=API_JOBS["budget"].api),
    "structured output": Scenario(API_JOBS["structured"].argv, ('structured {"n": "forty-two"}',),
                                  api=API_JOBS["structured"].api),
    "overloaded": Scenario(JSON, ("api-error overloaded",), api=API_JOBS["status-529"].api),
    "rate limited": Scenario(JSON, ("api-error rate_limit",), api=API_JOBS["status-429"].api),
}
RESULT_FIELDS = ("type", "subtype", "is_error", "errors", "num_turns", "stop_reason", "terminal_reason",
                 "api_error_status", "api_error", "api_error_type", "structured_output")


def observable(done: CliRun, scenario: Scenario) -> Dict[str, Any]:
    """What a caller of the CLI relies on, without ids, timings or a custom API address."""
    seen: Dict[str, Any] = {"exit": done.returncode, "stderr": done.stderr.replace(str(done.cwd), "<cwd>")}
    if scenario.stderr_prefix is not None:
        assert done.stderr.startswith(scenario.stderr_prefix), done.stderr
        seen["stderr"] = scenario.stderr_prefix
    stripped = done.stdout.strip()
    if not stripped.startswith(("{", "[")):
        seen["stdout"] = done.stdout
        return seen
    messages = done.messages()
    seen["messages"] = [(message["type"], message.get("subtype")) for message in messages]
    init = next((message for message in messages if message.get("subtype") == "init"), None)
    if init is not None:
        seen["init"] = {key: init[key] for key in ("model", "permissionMode", "tools", "agents")}
    result = done.result()
    seen["result"] = {key: result.get(key) for key in RESULT_FIELDS}
    seen["text"] = result.get("result", "").split(" If it persists, check your inference gateway")[0]
    if scenario.text_prefix is not None:
        assert seen["text"].startswith(scenario.text_prefix), seen["text"]
        seen["text"] = scenario.text_prefix
    seen["keys"] = sorted(set(result) - {"fake_claude", "ttft_ms", "ttft_stream_ms", "time_to_request_ms",
                                         "first_content_frame_ms", "model_usage_since_last_result"})
    seen["denials"] = [(denial["tool_name"], denial["tool_input"]["file_path"].replace(str(done.cwd), "<cwd>"))
                       for denial in result["permission_denials"]]
    seen["usage"] = {model: sorted(entry) for model, entry in result["modelUsage"].items()}
    return seen


@pytest.fixture(scope="module")
def outcomes(real_runs: RunCache, fake_claude: ClaudeCli,
             tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Tuple[CliRun, CliRun]]:
    real_jobs = {name: Job(s.argv, s.stdin, s.files, s.env, s.api) for name, s in SCENARIOS.items()}
    fake_jobs = {name: Job(s.argv, fake_prompt(s), s.files) for name, s in SCENARIOS.items()}
    real = real_runs.run(real_jobs)
    fake = run_jobs(fake_claude, fake_jobs, tmp_path_factory.mktemp("fake"))
    return {name: (real[name], fake[name]) for name in SCENARIOS}


def fake_prompt(scenario: Scenario) -> str:
    lines = [scenario.stdin] if scenario.stdin else []
    return "\n".join(lines + [f"fake-claude: {directive}" for directive in scenario.directives])


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_fake_shows_what_the_real_cli_shows(outcomes: Dict[str, Tuple[CliRun, CliRun]], name: str) -> None:
    real, fake = outcomes[name]
    scenario = SCENARIOS[name]
    assert observable(fake, scenario) == observable(real, scenario)


def test_scenarios_cover_every_result_subtype_and_both_exit_paths(outcomes: Dict[str, Tuple[CliRun, CliRun]]
                                                                   ) -> None:
    subtypes = set()
    for real, _ in outcomes.values():
        if real.stdout.strip().startswith("{"):
            subtypes.add((real.result()["subtype"], real.result()["is_error"], real.returncode))
    assert {("success", False, 0), ("success", True, 1), ("error_max_turns", True, 1),
            ("error_max_budget_usd", True, 1)} <= subtypes
