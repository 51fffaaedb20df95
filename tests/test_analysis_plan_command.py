"""`wfc plan`: the terminal summary, the JSON form, warnings on stderr, errors without tracebacks."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wfc.cli import cli, main

MINI = """\
version: 1
title: Mini review
description: Analyze once, review twice, report.
max_parallel: 2
context:
  codebase:
    description: What the analyzer found
    ttl: 1m
  notes:
    description: Unused notes
steps:
  analyze:
    title: Analyze the codebase
    run: echo analyze
    estimate: 5m
    outputs: [codebase, notes]
  quality:
    title: Review quality
    prompt: Review quality.
    inputs: [codebase]
    estimate: 6m
  security:
    title: Review security
    prompt: Review security.
    inputs: [codebase]
    estimate: 4m
  style:
    title: Review style
    prompt: Review style.
    inputs: [codebase]
  report:
    title: Write the report
    run: echo report
    needs: [quality, security, style]
    estimate: 2m
"""

TEXT = """\
mini: Mini review
mini.yaml: 5 steps, 3 levels, 4 waves, max_parallel 2

Levels
  0  analyze
  1  quality, security | style
  2  report

Critical path (13m): analyze -> quality -> report

Estimate
  sequential (one agent, shared context)      18m
  sequential, nothing shared                  28m
  level by level                              13m
  makespan (dependency-driven)                13m
  lower bound                                 13m
  makespan over the bound                 optimal
  critical path                               13m
  warm re-run                                  8m
  worst case (every retry times out)          13m
  speedup                                   1.38x
  time saved                               27.8 %
  redundant work eliminated                66.7 %
  widest level                                  3
"""


@pytest.fixture
def mini(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    (tmp_path / "mini.yaml").write_text(MINI, encoding="utf-8")
    return "mini.yaml"


def test_plan_prints_levels_waves_critical_path_and_estimates(mini: str) -> None:
    result = CliRunner().invoke(cli, ["plan", mini])
    assert result.exit_code == 0, result.output
    assert result.stdout == TEXT


def test_plan_prints_analysis_warnings_on_stderr(mini: str) -> None:
    stderr = CliRunner().invoke(cli, ["plan", mini]).stderr
    headlines = [line for line in stderr.splitlines() if line.startswith("mini.yaml:")]
    assert headlines == [
        "mini.yaml:8:10: warning[WFC301]: context 'codebase' must live 4m but its ttl is 1m: in the "
        "estimated schedule 'analyze' writes it at 5m and its last reader 'style' starts at 9m",
        "mini.yaml:16:25: warning[WFC302]: step 'analyze' writes context 'notes' but no step reads it: "
        "expected some step to list 'notes' in `inputs`",
        "mini.yaml:27:3: warning[WFC303]: step 'style' has no `estimate` (here or in `defaults`); "
        "the plan assumes 1m",
    ]
    assert "  hint: raise `ttl` of 'codebase' to at least 4m, or let 'style' start earlier" in stderr


def test_plan_json_is_the_compiled_plan(mini: str) -> None:
    result = CliRunner().invoke(cli, ["plan", mini, "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["name"] == "mini" and data["source"] == "mini.yaml"
    assert data["levels"] == [["analyze"], ["quality", "security", "style"], ["report"]]
    assert data["waves"] == [["analyze"], ["quality", "security"], ["style"], ["report"]]
    assert data["estimate"]["makespan"] == 780.0
    assert [w["code"] for w in data["warnings"]] == ["WFC301", "WFC302", "WFC303"]


def test_an_invalid_workflow_is_reported_not_planned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    (tmp_path / "bad.yaml").write_text("version: 1\ntitle: x\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        main(["plan", "bad.yaml"])
    captured = capsys.readouterr()
    assert exited.value.code == 1 and captured.out == ""
    assert captured.err.startswith("bad.yaml:1:1: error[WFC011]: the top level is missing the required key")
    assert "Traceback" not in captured.err


def test_an_unknown_format_is_a_usage_error(mini: str) -> None:
    result = CliRunner().invoke(cli, ["plan", mini, "--format", "yaml"])
    assert result.exit_code == 2
    assert "'yaml' is not one of 'text', 'json'" in result.stderr
