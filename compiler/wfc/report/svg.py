"""The html report's charts, drawn here as inline SVG so the report needs nothing from a network.

Both charts scale with their container (a `viewBox`, `width="100%"`) and carry a minimum width
so labels stay readable on a phone: the page scrolls the chart sideways instead of shrinking the
text to nothing. Colours come from CSS classes (`bar`, `crit`, `node`, `edge`), so the page's
light and dark palettes apply to them. Every user string is escaped.
"""
from __future__ import annotations

from dataclasses import replace
from html import escape
from typing import Dict, List, Tuple

from wfc.format.durations import format_duration
from wfc.report.data import StepFigures, WorkflowReport

CHAR_WIDTH = 7.0  # average width of a 12px sans-serif character, in viewBox units
_TICK_STEPS = (0.001, 0.01, 0.1, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600,
               7200, 10800, 21600, 43200, 86400)


def fit(text: str, width: float) -> str:
    """`text` cut with an ellipsis to fit `width` viewBox units."""
    room = max(int(width / CHAR_WIDTH), 1)
    return text if len(text) <= room else text[: max(room - 1, 0)] + "…"


def tick_step(total: float, most: int = 8) -> float:
    """The smallest round interval that puts at most `most` ticks on the axis."""
    return next((step for step in _TICK_STEPS if total / step <= most), _TICK_STEPS[-1])


def _svg(width: float, height: float, label: str, body: List[str], min_width: float) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" width="100%" '
            f'preserveAspectRatio="xMinYMin meet" role="img" aria-label="{escape(label)}" '
            f'style="min-width: {min_width:g}px">\n' + "\n".join(body) + "\n</svg>")


class GanttLayout:
    """Where things go in the schedule chart: a label column, then time scaled to the rest."""

    width = 1000.0
    label = 240.0
    row = 22.0
    bar = 14.0
    top = 30.0

    def __init__(self, total: float) -> None:
        self.total = total if total > 0 else 1.0

    def x(self, seconds: float) -> float:
        return round(self.label + seconds / self.total * (self.width - self.label - 20), 2)

    def y(self, index: int) -> float:
        return self.top + index * self.row


def _axis(layout: GanttLayout, rows: int) -> List[str]:
    step = tick_step(layout.total)
    parts: List[str] = []
    count = int(layout.total / step + 1e-9)
    for index in range(count + 1):
        x = layout.x(index * step)
        parts.append(f'<line class="grid" x1="{x:g}" y1="{layout.top - 6:g}" x2="{x:g}" '
                     f'y2="{layout.y(rows):g}"/>')
        parts.append(f'<text class="tick" x="{x:g}" y="{layout.top - 10:g}" text-anchor="middle">'
                     f'{format_duration(index * step)}</text>')
    return parts


def _bar(layout: GanttLayout, index: int, step: StepFigures) -> List[str]:
    y = layout.y(index)
    x, end = layout.x(step.start), layout.x(step.finish)
    tip = escape(f"{step.id}: {step.title} ({format_duration(step.start)} to {format_duration(step.finish)})")
    kind = "bar crit" if step.critical else "bar"
    return [
        f'<text class="label" x="{layout.label - 8:g}" y="{y + layout.bar - 2:g}" text-anchor="end">'
        f'{escape(fit(step.id, layout.label - 16))}</text>',
        f'<rect class="{kind}" data-step="{escape(step.id)}" x="{x:g}" y="{y + 2:g}" '
        f'width="{max(end - x, 1.0):g}" height="{layout.bar:g}" rx="2"><title>{tip}</title></rect>',
    ]


def gantt_svg(report: WorkflowReport) -> str:
    """One bar per step at its estimated start and finish; critical steps in the `crit` colour."""
    layout = GanttLayout(report.estimate.makespan)
    body = _axis(layout, len(report.steps))
    for index, step in enumerate(report.steps):
        body.extend(_bar(layout, index, step))
    height = layout.y(len(report.steps)) + 8
    return _svg(layout.width, height, f"Estimated schedule of {report.name}", body, 860)


class DagLayout:
    """Levels as columns left to right, steps in plan order down each column."""

    gap = 56.0
    row = 36.0
    node = 24.0
    margin = 10.0

    def __init__(self, report: WorkflowReport) -> None:
        longest = max((len(step.id) for step in report.steps), default=4)
        self.column = min(max(longest * CHAR_WIDTH + 20, 90.0), 260.0)
        self.places: Dict[str, Tuple[float, float]] = {}
        for level, names in enumerate(report.levels):
            for index, name in enumerate(names):
                self.places[name] = (self.margin + level * (self.column + self.gap),
                                     self.margin + index * self.row)
        self.width = self.margin * 2 + len(report.levels) * (self.column + self.gap) - self.gap
        self.height = self.margin * 2 + max((len(level) for level in report.levels), default=1) * self.row


def _edge(layout: DagLayout, source: str, target: str, critical: bool) -> str:
    (x1, y1), (x2, y2) = layout.places[source], layout.places[target]
    x1, y1, y2 = x1 + layout.column, y1 + layout.node / 2, y2 + layout.node / 2
    bend = (x2 - x1) / 2
    kind = "edge crit" if critical else "edge"
    return (f'<path class="{kind}" d="M{x1:g},{y1:g} C{x1 + bend:g},{y1:g} {x2 - bend:g},{y2:g} '
            f'{x2:g},{y2:g}"/>')


def _node(layout: DagLayout, step: StepFigures) -> str:
    x, y = layout.places[step.id]
    kind = "node crit" if step.critical else "node"
    tip = escape(f"{step.id}: {step.title} ({format_duration(step.estimate)})")
    return (f'<g class="{kind}" data-node="{escape(step.id)}"><title>{tip}</title>'
            f'<rect x="{x:g}" y="{y:g}" width="{layout.column:g}" height="{layout.node:g}" rx="5"/>'
            f'<text x="{x + 10:g}" y="{y + layout.node / 2 + 4:g}">{escape(fit(step.id, layout.column - 16))}</text></g>')


def dag_svg(report: WorkflowReport) -> str:
    """The dependency graph with the critical path's steps and the edges between them marked."""
    layout = DagLayout(report)
    on_path = set(zip(report.critical_path, report.critical_path[1:]))
    in_path = set(report.critical_path)
    body = [_edge(layout, dependency, step.id, (dependency, step.id) in on_path)
            for step in sorted(report.steps, key=lambda s: s.id) for dependency in step.dependencies]
    body.sort(key=lambda line: "crit" in line)  # critical edges drawn last, on top
    body.extend(_node(layout, _on_path(step, in_path)) for step in report.steps)
    return _svg(layout.width, layout.height, f"Dependencies of {report.name}", body,
                min(layout.width * 0.8, 2400))


def _on_path(step: StepFigures, path: set) -> StepFigures:
    """Nodes are highlighted for being on the drawn path; slack-0 steps off it stay plain."""
    return step if step.critical == (step.id in path) else replace(step, critical=step.id in path)
