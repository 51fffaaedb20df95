"""What agent attempts spend, against tests/fake_claude.py: the journal's `agent_attempt` per attempt
(failed ones too), `--max-budget-usd` from a step's `max_cost` and the run's, and the run's budget
stopping new agent steps (progress, summary, exit status, resume after raising it)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest

from runtime_support import FAKE_CLAUDE, Workspace
from wfc.report.run_logs import kept_attempts

SESSION = "5f0c43a1-7a4e-4a39-9d5e-0c2f6a1b9e11"


def attempts_of(ws: Workspace, result: Any) -> List[Dict[str, Any]]:
    """The `agent_attempt` events without the clock, the session id and the run's duration."""
    return [{key: value for key, value in event.items() if key not in ("t", "duration_ms")}
            for event in ws.events(result) if event["event"] == "agent_attempt"]


def kept_session(result: Any, step: str, number: int) -> str:
    """The session id in the CLI's JSON as wfc kept it (attempt `number`'s stdout in the run's log):
    what the journal must name."""
    assert result.run_dir is not None
    kept = kept_attempts(result.run_dir, step)[number - 1].stream("stdout")
    assert kept is not None
    return str(json.loads(kept.text)["session_id"])


def recorded_budgets(path: Path) -> Dict[str, Any]:
    """Per prompt's first line, the `--max-budget-usd` each fake run was given (None: not given)."""
    runs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return {run["echo"]["prompt"].splitlines()[0]: run["echo"]["max_budget_usd"] for run in runs}


