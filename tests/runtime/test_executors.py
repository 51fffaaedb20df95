"""Step kinds: shell, Python and agent executors, outputs, retries, timeouts."""
from __future__ import annotations

from pathlib import Path

import pytest

from runtime_support import FAKE_CLAUDE, Workspace
from wfc.model import Step
from wfc.runtime.headless import claude_argv

ON_BOTH_BACKENDS = True  # each `ws` test runs on threads and on an in-process Dask cluster

EVIL = ("x'; touch marks/pwned1; $(touch marks/pwned2) `touch marks/pwned3` | tee marks/pwned4 && "
        "echo \"{{ 7*7 }}\" > marks/pwned5")


def test_run_lists_never_reach_a_shell(ws: Workspace) -> None:
    plan = ws.plan("""
        version: 1
        title: Injection
        description: d
        arguments:
          evil: {description: hostile, default: ""}
        context:
          echoed: {description: e}
        steps:
          echo:
            title: Echo {{ args.evil }}
            run: ["printf", "%s", "{{ args.evil }}"]
            outputs: [echoed]
    """)
    result = ws.run(plan, args={"evil": EVIL})
    assert result.status == "succeeded"
    assert result.outputs == {"echoed": EVIL}
    assert ws.markers() == {}


def test_shell_strings_get_env_cwd_and_stdout_without_trailing_newlines(ws: Workspace) -> None:
    (ws.root / "sub").mkdir()
    plan = ws.plan("""
        version: 1
        title: Shell
        description: d
        context:
          where: {description: w}
        steps:
          where:
            title: Where
            run: 'echo "$GREETING from $(basename "$PWD")"; echo; echo'
            env: {GREETING: hello}
            cwd: sub
            outputs: [where]
    """)
    assert ws.run(plan).outputs == {"where": "hello from sub"}


def test_a_failing_command_reports_the_tail_of_stderr(ws: Workspace) -> None:
    plan = ws.plan("""
        version: 1
        title: Fail
        description: d
        steps:
          noisy:
            title: Noisy
            run: 'for i in $(seq 1 600); do echo "line $i" >&2; done; exit 4'
    """)
    outcome = ws.run(plan).outcomes["noisy"]
    assert outcome.status == "failed"
    assert outcome.error.startswith("command exited with status 4: ...")
    assert outcome.error.endswith("line 599\nline 600")
    assert len(outcome.error) == len("command exited with status 4: ...") + 2000


