"""What only real tools can tell: Chromium draws the html report's Gantt bars, mermaid's own parser
accepts every diagram, and a real run through the runtime feeds estimate against actual."""
from __future__ import annotations

import re
import subprocess
import textwrap
from pathlib import Path
from typing import List

import pytest
from report_support import ROOT, mermaid_errors, model_plans

from wfc.analysis import analyze
from wfc.format.durations import format_duration
from wfc.analysis.plan import Plan
from wfc.report import build_report
from wfc.report.html import render_html
from wfc.report.markdown import render_markdown
from wfc.report.runs import JournalDirectory
from wfc.runtime.journal import read_events
from wfc.validate import load_workflow, workflow_files

MERMAID_BLOCK = re.compile(r"^```mermaid\n(.*?)\n```$", re.MULTILINE | re.DOTALL)


def all_plans() -> List[Plan]:
    return [analyze(load_workflow(path)) for path in workflow_files([ROOT / "workflows"])] + model_plans()


def chromium_args(binary: str, tmp_path: Path) -> List[str]:
    return [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1600,1200"]


def test_chromium_draws_one_gantt_bar_per_step(chromium: str, tmp_path: Path) -> None:
    plans = all_plans()
    page = tmp_path / "report.html"
    page.write_text(render_html(build_report(plans)), encoding="utf-8")
    url = page.as_uri()
    dom = subprocess.run([*chromium_args(chromium, tmp_path), "--dump-dom", url],
                         capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    for plan in plans:
        section = re.search(
            rf'<section class="workflow" id="wf-{plan.workflow.name}">(.*?)</section>', dom.stdout, re.DOTALL
        )
        assert section, plan.workflow.name
        bars = re.findall(r'<rect class="bar(?: crit)?" data-step="([^"]+)"', section.group(1))
        assert sorted(bars) == sorted(plan.order), plan.workflow.name
    shot = subprocess.run([*chromium_args(chromium, tmp_path), f"--screenshot={tmp_path / 'report.png'}", url],
                          capture_output=True, text=True, timeout=120)
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert (tmp_path / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_mermaid_parses_every_block(mermaid_node_dir: Path, tmp_path: Path) -> None:
    text = render_markdown(build_report(all_plans()))
    blocks = MERMAID_BLOCK.findall(text)
    assert len(blocks) == 2 * len(all_plans())
    errors = mermaid_errors(mermaid_node_dir, blocks, tmp_path)
    assert [(block.splitlines()[0], error) for block, error in zip(blocks, errors) if error] == []


def test_mermaid_check_reports_a_broken_diagram(mermaid_node_dir: Path, tmp_path: Path) -> None:
    errors = mermaid_errors(mermaid_node_dir, ["flowchart LR\n  end --> x"], tmp_path)
    assert errors[0] is not None and "Parse error on line 2" in errors[0]


SHELL_FLOW = """\
version: 1
title: Tiny shell flow
description: Three shell steps, two of them in parallel.
steps:
  first:
    title: Run the first step
    run: "true"
    estimate: 2s
  left:
    title: Run the left step
    run: "true"
    needs: [first]
    estimate: 1s
  right:
    title: Run the right step
    run: "true"
    needs: [first]
    estimate: 3s
"""


def test_estimate_against_actual_from_a_real_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wfc.runtime.engine import run_plan
    from wfc.runtime.outcome import RunOptions

    monkeypatch.chdir(tmp_path)
    source = tmp_path / "workflows" / "tiny.yaml"
    source.parent.mkdir()
    source.write_text(textwrap.dedent(SHELL_FLOW), encoding="utf-8")
    plan = analyze(load_workflow(source))
    results = [
        run_plan(plan, RunOptions(state_dir=tmp_path / ".wfc", progress="none", no_cache=True)) for _ in range(3)
    ]
    assert [result.status for result in results] == ["succeeded"] * 3
    report = build_report([plan], JournalDirectory(tmp_path / ".wfc" / "runs").runs()).workflows[0]
    accuracy = report.accuracy
    assert accuracy is not None and accuracy.runs == tuple(sorted(r.run_id for r in results))
    measured = {step: [] for step in plan.order}  # type: dict
    elapsed = []
    for result in results:
        events = read_events(result.run_dir / "journal.jsonl")
        for event in events:
            if event["event"] == "step_finished":
                measured[event["step"]].append(event["duration"])
        elapsed.append(events[-1]["t"])
    assert accuracy.complete_runs == 3
    assert accuracy.actual == round(sorted(elapsed)[1], 3)
    rows = {row.step: row for row in accuracy.steps}
    for step, samples in measured.items():
        middle = sorted(samples)[1]
        assert (rows[step].samples, rows[step].median, rows[step].suggested) == (
            3,
            round(middle, 3),
            format_duration(max(middle, 0.001)),
        )
        assert rows[step].error_pct == round(
            100 * (round(middle, 3) - plan.planned(step).estimate) / plan.planned(step).estimate, 1
        )
    assert len(accuracy.furthest_off) == 3
    assert "### Estimate against actual" in render_markdown(
        build_report([plan], JournalDirectory(tmp_path / ".wfc" / "runs").runs())
    )
