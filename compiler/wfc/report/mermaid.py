"""Mermaid diagrams for the markdown report: the estimated schedule as a `gantt`, the DAG as a
`flowchart` (from `wfc.render.graph_export`, so `wfc graph` and reports draw the same DAG).

GitHub renders these with mermaid itself, so any user text has to survive mermaid's grammar: a
gantt task name cannot hold `:` (it ends the name), `#` or `;` or `%%` (comments, entities), and a
name that starts with a gantt keyword (`section`, `title`, ...) would be read as that keyword.
The flowchart's own escaping lives with the graph exporter.
"""
from __future__ import annotations

import re
from typing import Dict, List, Tuple

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


_UNITS = ((3 * 3600, 3600.0, "h"), (3 * 60, 60.0, "m"), (0, 1.0, "s"))  # from a makespan of, seconds, suffix
_TICKS = (1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 1200, 3000, 6000)  # in units
MOST_TICKS = 10


def gantt_unit(makespan: float) -> Tuple[float, str]:
    """The axis unit (seconds, suffix) that keeps its numbers short: hours from 3 h, minutes from
    3 min, else seconds."""
    return next((seconds, suffix) for least, seconds, suffix in _UNITS if makespan >= least)


def gantt(report: WorkflowReport) -> str:
    """The makespan schedule, one task per step, sections by level, critical steps marked `crit`.

    Mermaid reads and formats gantt dates in the reader's time zone, so nothing here is a date:
    times are milliseconds since the epoch in which one second stands for one axis unit
    (`dateFormat x`), the axis prints those seconds (`%s`, the same number in every zone) with the
    unit's suffix, and the ticks step in milliseconds (`tickInterval`), which no zone shifts."""
    unit, suffix = gantt_unit(report.estimate.makespan)
    span = report.estimate.makespan / unit
    step = next((ticks for ticks in _TICKS if span / ticks <= MOST_TICKS), _TICKS[-1])
    lines = ["gantt", "  dateFormat x", f"  axisFormat %s{suffix}", f"  tickInterval {step * 1000}millisecond",
             "  todayMarker off"]
    by_level: Dict[int, List[str]] = {}
    for index, step_figures in enumerate(report.steps):
        tags = ("crit, " if step_figures.critical else "") + f"t{index}"
        start, finish = (int(round(seconds / unit * 1000)) for seconds in (step_figures.start, step_figures.finish))
        task = f"  {gantt_task_name(step_figures.title, step_figures.id)} :{tags}, {start}, {finish}"
        by_level.setdefault(step_figures.level, []).append(task)
    for level in sorted(by_level):
        lines.append(f"  section Level {level + 1}")
        lines.extend(by_level[level])
    return "\n".join(lines)


def flowchart(report: WorkflowReport) -> str:
    """The graph exporter's flowchart when it exists, so `wfc graph` and reports agree."""
    assert report.plan is not None, "reports are built from plans"
    return render_mermaid(report.plan).strip()
