"""The html report: one self-contained file (inline CSS, inline SVG), nothing fetched.

The template autoescapes, so every user string is escaped by default; only the charts, which
`svg` has already escaped, are marked safe.
"""
from __future__ import annotations

from markupsafe import Markup

from wfc.render.environment import render
from wfc.report import run_charts, svg, text
from wfc.report.data import ReportData, WorkflowReport


def _gantt(report: WorkflowReport) -> Markup:
    return Markup(svg.gantt_svg(report))


def _dag(report: WorkflowReport) -> Markup:
    return Markup(svg.dag_svg(report))


def _accuracy(report: WorkflowReport) -> Markup:
    return Markup(run_charts.accuracy_svg(report))


def _cost(report: WorkflowReport) -> Markup:
    return Markup(run_charts.cost_svg(report))


def render_html(data: ReportData) -> str:
    return render("report.html.j2", data=data, t=text, gantt=_gantt, dag=_dag, accuracy_chart=_accuracy,
                  cost_chart=_cost)