@pytest.fixture
def record(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = ws.root / "fake-claude.jsonl"
    monkeypatch.setenv("FAKE_CLAUDE_RECORD", str(path))
    return path


def test_each_attempt_journals_its_session_model_subtype_turns_tokens_cost_and_denials(ws: Workspace) -> None:
    plan = ws.plan("""
    version: 1
    title: Spend
    description: d
    steps:
      review:
        title: Review
        prompt: |-
          review
          fake-claude: turns 3
          fake-claude: cost 0.03
          fake-claude: tokens 1000 200 300 40
          fake-claude: subagent haiku 10 5 0.001
    """)
    result = ws.run(plan, agent_command=FAKE_CLAUDE)
    assert result.status == "succeeded"
    assert attempts_of(ws, result) == [{
        "event": "agent_attempt", "step": "review", "attempt": 1, "ok": True,
        "session_id": kept_session(result, "review", 1), "model": "claude-opus-5-5,claude-haiku-5-5",
        "subtype": "success", "is_error": False, "num_turns": 3, "cost_usd": 0.031,
        "tokens_in": 1010, "tokens_out": 205, "tokens_cache_read": 300, "tokens_cache_write": 40, "denials": []}]


def test_a_failed_attempt_journals_what_it_spent_and_so_does_its_retry(ws: Workspace) -> None:
    plan = ws.plan("""
    version: 1
    title: Spend
    description: d
    steps:
      flaky:
        title: Flaky
        retry: {attempts: 2}
        prompt: |-
          flaky
          fake-claude: fail the model gave up
          fake-claude: cost 0.02
          fake-claude: tokens 500 60
    """)
    result = ws.run(plan, agent_command=FAKE_CLAUDE)
    assert result.status == "failed"
    found = attempts_of(ws, result)
    assert [event.pop("session_id") for event in found] == [kept_session(result, "flaky", n) for n in (1, 2)]
    failed = {"event": "agent_attempt", "step": "flaky", "ok": False, "model": "claude-opus-5-5",
              "subtype": "error_during_execution", "is_error": True, "num_turns": 1, "cost_usd": 0.02,
              "tokens_in": 500, "tokens_out": 60, "tokens_cache_read": 0, "tokens_cache_write": 0, "denials": [],
              "error": "agent failed (error_during_execution): the model gave up"}
    assert found == [{**failed, "attempt": 1}, {**failed, "attempt": 2}]


def test_denials_are_journaled_with_the_attempt(ws: Workspace) -> None:
    plan = ws.plan("""
    version: 1
    title: Spend
    description: d
    steps:
      write:
        title: Write
        prompt: |-
          write
          fake-claude: deny Write notes.md
          fake-claude: deny Bash rm -rf build
    """)
    result = ws.run(plan, agent_command=FAKE_CLAUDE)
    [event] = attempts_of(ws, result)
    assert (event["ok"], event["subtype"], event["cost_usd"], event["denials"]) == \
        (False, "success", 0.0125, [f"Write {ws.root / 'notes.md'}", "Bash rm -rf build"])


@pytest.mark.parametrize("backend", ["local", "dask"], indirect=True)  # the budget travels to a worker
def test_a_steps_max_cost_is_its_max_budget_usd_and_the_budget_subtype_is_not_retried(
        ws: Workspace, record: Path) -> None:
    plan = ws.plan("""
    version: 1
    title: Spend
    description: d
    steps:
      costly:
        title: Costly
        max_cost: 0.05
        retry: {attempts: 3}
        prompt: |-
          costly
          fake-claude: cost 0.06
    """)
    result = ws.run(plan, agent_command=FAKE_CLAUDE)
    assert recorded_budgets(record) == {"costly": 0.05}
    [run] = [json.loads(line) for line in record.read_text().splitlines()]
    assert run["argv"][-2:] == ["--max-budget-usd", "0.05"]
    assert result.outcomes["costly"].error == \
        "agent stopped at its budget (`max_cost`) (error_max_budget_usd): Reached maximum budget ($0.05)"
    [event] = attempts_of(ws, result)
    assert (event["attempt"], event["ok"], event["subtype"], event["cost_usd"], event["max_budget_usd"]) == \
        (1, False, "error_max_budget_usd", 0.06, 0.05)


BUDGETED = """
    version: 1
    title: Budgeted
    description: d
    max_cost: 0.05
    max_parallel: 2
    steps:
      a:
        title: A
        prompt: "a\\nfake-claude: cost 0.03"
        compensate: {run: "mkdir -p marks && echo undo >> marks/a"}
      b: {title: B, prompt: "b\\nfake-claude: cost 0.03"}
      c: {title: C, needs: [a, b], prompt: "c\\nfake-claude: cost 0.01"}
      s: {title: S, needs: [a, b], run: "echo shell"}
      after: {title: After, needs: [s], prompt: "after\\nfake-claude: cost 0.01"}
"""
NOT_RUN = ("the run's budget of $0.0500 is spent ($0.0600 so far): raise `max_cost` (or pass a higher "
           "--max-cost) and --resume the run")


def test_once_the_runs_budget_is_spent_no_new_agent_step_starts(ws: Workspace, record: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    result = ws.run(ws.plan(BUDGETED), agent_command=FAKE_CLAUDE, progress="plain")
    assert (result.status, result.exit_code, result.over_budget, result.not_run) == ("failed", 3, ("c", "after"), ())
    assert {step: outcome.status for step, outcome in result.outcomes.items()} == \
        {"a": "finished", "b": "finished", "c": "not_run", "s": "finished", "after": "not_run"}
    assert recorded_budgets(record) == {"a": 0.05, "b": 0.05}  # both started before either ended
    events = [event for event in ws.events(result)
              if event["event"] in ("budget_exhausted", "step_not_run", "step_started", "run_finished")]
    assert [(event["event"], event.get("step")) for event in events] == [
        ("step_started", "a"), ("step_started", "b"), ("budget_exhausted", None), ("step_started", "s"),
        ("step_not_run", "c"), ("step_not_run", "after"), ("run_finished", None)]
    assert {key: events[2][key] for key in ("spent_usd", "max_cost", "message")} == {
        "spent_usd": 0.06, "max_cost": 0.05,
        "message": "the run's budget of $0.0500 is spent ($0.0600 so far): no new agent step starts"}
    assert {key: events[4][key] for key in ("reason", "error")} == {"reason": "budget", "error": NOT_RUN}
    assert {key: events[-1][key] for key in ("status", "over_budget", "spent_usd")} == \
        {"status": "failed", "over_budget": ["c", "after"], "spent_usd": 0.06}
    assert ws.markers() == {}  # stopped by its budget, not failed: nothing is undone
    lines = [line.split("s ", 1)[1] for line in capsys.readouterr().err.splitlines()]
    assert "BUDGET    : the run's budget of $0.0500 is spent ($0.0600 so far): no new agent step starts" in lines
    assert f"not run   c: {NOT_RUN}" in lines and f"not run   after: {NOT_RUN}" in lines


@pytest.mark.parametrize("backend", ["local", "dask"], indirect=True)  # the budget travels to a worker
def test_a_resume_after_raising_the_budget_runs_what_the_budget_stopped(ws: Workspace, record: Path) -> None:
    plan = ws.plan(BUDGETED)
    first = ws.run(plan, agent_command=FAKE_CLAUDE)
    again = ws.run(plan, agent_command=FAKE_CLAUDE, resume="")
    assert (again.run_id, again.exit_code, sorted(again.over_budget)) == (first.run_id, 3, ["after", "c"])
    record.unlink()
    raised = ws.run(plan, agent_command=FAKE_CLAUDE, resume="", max_cost=0.2)
    assert (raised.run_id, raised.status, raised.exit_code, raised.over_budget) == (first.run_id, "succeeded", 0, ())
    assert {step: outcome.status for step, outcome in raised.outcomes.items()} == \
        {"a": "resumed", "b": "resumed", "s": "resumed", "c": "finished", "after": "finished"}
    # what is left of the run's $0.20 after the first session's $0.06: c and after start together
    assert recorded_budgets(record) == {"c": 0.14, "after": 0.14}


def test_wfc_run_says_what_the_budget_stopped_and_exits_3(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner
    from wfc.cli import cli

    ws.plan(BUDGETED, name="budgeted")
    monkeypatch.chdir(ws.root)
    runner = CliRunner()
    done = runner.invoke(cli, ["run", "budgeted", "--agent-command", FAKE_CLAUDE, "--progress", "none"])
    assert done.exit_code == 3
    assert f"not run for budget: c, after ({NOT_RUN.split(': raise')[0]}; raise `max_cost` or pass a higher " \
           "--max-cost, then --resume)\n" in done.stderr
    assert " failed in " in done.stderr.splitlines()[-1]
    for bad in ("0", "-2", "nan", "inf"):
        refused = runner.invoke(cli, ["run", "budgeted", "--max-cost", bad])
        assert refused.exit_code == 2
        assert f"Invalid value for '--max-cost': {float(bad):g} is not a budget: give US dollars above 0, " \
               "such as 5 or 0.50" in refused.stderr
    raised = runner.invoke(cli, ["run", "budgeted", "--agent-command", FAKE_CLAUDE, "--progress", "none",
                                 "--resume", "--max-cost", "0.2"])
    assert raised.exit_code == 0, raised.stderr
    report = json.loads(runner.invoke(cli, ["report", "workflows/budgeted.yaml", "--format", "json"]).stdout)
    spending = report["workflows"][0]["accuracy"]["spending"]
    usage = {"tokens_in": 100.0, "tokens_out": 50.0, "tokens_cache_read": 0.0, "tokens_cache_write": 0.0}
    assert spending["steps"] == [
        {"step": step, "runs": 1, "usage": {**usage, "cost_usd": cost, "attempts": 1}}
        for step, cost in (("a", 0.03), ("b", 0.03), ("c", 0.01), ("after", 0.01))]
    [run] = spending["runs"]
    assert run["usage"] == spending["total"] == {"cost_usd": 0.08, "tokens_in": 400.0, "tokens_out": 200.0,
                                                 "tokens_cache_read": 0.0, "tokens_cache_write": 0.0, "attempts": 4}
    markdown = runner.invoke(cli, ["report", "workflows/budgeted.yaml"]).stdout
    assert f"| `{run['run_id']}` | 4 | $0.0800 | 400 | 200 | 0 | 0 |\n" in markdown
    assert "| `a` | 1 | 1 | $0.0300 | 100 | 50 | 0 | 0 |\n| `b` | 1 | 1 | $0.0300 | 100 | 50 | 0 | 0 |\n" in markdown


def test_an_agent_compensation_journals_its_spend_too(ws: Workspace) -> None:
    plan = ws.plan("""
    version: 1
    title: Undo
    description: d
    steps:
      draft:
        title: Draft
        prompt: "draft\\nfake-claude: cost 0.02"
        compensate: {prompt: "undo the draft\\nfake-claude: cost 0.005"}
      check: {title: Check, needs: [draft], run: "exit 1"}
    """)
    result = ws.run(plan, agent_command=FAKE_CLAUDE)
    assert result.status == "failed"
    found = [(event["step"], event["attempt"], event.get("compensation"), event["cost_usd"])
             for event in attempts_of(ws, result)]
    assert found == [("draft", 1, None, 0.02), ("draft", 1, True, 0.005)]
    from wfc.report.runs import measure

    measured = measure(result.run_id, ws.events(result))
    assert (measured.usage["draft"].cost_usd, measured.spent.cost_usd, measured.spent.attempts) == (0.02, 0.025, 2)


def test_instances_of_a_run_time_fan_out_count_toward_their_map_node(ws: Workspace) -> None:
    plan = ws.plan("""
    version: 1
    title: Fan
    description: d
    context:
      modules: {description: The modules as a JSON list}
    steps:
      list: {title: List, run: "printf '%s' '[\\"api\\", \\"web\\"]'", outputs: [modules]}
      review:
        title: Review {{ item }}
        for_each: context.modules
        prompt: "review {{ item }}\\nfake-claude: cost 0.01"
    """)
    result = ws.run(plan, agent_command=FAKE_CLAUDE)
    assert result.status == "succeeded"
    found = sorted((event["step"], event["map"], event["cost_usd"]) for event in attempts_of(ws, result))
    assert found == [("review[api]", "review", 0.01), ("review[web]", "review", 0.01)]
    from wfc.report.runs import measure

    usage = measure(result.run_id, ws.events(result)).usage
    assert list(usage) == ["review"] and (usage["review"].cost_usd, usage["review"].attempts) == (0.02, 2)
