"""The GitHub-flavoured markdown report: tables, and mermaid blocks GitHub draws."""
from __future__ import annotations

from wfc.render.environment import render
from wfc.report import mermaid, text
from wfc.report.data import ReportData


def render_markdown(data: ReportData) -> str:
    return render("report.md.j2", data=data, t=text, gantt=mermaid.gantt, flowchart=mermaid.flowchart)
