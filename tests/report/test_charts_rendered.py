"""The charts as the real renderers draw them: mermaid 11 (the one GitHub uses) in headless Chromium
for the flowcharts' width and the gantt's time zones."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List

from report_support import ROOT, mermaid_rendered, model_plans

from wfc.analysis import analyze
from wfc.plan import Plan
from wfc.render.graph_export import reduced_edges, render_mermaid
from wfc.report import build_report
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
    assert largest.workflow.name == "auto-scale" and len(largest.order) == 48
    widths = {name: result.get("width", result.get("error")) for name, result in drawn.items()}
    assert all(isinstance(width, (int, float)) and width <= MAX_WIDTH for width in widths.values()), widths
    for plan in plans:
        svg = drawn[plan.workflow.name]["svg"]
        assert len(re.findall(r'<g class="node default', svg)) == len(plan.order), plan.workflow.name
        assert len(re.findall(r'<path [^>]*class="[^"]*flowchart-link', svg)) == len(reduced_edges(plan))
        critical = re.findall(r'<g class="node default critical', svg)
        assert len(critical) == len(plan.critical_path), plan.workflow.name


def rendered_gantts(chromium: str, node_dir: Path, diagrams: Dict[str, str], tmp_path: Path) -> Dict[str, Dict[str, str]]:
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
