"""Mermaid diagrams for the markdown report: the estimated schedule as a `gantt`, the DAG as a
`flowchart` (from `wfc.render.graph_export`, so `wfc graph` and reports draw the same DAG).

GitHub renders these with mermaid itself, so any user text has to survive mermaid's grammar: a
gantt task name cannot hold `:` (it ends the name), `#` or `;` or `%%` (comments, entities), and a
name that starts with a gantt keyword (`section`, `title`, ...) would be read as that keyword.
The flowchart's own escaping lives with the graph exporter.
"""
from __future__ import annotations

import re
from typing import Dict, List

from wfc.render.graph_export import render_mermaid
from wfc.report.data import WorkflowReport

_GANTT_KEYWORDS = ("accdescr", "acctitle", "axisformat", "click", "dateformat", "displaymode", "excludes",
                   "includes", "inclusiveenddates", "section", "tickinterval", "title", "todaymarker",
                   "topaxis", "weekday", "weekend")
_GANTT_UNSAFE = re.compile(r"[:#;%`\\]")


def gantt_task_name(text: str, fallback: str) -> str:
    """`text` as a gantt task name that mermaid reads back as the same words."""
    cleaned = " ".join(_GANTT_UNSAFE.sub(" ", text).split()) or fallback
    first = cleaned.split(" ", 1)[0].lower()
    if any(first.startswith(keyword) for keyword in _GANTT_KEYWORDS):
        return f"› {cleaned}"
    return cleaned


def _milliseconds(seconds: float) -> int:
    return int(round(seconds * 1000))


def gantt(report: WorkflowReport) -> str:
    """The makespan schedule, one task per step, sections by level, critical steps marked `crit`.

    `dateFormat x` reads times as milliseconds since the epoch, so a schedule that starts at 0
    draws from 00:00 and the axis reads as elapsed time."""
    axis = "%H:%M" if report.estimate.makespan >= 3600 else "%M:%S"
    lines = ["gantt", "  dateFormat x", f"  axisFormat {axis}"]
    by_level: Dict[int, List[str]] = {}
    for index, step in enumerate(report.steps):
        tags = ("crit, " if step.critical else "") + f"t{index}"
        task = f"  {gantt_task_name(step.title, step.id)} :{tags}, {_milliseconds(step.start)}, {_milliseconds(step.finish)}"
        by_level.setdefault(step.level, []).append(task)
    for level in sorted(by_level):
        lines.append(f"  section Level {level + 1}")
        lines.extend(by_level[level])
    return "\n".join(lines)


def flowchart(report: WorkflowReport) -> str:
    """The graph exporter's flowchart when it exists, so `wfc graph` and reports agree."""
    assert report.plan is not None, "reports are built from plans"
    return render_mermaid(report.plan).strip()
