"""Agent steps through the headless executor, against tests/fake_claude.py (the real CLI's options,
output shapes and exit statuses; tests/claude/test_claude_contract.py holds it to the real binary).

Every path of `wfc.runtime.headless`: the prompt on stdin, the argv, a result read whatever the exit
status (object or `--verbose` array), error subtypes and their `errors`, denials, and which failures
are retried under the step's `retry` and which are not."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from runtime_support import FAKE_CLAUDE, Workspace
from wfc.runtime.step_logs import read_log

ON_BOTH_BACKENDS = True  # each `ws` test runs on threads and on an in-process Dask cluster

HEAD = """
    version: 1
    title: Agents
    description: d
    on_failure: {keep_going: true}
    defaults: {retry: {attempts: 3}}
"""


def recorded(path: Path) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def record(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fake appends what it was given (argv, prompt, agent, ...) to this file, one run a line."""
    path = ws.root / "fake-claude.jsonl"
    monkeypatch.setenv("FAKE_CLAUDE_RECORD", str(path))
    return path


def attempts(ws: Workspace, result: Any) -> Dict[str, int]:
    return {step: outcome.attempts for step, outcome in result.outcomes.items()}


def test_the_prompt_goes_on_stdin_whatever_it_holds(ws: Workspace, record: Path) -> None:
    big = "x" * 140_000  # over Linux's 128 KiB limit for one argument
    plan = ws.plan(HEAD + f"""
    context:
      dash: {{description: d}}
      big: {{description: b}}
    steps:
      dash: {{title: Dash, prompt: "-x looks like an option", outputs: [dash]}}
      big: {{title: Big, prompt: "{big}", outputs: [big]}}
    """)
    result = ws.run(plan, agent_command=FAKE_CLAUDE)
    assert result.status == "succeeded"
    assert result.outputs == {"dash": "-x looks like an option", "big": big}
    runs = sorted(recorded(record), key=lambda run: len(run["echo"]["prompt"]))
    assert [run["argv"] for run in runs] == [["-p", "--output-format", "json"]] * 2


def test_the_argv_carries_the_workflows_agent_and_the_steps_limits(ws: Workspace, record: Path) -> None:
    plan = ws.plan(HEAD + """
    agents:
      reviewer:
        description: Reviews diffs
        tools: [Read, Grep, Bash]
        model: haiku
        prompt: You review diffs.
    steps:
      review:
        title: Review
        agent: reviewer
        model: sonnet
        tools: [Read, "Bash(git diff *)"]
        permission_mode: acceptEdits
        max_turns: 4
        prompt: Review the diff
    """)
    assert ws.run(plan, agent_command=FAKE_CLAUDE).status == "succeeded"
    [run] = recorded(record)
    definition = {"description": "Reviews diffs", "tools": ["Read", "Grep", "Bash"], "model": "haiku",
                  "prompt": "You review diffs."}
    assert run["argv"] == [
        "-p", "--output-format", "json", "--agents", json.dumps({"reviewer": definition}, separators=(",", ":")),
        "--agent", "reviewer", "--model", "sonnet", "--permission-mode", "acceptEdits", "--tools", "Read,Bash",
        "--allowedTools", "Read,Bash(git diff *)", "--max-turns", "4"]
    echo = run["echo"]
    assert (echo["agent"], echo["agent_source"], echo["model"], echo["tools"], echo["allowed_tools"]) == (
        "reviewer", "flag", "claude-sonnet-5-5", ["Bash", "Read"], ["Read", "Bash(git diff *)"])
    assert (echo["permission_mode"], echo["max_turns"], echo["prompt"]) == ("acceptEdits", 4, "Review the diff")


def test_a_project_agent_is_named_and_an_unknown_one_fails_once(ws: Workspace) -> None:
    agents = ws.root / ".claude" / "agents"
    agents.mkdir(parents=True)
    (agents / "mapper.md").write_text("---\nname: mapper\ndescription: Maps code\n---\nYou map code.\n")
    plan = ws.plan(HEAD + """
    steps:
      mapped: {title: Map, agent: mapper, prompt: map it}
      lost: {title: Lost, agent: codebase-analyzer, prompt: analyze it}
    """)
    result = ws.run(plan, agent_command=FAKE_CLAUDE)
    assert result.outcomes["mapped"].status == "finished"
    assert result.outcomes["lost"].error == (
        "agent exited with status 1: --agent 'codebase-analyzer' not found. Available agents: claude, Explore, "
        "general-purpose, mapper, Plan, statusline-setup (define it under the workflow's `agents:`, or in "
        ".claude/agents/codebase-analyzer.md)")
    assert attempts(ws, result)["lost"] == 1  # the same argv fails the same way: not retried


def failures(ws: Workspace, steps: str) -> Dict[str, Tuple[str, int]]:
    """Each step's (error, attempts made) when the workflow with these steps runs on the fake."""
    result = ws.run(ws.plan(HEAD + "    steps:\n" + steps), agent_command=FAKE_CLAUDE)
    return {step: (outcome.error, outcome.attempts) for step, outcome in result.outcomes.items()}


