"""tests/fake_claude.py on its own: the steering directives, what it echoes, and how tests call it.

Its resemblance to the real CLI is test_claude_contract.py's job; these tests pin what only the fake has.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Tuple

import pytest

from claude_support import FAKE_CLAUDE, ClaudeCli, CliRun

JSON = ["-p", "--output-format", "json"]


def run(fake_claude: ClaudeCli, tmp_path: Path, prompt: str, *argv: str, **kwargs: Any) -> CliRun:
    (tmp_path / "project").mkdir(parents=True, exist_ok=True)
    return fake_claude.run([*JSON, *argv], cwd=tmp_path / "project", home=tmp_path / "home", stdin=prompt, **kwargs)


def steered(fake_claude: ClaudeCli, tmp_path: Path, *directives: str, argv: Tuple[str, ...] = ()) -> Dict[str, Any]:
    prompt = "do the step\n" + "".join(f"fake-claude: {directive}\n" for directive in directives)
    done = run(fake_claude, tmp_path, prompt, *argv)
    result: Dict[str, Any] = done.json()
    assert done.returncode == (1 if result["is_error"] else 0)
    return result


def test_the_result_echoes_the_prompt_and_what_the_fake_was_given(fake_claude: ClaudeCli, tmp_path: Path) -> None:
    agents = tmp_path / "project" / ".claude" / "agents"
    agents.mkdir(parents=True)
    (agents / "rev.md").write_text("---\nname: rev\ndescription: Reviews\ntools: Read, Grep\nmodel: haiku\n"
                                   "permissionMode: plan\nmaxTurns: 4\n---\nYou review.\n")
    done = run(fake_claude, tmp_path, "review it", "--agent", "rev", "--allowedTools", "Bash(git diff *)",
               "--disallowedTools", "Grep", "--permission-mode", "acceptEdits", "--max-turns", "5",
               "--max-budget-usd", "0.5", "--append-system-prompt", "Be brief.", "--no-session-persistence")
    result = done.json()
    assert (done.returncode, result["result"], result["subtype"], result["is_error"]) == (0, "review it", "success",
                                                                                          False)
    echo = result["fake_claude"]
    assert {key: echo[key] for key in ("agent", "agent_source", "model", "tools", "allowed_tools", "disallowed_tools",
                                       "permission_mode", "max_turns", "max_budget_usd", "append_system_prompt",
                                       "session_persistence")} == {
        "agent": "rev", "agent_source": "project", "model": "claude-haiku-5-5", "tools": ["Read"],
        "allowed_tools": ["Bash(git diff *)"], "disallowed_tools": ["Grep"], "permission_mode": "acceptEdits",
        "max_turns": 5, "max_budget_usd": 0.5, "append_system_prompt": "Be brief.", "session_persistence": False}
    assert echo["agent_definition"] == {"name": "rev", "description": "Reviews", "tools": "Read, Grep",
                                        "model": "haiku", "permissionMode": "plan", "maxTurns": 4,
                                        "prompt": "You review.\n"}


def test_error_subtypes_carry_errors_and_no_result(fake_claude: ClaudeCli, tmp_path: Path) -> None:
    failed = steered(fake_claude, tmp_path / "a", "fail the tests did not pass")
    assert (failed["subtype"], failed["errors"], "result" in failed) == \
        ("error_during_execution", ["the tests did not pass"], False)
    turns = steered(fake_claude, tmp_path / "b", "turns 7", argv=("--max-turns", "3"))
    assert (turns["subtype"], turns["errors"], turns["num_turns"], turns["terminal_reason"]) == \
        ("error_max_turns", ["Reached maximum number of turns (3)"], 4, "max_turns")
    budget = steered(fake_claude, tmp_path / "c", "cost 2", argv=("--max-budget-usd", "1"))
    assert (budget["subtype"], budget["errors"], budget["total_cost_usd"]) == \
        ("error_max_budget_usd", ["Reached maximum budget ($1)"], 2.0)
    retries = steered(fake_claude, tmp_path / "d", "subtype error_max_structured_output_retries")
    assert retries["errors"] == ["Failed to provide valid structured output after 5 attempts"]


def test_usage_cost_and_subagents_land_in_model_usage(fake_claude: ClaudeCli, tmp_path: Path) -> None:
    result = steered(fake_claude, tmp_path, "tokens 1000 200 30 4", "cost 0.25", "subagent sonnet 500 100 0.05")
    assert result["total_cost_usd"] == 0.3
    main, sub = result["modelUsage"]["claude-opus-5-5"], result["modelUsage"]["claude-sonnet-5-5"]
    assert [main[key] for key in ("inputTokens", "outputTokens", "cacheReadInputTokens", "cacheCreationInputTokens",
                                  "costUSD")] == [1000, 200, 30, 4, 0.25]
    assert [sub[key] for key in ("inputTokens", "outputTokens", "costUSD")] == [500, 100, 0.05]
    assert [result["usage"][key] for key in ("input_tokens", "output_tokens")] == [1000, 200]


def test_denials_keep_the_run_a_success(fake_claude: ClaudeCli, tmp_path: Path) -> None:
    result = steered(fake_claude, tmp_path, "deny Write notes/out.md", "deny Bash rm -rf build")
    assert (result["subtype"], result["is_error"]) == ("success", False)
    assert result["permission_denials"] == [
        {"tool_name": "Write", "tool_use_id": "toolu_fake_1",
         "tool_input": {"file_path": str(tmp_path / "project" / "notes" / "out.md")}},
        {"tool_name": "Bash", "tool_use_id": "toolu_fake_2", "tool_input": {"command": "rm -rf build"}}]


@pytest.mark.parametrize("kind, status, text", [
    ("overloaded", 529, "API Error: 529 Overloaded. This is a server-side issue, usually temporary \u2014 try again "
                        "in a moment."),
    ("rate_limit", 429, "API Error: Request rejected (429) \u00b7 Rate limited"),
    ("network", None, "API Error: Can't reach the API server \u2014 check your internet or DNS (EAI_AGAIN)"),
    ("not-logged-in", None, "Not logged in \u00b7 Please run /login"),
])
def test_api_errors(fake_claude: ClaudeCli, tmp_path: Path, kind: str, status: Any, text: str) -> None:
    result = steered(fake_claude, tmp_path, f"api-error {kind}")
    assert (result["subtype"], result["is_error"], result["api_error_status"], result["result"],
            result["modelUsage"], result["total_cost_usd"]) == ("success", True, status, text, {}, 0)


def test_structured_output_only_with_a_schema(fake_claude: ClaudeCli, tmp_path: Path) -> None:
    schema = '{"type": "object", "properties": {"n": {"type": "integer"}}}'
    with_schema = steered(fake_claude, tmp_path / "a", 'structured {"n": 3}', argv=("--json-schema", schema))
    assert (with_schema["structured_output"], with_schema["result"]) == ({"n": 3}, '{"n":3}')
    assert "structured_output" not in steered(fake_claude, tmp_path / "b", 'structured {"n": 3}')


def test_side_effects(fake_claude: ClaudeCli, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    steered(fake_claude, tmp_path / "a", f"mark {marker}", f"mark {marker}")
    assert marker.read_text() == "ran\nran\n"
    exits = run(fake_claude, tmp_path / "b", "fake-claude: stderr boom\nfake-claude: exit 3")
    assert (exits.returncode, exits.stdout, exits.stderr) == (3, "", "boom\n")
    garbage = run(fake_claude, tmp_path / "c", "fake-claude: garbage")
    assert (garbage.returncode, garbage.stdout) == (0, "this is not json\n")
    unknown = run(fake_claude, tmp_path / "d", "fake-claude: frobnicate")
    assert (unknown.returncode, unknown.stderr) == (
        1, "fake-claude: unknown directive 'frobnicate' (see tests/claude/claude_fake_directives.py)\n")


def test_text_output(fake_claude: ClaudeCli, tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    ok = fake_claude.run(["-p"], cwd=tmp_path / "project", home=tmp_path / "home", stdin="fake-claude: result fine")
    assert (ok.returncode, ok.stdout) == (0, "fine\n")
    failed = fake_claude.run(["-p"], cwd=tmp_path / "project", home=tmp_path / "home", stdin="fake-claude: fail")
    assert (failed.returncode, failed.stdout) == (1, "Execution error")


def test_every_run_is_recorded_when_asked(fake_claude: ClaudeCli, tmp_path: Path) -> None:
    record = tmp_path / "record.jsonl"
    run(fake_claude, tmp_path, "hello", "--model", "sonnet", env={"FAKE_CLAUDE_RECORD": str(record)})
    run(fake_claude, tmp_path, "hello", "--frob", env={"FAKE_CLAUDE_RECORD": str(record)})
    first, second = [json.loads(line) for line in record.read_text().splitlines()]
    assert (first["argv"], first["exit"], first["echo"]["model"], first["echo"]["prompt"]) == \
        ([*JSON, "--model", "sonnet"], 0, "claude-sonnet-5-5", "hello")
    assert (second["exit"], second["stderr"], "echo" in second) == (1, "error: unknown option '--frob'", False)


def test_usable_as_claude_on_path(tmp_path: Path) -> None:
    """Tests put the fake on PATH under the real name; it then runs with whatever python3 PATH finds."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "claude").symlink_to(FAKE_CLAUDE)
    python_dir = Path(sys.executable).parent
    env = {"PATH": f"{bin_dir}{os.pathsep}{python_dir}{os.pathsep}/usr/bin:/bin", "HOME": str(tmp_path)}
    claude = shutil.which("claude", path=env["PATH"])
    assert claude == str(bin_dir / "claude")
    done = subprocess.run([claude, "-p", "--output-format", "json", "--agent", "Plan"], input="hi",
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert (done.returncode, json.loads(done.stdout)["fake_claude"]["agent"]) == (0, "Plan")
    assert subprocess.run([claude, "--version"], capture_output=True, text=True, env=env,
                          timeout=60).stdout == "2.1.332 (Claude Code)\n"
