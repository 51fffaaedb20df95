"""The charts as the real renderers draw them: mermaid 11 (the one GitHub uses) in headless Chromium
for the flowcharts' width and the gantt's time zones, and the html report's own SVG as Chromium
lays it out, measured in the DOM rather than looked at."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest
from report_support import (HERE, ROOT, chromium_args, journal_events, mermaid_rendered, model_plans, page_result,
                            write_journal)

from wfc.analysis import analyze
from wfc.analysis.plan import Plan
from wfc.render.drawn_graph import drawn_graph
from wfc.render.graph_export import render_mermaid
from wfc.report import build_report
from wfc.report.html import render_html
from wfc.report.runs import JournalDirectory
from wfc.report.mermaid import gantt
from wfc.validate import load_workflow, workflow_files

MAX_WIDTH = 2000  # px: about 7 px text at GitHub's 880 px column, where 8,000 px drew it at 2 px
ZONES = ("UTC", "Asia/Kolkata", "America/St_Johns")  # +0, +5:30 and -3:30: whole hours would hide a shift
TICK = re.compile(r'<g class="tick" opacity="1" transform="translate\(([\d.]+),0\)">.*?<text[^>]*>([^<]*)</text>',
                  re.DOTALL)


def shipped_plans() -> List[Plan]:
    return [analyze(load_workflow(path)) for path in workflow_files([ROOT / "workflows"])]


def test_every_shipped_flowchart_draws_within_2000_px(chromium: str, mermaid_node_dir: Path, tmp_path: Path) -> None:
    plans = shipped_plans()
    drawn = mermaid_rendered(chromium, mermaid_node_dir, {p.workflow.name: render_mermaid(p) for p in plans}, tmp_path)
    largest = max(plans, key=lambda plan: len(plan.order))
    assert largest.workflow.name == "improve-orchestration" and len(largest.order) == 66
    widths = {name: result.get("width", result.get("error")) for name, result in drawn.items()}
    assert all(isinstance(width, (int, float)) and width <= MAX_WIDTH for width in widths.values()), widths
    for plan in plans:
        svg = drawn[plan.workflow.name]["svg"]
        graph = drawn_graph(plan)  # a fan-out is one node, its edges drawn once
        assert len(re.findall(r'<g class="node default', svg)) == len(graph.nodes), plan.workflow.name
        assert len(re.findall(r'<path [^>]*class="[^"]*flowchart-link', svg)) == len(graph.edges)
        critical = re.findall(r'<g class="node default critical', svg)
        assert len(critical) == len(graph.critical_path), plan.workflow.name


def rendered_gantts(
    chromium: str, node_dir: Path, diagrams: Dict[str, str], tmp_path: Path
) -> Dict[str, Dict[str, str]]:
    """zone -> diagram name -> the SVG mermaid drew there."""
    drawn = {zone: mermaid_rendered(chromium, node_dir, diagrams, tmp_path, timezone=zone) for zone in ZONES}
    for zone, results in drawn.items():
        assert all("svg" in result for result in results.values()), (zone, results)
    return {zone: {name: result["svg"] for name, result in results.items()} for zone, results in drawn.items()}


def test_the_gantt_is_the_same_in_every_time_zone(chromium: str, mermaid_node_dir: Path, tmp_path: Path) -> None:
    hostile = model_plans()[-1]
    diagrams = {report.name: gantt(report) for report in build_report(shipped_plans() + [hostile]).workflows}
    # a control that the check can fail: the same chart with a clock-time axis moves with the zone
    diagrams["clock-time axis"] = re.sub(r"axisFormat .*\n  tickInterval .*\n", "axisFormat %H:%M\n",
                                         diagrams["review-all"])
    drawn = rendered_gantts(chromium, mermaid_node_dir, diagrams, tmp_path)
    first = drawn[ZONES[0]]
    for zone in ZONES[1:]:
        moved = [name for name in diagrams if drawn[zone][name] != first[name]]
        assert moved == ["clock-time axis"], zone
    ticks = [label for _, label in TICK.findall(first["review-all"])]
    assert ticks == ["0m", "2m", "4m", "6m", "8m", "10m", "12m", "14m", "16m"]  # makespan 17m
    assert [label for _, label in TICK.findall(drawn["Asia/Kolkata"]["clock-time axis"])][0] == "05:30"


LEGEND = ["step", "on the critical path", "waits for", "critical path"]


def measured_runs(tmp_path: Path, plan: Plan) -> JournalDirectory:
    """A run of `plan` in the runtime's journal format: its first step ran long and cost money."""
    durations = {
        step: plan.planned(step).estimate * (1.4 if index == 0 else 0.8) for index, step in enumerate(plan.order)
    }
    events = journal_events("20260101T000000", plan.workflow.name, durations, 1.0)
    for event in events:
        if event["event"] == "step_finished":
            event.update(cost_usd=0.01 * len(event["step"]), tokens_in=1000 * len(event["step"]), tokens_out=250)
    write_journal(tmp_path / "runs", "20260101T000000", events)
    return JournalDirectory(tmp_path / "runs")