def test_a_result_is_read_whatever_the_exit_status_and_transient_errors_are_retried(ws: Workspace) -> None:
    assert failures(ws, """
      failed: {title: Failed, prompt: "fake-claude: fail the tests did not pass"}
      overloaded: {title: Overloaded, prompt: "fake-claude: api-error overloaded"}
      limited: {title: Limited, prompt: "fake-claude: api-error rate_limit"}
      offline: {title: Offline, prompt: "fake-claude: api-error network"}
      retries: {title: Retries, prompt: "fake-claude: subtype error_max_structured_output_retries"}
    """) == {
        "failed": ("agent failed (error_during_execution): the tests did not pass", 3),
        "overloaded": ("agent reported an error: API Error: 529 Overloaded. This is a server-side issue, usually "
                       "temporary \u2014 try again in a moment.", 3),
        "limited": ("agent reported an error: API Error: Request rejected (429) \u00b7 Rate limited", 3),
        "offline": ("agent reported an error: API Error: Can't reach the API server \u2014 check your internet or "
                    "DNS (EAI_AGAIN)", 3),
        "retries": ("agent failed (error_max_structured_output_retries): Failed to provide valid structured output "
                    "after 5 attempts", 3),
    }


def test_limits_and_a_missing_login_are_not_retried(ws: Workspace) -> None:
    assert failures(ws, """
      turns: {title: Turns, prompt: "fake-claude: turns 9", max_turns: 2}
      budget: {title: Budget, prompt: "fake-claude: subtype error_max_budget_usd Reached maximum budget ($1)"}
      login: {title: Login, prompt: "fake-claude: api-error not-logged-in"}
      invalid: {title: Invalid, prompt: "fake-claude: api-error invalid_request"}
    """) == {
        "turns": ("agent stopped at the step's `max_turns` (error_max_turns): Reached maximum number of turns (2)", 1),
        "budget": ("agent stopped at its budget (`max_cost`) (error_max_budget_usd): Reached maximum budget ($1)", 1),
        "login": ("agent reported an error: Not logged in \u00b7 Please run /login", 1),
        "invalid": ("agent reported an error: API Error: 400 Invalid request", 1),
    }


def test_an_option_the_cli_refuses_fails_once_with_its_message(ws: Workspace) -> None:
    plan = ws.plan(HEAD + "    steps:\n      ask: {title: Ask, prompt: hi}\n")
    result = ws.run(plan, agent_command=f"{FAKE_CLAUDE} --frob")
    assert result.outcomes["ask"].error == (
        "agent exited with status 1: error: unknown option '--frob' (the Claude Code CLI "
        "refused wfc's arguments: check that `claude --version` is 2.1.332 or newer)")
    assert result.outcomes["ask"].attempts == 1


def test_the_verbose_array_is_read_too(ws: Workspace) -> None:
    plan = ws.plan(HEAD + """
    context:
      said: {description: s}
    steps:
      ask: {title: Ask, prompt: "fake-claude: result all good", outputs: [said]}
      fails: {title: Fails, prompt: "fake-claude: fail nope"}
    """)
    result = ws.run(plan, agent_command=f"{FAKE_CLAUDE} --verbose")
    assert result.outputs == {"said": "all good"}
    assert result.outcomes["fails"].error == "agent failed (error_during_execution): nope"


def test_denied_tool_uses_fail_the_attempt_and_name_the_tools(ws: Workspace) -> None:
    plan = ws.plan(HEAD + """
    steps:
      write: {title: Write, prompt: "fake-claude: deny Write notes/out.md\\nfake-claude: deny Bash rm -rf build"}
    """)
    result = ws.run(plan, agent_command=FAKE_CLAUDE)
    assert result.outcomes["write"].error == (
        f"agent was denied 2 tool use(s): Write {ws.root}/notes/out.md; Bash rm -rf build (pre-approve them in the "
        "step's `tools`, or set its `permission_mode`)")
    assert result.outcomes["write"].attempts == 1  # the same permissions are denied again


def test_a_failed_attempts_result_is_kept_in_its_logs(ws: Workspace) -> None:
    plan = ws.plan(HEAD + """
    steps:
      busy: {title: Busy, prompt: "fake-claude: api-error overloaded", retry: {attempts: 1}}
    """)
    result = ws.run(plan, agent_command=FAKE_CLAUDE)
    assert result.run_dir is not None
    [kept] = read_log(result.run_dir)
    streams = {stream.name: stream.text for stream in kept.streams}
    assert (kept.step, kept.ok, streams["result"]) == ("busy", False, (
        "API Error: 529 Overloaded. This is a server-side issue, usually temporary \u2014 try again in a moment."))
    assert json.loads(streams["stdout"])["is_error"] is True
