"""Mermaid diagrams for the markdown report: the estimated schedule as a `gantt`, the DAG as a
`flowchart` (from `wfc.render.graph_export` when it is there, else a minimal one drawn here).

GitHub renders these with mermaid itself, so any user text has to survive mermaid's grammar: a
gantt task name cannot hold `:` (it ends the name), `#` or `;` or `%%` (comments, entities), and a
name that starts with a gantt keyword (`section`, `title`, ...) would be read as that keyword.
Flowchart nodes get synthetic ids (`s0`, `s1`, ...) because step ids such as `end` or `o` are
mermaid keywords or edge markers; the step id is only ever a quoted label.
"""
from __future__ import annotations

import re
from typing import Dict, List, Tuple

from wfc.plan import Plan
from wfc.report.data import WorkflowReport

CRITICAL_STYLE = "stroke:#d62728,stroke-width:3px"
_GANTT_KEYWORDS = ("accdescr", "acctitle", "axisformat", "click", "dateformat", "displaymode", "excludes",
                   "includes", "inclusiveenddates", "section", "tickinterval", "title", "todaymarker",
                   "topaxis", "weekday", "weekend")
_GANTT_UNSAFE = re.compile(r"[:#;%`\\]")
_LABEL_ENTITIES = {"#": "#35;", '"': "#quot;", "&": "#amp;", "<": "#lt;", ">": "#gt;", "`": "#96;"}


def gantt_task_name(text: str, fallback: str) -> str:
    """`text` as a gantt task name that mermaid reads back as the same words."""
    cleaned = " ".join(_GANTT_UNSAFE.sub(" ", text).split()) or fallback
    first = cleaned.split(" ", 1)[0].lower()
    if any(first.startswith(keyword) for keyword in _GANTT_KEYWORDS):
        return f"› {cleaned}"
    return cleaned


def flowchart_label(text: str) -> str:
    """A quoted flowchart label showing `text` literally (mermaid entity codes for markup)."""
    one_line = " ".join(str(text).split())
    return '"' + "".join(_LABEL_ENTITIES.get(char, char) for char in one_line) + '"'


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


def _edges(plan: Plan) -> List[Tuple[str, str]]:
    return [(dependency, planned.id) for planned in plan.steps for dependency in planned.dependencies]


def minimal_flowchart(plan: Plan) -> str:
    """The DAG left to right, critical steps and the edges between them highlighted."""
    node = {step_id: f"s{index}" for index, step_id in enumerate(plan.order)}
    lines = ["flowchart LR"]
    lines.extend(f"  {node[step_id]}[{flowchart_label(step_id)}]" for step_id in plan.order)
    edges = sorted(_edges(plan), key=lambda edge: (plan.order.index(edge[0]), plan.order.index(edge[1])))
    lines.extend(f"  {node[a]} --> {node[b]}" for a, b in edges)
    critical = set(zip(plan.critical_path, plan.critical_path[1:]))
    lines.append(f"  classDef crit {CRITICAL_STYLE}")
    if plan.critical_path:
        lines.append("  class " + ",".join(node[s] for s in plan.critical_path) + " crit")
    marked = [str(index) for index, edge in enumerate(edges) if edge in critical]
    if marked:
        lines.append(f"  linkStyle {','.join(marked)} {CRITICAL_STYLE}")
    return "\n".join(lines)


def flowchart(report: WorkflowReport) -> str:
    """The graph exporter's flowchart when it exists, so `wfc graph` and reports agree."""
    plan = report.plan
    assert plan is not None, "reports are built from plans"
    try:
        from wfc.render.graph_export import render_mermaid  # type: ignore[import-not-found]
    except ImportError:
        return minimal_flowchart(plan)
    return render_mermaid(plan).strip()