def checked_report(tmp_path: Path, plans: List[Plan]) -> Path:
    """A copy of the html report with the measuring script appended (the report has none), with a
    measured run of the largest workflow so its run charts are measured too."""
    page = tmp_path / "checked.html"
    script = (HERE / "dag_check.js").as_uri()
    largest = max(plans, key=lambda plan: len(plan.order))
    page.write_text(render_html(build_report(plans, measured_runs(tmp_path, largest).runs())).replace(
        "</body>", f'<pre id="wfc-result">pending</pre><script src="{script}"></script></body>'), encoding="utf-8")
    return page


@pytest.mark.parametrize("window", [480, 1024, 1600])
def test_the_html_dependency_graph_as_chromium_lays_it_out(chromium: str, tmp_path: Path, window: int) -> None:
    """At a phone's, a laptop's and a wide screen's width: arrowheads on every edge, the legend, the
    critical path marked, every box inside the viewBox and the SVG, text drawn at 10-12 px, no
    edge through a box, no label wider than its box."""
    plans = shipped_plans() + model_plans()[1:]
    measured = page_result(chromium, checked_report(tmp_path, plans), tmp_path, width=window)
    assert sorted(measured) == sorted(plan.workflow.name for plan in plans)
    for plan in plans:
        found = measured[plan.workflow.name]
        graph = drawn_graph(plan)
        path = graph.critical_path
        assert (found["markers"], found["edges"], found["edges_without_arrow"]) == (2, len(graph.edges), 0)
        assert found["legend"] == LEGEND
        assert found["critical_nodes"] == [node.key for node in graph.nodes if node.key in path]
        assert found["critical_edges"] == len(path) - 1
        assert (found["outside_viewbox"], found["past_right_edge"], found["scrolls_to_all"]) == (0, 0, True)
        assert 10.0 <= found["font_px"][0] <= found["font_px"][1] <= 12.0 + 1e-6, found["font_px"]
        assert 10.0 <= found["gantt_font_px"][0] and found["gantt_font_px"][1] <= 12.0 + 1e-6, found["gantt_font_px"]
        assert (found["through_boxes"], found["text_overflow"]) == ([], []), plan.workflow.name
        expected = {"accuracy-chart", "cost-chart"} if plan.workflow.name == "improve-orchestration" else set()
        assert set(found["run_charts"]) == expected
        for chart in found["run_charts"].values():
            assert (chart["rows"], chart["outside_viewbox"]) == (len(plan.order), 0)
            assert 10.0 <= chart["font_px"][0] <= chart["font_px"][1] <= 12.0 + 1e-6, chart["font_px"]
    shot = tmp_path / f"report-{window}.png"
    done = subprocess.run([*chromium_args(chromium, tmp_path, window, 3000), f"--screenshot={shot}",
                           (tmp_path / "checked.html").as_uri()], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", done.stderr[-2000:]