def test_python_calls_get_inputs_and_args(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    (ws.root / "steps_mod.py").write_text(
        "def count(inputs, args):\n    return len(inputs['words'].split()) * args['times']\n"
        "def boom(inputs, args):\n    raise ValueError('no good')\n")
    monkeypatch.syspath_prepend(str(ws.root))
    plan = ws.plan("""
        version: 1
        title: Python
        description: d
        arguments:
          times: {type: integer, default: 1, description: t}
        context:
          words: {description: w}
          total: {description: t}
        steps:
          words: {title: Words, run: 'echo a b c', outputs: [words]}
          count: {title: Count, call: 'steps_mod:count', inputs: [words], outputs: [total]}
          boom: {title: Boom, call: 'steps_mod:boom', continue_on_error: true}
    """)
    result = ws.run(plan, args={"times": 2})
    assert result.status == "succeeded"
    assert result.outputs == {"words": "a b c", "total": 6}
    assert result.outcomes["boom"].error == "steps_mod:boom raised ValueError: no good"
    failed = [e for e in ws.events(result) if e["event"] == "step_failed"]
    assert failed[0]["continue_on_error"] is True


AGENT_FLOW = """
    version: 1
    title: Agents
    description: d
    arguments:
      target: {description: t, default: src}
    context:
      summary: {description: s}
      review: {description: r}
    agents:
      analyzer: {description: Summarizes code, prompt: You summarize code.}
    steps:
      summarize:
        title: Summarize
        agent: analyzer
        model: sonnet
        tools: [Read, Grep]
        max_turns: 3
        prompt: "Summarize {{ args.target }}"
        outputs: [summary]
      review:
        title: Review
        prompt: "Review using: {{ context.summary }}{{ step.id }}"
        inputs: [summary]
        outputs: [review]
"""


def test_agent_steps_use_the_agent_command(ws: Workspace) -> None:
    result = ws.run(ws.plan(AGENT_FLOW), args={"target": "lib"}, agent_command=FAKE_CLAUDE)
    assert result.status == "succeeded"
    assert result.outputs == {"summary": "Summarize lib", "review": "Review using: Summarize libreview"}
    finished = [e for e in ws.events(result) if e["event"] == "step_finished"]
    assert [(e["step"], e["cost_usd"], e["num_turns"], e["tokens_in"], e["tokens_out"]) for e in finished] == [
        ("summarize", 0.0125, 1, 100, 50), ("review", 0.0125, 1, 100, 50)]


def test_agent_errors_and_garbage_fail_the_step(ws: Workspace) -> None:
    plan = ws.plan("""
        version: 1
        title: Agents
        description: d
        on_failure: {keep_going: true}
        steps:
          refuses: {title: Refuse, prompt: "fake-claude: fail it did not work"}
          babbles: {title: Babble, prompt: "fake-claude: garbage"}
          dies: {title: Die, prompt: "fake-claude: stderr fake claude exiting as asked\\nfake-claude: exit 3"}
    """)
    outcomes = ws.run(plan, agent_command=FAKE_CLAUDE).outcomes
    assert outcomes["refuses"].error == "agent failed (error_during_execution): it did not work"
    assert outcomes["babbles"].error == "agent printed no JSON result: this is not json"
    assert outcomes["dies"].error == "agent exited with status 3: fake claude exiting as asked"


def test_the_default_runner_is_claude_headless() -> None:
    step = Step(id="s", title="S", active="S", kind="agent", prompt="p", agent="analyzer", model="opus",
                tools=("Read", "Bash(git log *)"), max_turns=5, permission_mode="acceptEdits")
    assert claude_argv(("claude",), step, None, 0.5) == [
        "claude", "-p", "--output-format", "json", "--agent", "analyzer", "--model", "opus",
        "--permission-mode", "acceptEdits", "--tools", "Read,Bash", "--allowedTools", "Read,Bash(git log *)",
        "--max-turns", "5", "--max-budget-usd", "0.5"]
    bare = Step(id="s", title="S", active="S", kind="agent", prompt="p")
    assert claude_argv(("claude",), bare, None) == ["claude", "-p", "--output-format", "json"]


def test_several_outputs_come_from_a_json_object(ws: Workspace) -> None:
    plan = ws.plan("""
        version: 1
        title: Outputs
        description: d
        on_failure: {keep_going: true}
        context:
          a: {description: a}
          b: {description: b}
          c: {description: c}
          d: {description: d}
        steps:
          good: {title: Good, run: 'echo "{\\"a\\": 1, \\"b\\": [2]}"', outputs: [a, b]}
          bad: {title: Bad, run: 'echo "{\\"c\\": 1}"', outputs: [c, d]}
    """)
    result = ws.run(plan)
    assert result.outputs == {"a": 1, "b": [2]}
    assert result.outcomes["bad"].error == (
        "step `bad` produces several outputs (c, d), so its output must be a JSON object with those keys "
        "(missing: d); got '{\"c\": 1}'")


def test_retries_back_off_exponentially(ws: Workspace) -> None:
    plan = ws.plan("""
        version: 1
        title: Retry
        description: d
        steps:
          flaky:
            title: Flaky
            run: 'echo x >> marks/flaky; [ $(wc -l < marks/flaky) -ge 3 ]'
            retry: {attempts: 4, backoff: 10ms, factor: 3}
    """)
    result = ws.run(plan)
    assert result.status == "succeeded"
    retried = [(e["attempt"], e["delay"]) for e in ws.events(result) if e["event"] == "step_retried"]
    assert retried == [(2, 0.01), (3, pytest.approx(0.03))]
    assert result.outcomes["flaky"].attempts == 3
    assert ws.markers() == {"flaky": 3}


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status


def test_a_timeout_kills_the_whole_process_group(ws: Workspace) -> None:
    plan = ws.plan("""
        version: 1
        title: Hang
        description: d
        steps:
          hang:
            title: Hang
            run: 'sleep 30 & echo $! > marks/child; sh -c "sleep 30" & echo $! > marks/grandchild; wait'
            timeout: 300ms
            retry: {attempts: 2}
    """)
    result = ws.run(plan)
    outcome = result.outcomes["hang"]
    assert outcome.status == "failed" and outcome.attempts == 2
    assert outcome.error == "command timed out after 0.3s; its process group was killed"
    pids = [int(line) for name in ("child", "grandchild") for line in (ws.root / "marks" / name).read_text().split()]
    assert len(pids) == 2 and not any(_alive(pid) for pid in pids)


def test_template_errors_fail_the_step_with_the_reason(ws: Workspace) -> None:
    plan = ws.plan("""
        version: 1
        title: Template
        description: d
        arguments:
          n: {type: integer, default: 0, description: n}
        steps:
          divide: {title: Divide, run: 'echo {{ 1 // args.n }}'}
    """)
    error = ws.run(plan).outcomes["divide"].error
    assert error == "run 'echo {{ 1 // args.n }}' does not render: integer division or modulo by zero"
