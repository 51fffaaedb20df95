"""The html report's charts, drawn here as inline SVG so the report needs nothing from a network.

Both charts scale with their container (a `viewBox`, `width="100%"`) and carry a minimum width
so labels stay readable on a phone: the page scrolls the chart sideways instead of shrinking the
text to nothing. Colours come from CSS classes (`bar`, `crit`, `node`, `edge`), so the page's
light and dark palettes apply to them. Every user string is escaped.
"""
from __future__ import annotations

import hashlib
from html import escape
from typing import List, Tuple

from wfc.analysis.plan import Plan
from wfc.format.durations import format_duration
from wfc.render.drawn_graph import DrawnNode, drawn_graph, marked, node_estimate, node_title
from wfc.report.data import StepFigures, WorkflowReport
from wfc.report.layout import Box, Route, layered

CHAR_WIDTH = 7.6  # width of a 12px sans-serif character (DejaVu Sans, wide letters included), in viewBox units
MIN_SCALE = 0.85  # of full size: 12-unit text never drawn below 10 px
LEGEND_HEIGHT, LEGEND_WIDTH = 32.0, 520.0
_TICK_STEPS = (0.001, 0.01, 0.1, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600,
               7200, 10800, 21600, 43200, 86400)


def fit(text: str, width: float) -> str:
    """`text` cut with an ellipsis to fit `width` viewBox units."""
    room = max(int(width / CHAR_WIDTH), 1)
    return text if len(text) <= room else text[: max(room - 1, 0)] + "…"


def tick_step(total: float, most: int = 8) -> float:
    """The smallest round interval that puts at most `most` ticks on the axis."""
    return next((step for step in _TICK_STEPS if total / step <= most), _TICK_STEPS[-1])


def svg_element(width: float, height: float, label: str, body: List[str]) -> str:
    """Scaled by its viewBox to the page, but never below MIN_SCALE nor above full size: text set
    at 12 units is drawn between 10 and 12 px, and a chart wider than the page scrolls."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" width="100%" '
            f'preserveAspectRatio="xMinYMin meet" role="img" aria-label="{escape(label)}" '
            f'style="min-width: {width * MIN_SCALE:g}px; max-width: {width:g}px">\n' + "\n".join(body) + "\n</svg>")


class GanttLayout:
    """Where things go in a chart over time: a label column, then time scaled to the rest."""

    width = 1000.0
    label = 240.0
    row = 22.0
    bar = 14.0

    def __init__(self, total: float, top: float = 30.0) -> None:
        self.total = total if total > 0 else 1.0
        self.top = top

    def x(self, seconds: float) -> float:
        return round(self.label + seconds / self.total * (self.width - self.label - 20), 2)

    def y(self, index: int) -> float:
        return self.top + index * self.row


def time_axis(layout: GanttLayout, rows: int) -> List[str]:
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
    body = time_axis(layout, len(report.steps))
    for index, step in enumerate(report.steps):
        body.extend(_bar(layout, index, step))
    height = layout.y(len(report.steps)) + 8
    return svg_element(layout.width, height, f"Estimated schedule of {report.name}", body)


def dag_svg(report: WorkflowReport) -> str:
    """The dependency graph, layered (`layout`), with arrowheads, the critical path marked and a
    legend; long titles cut in the box and whole in its tooltip."""
    assert report.plan is not None, "reports are built from plans"
    drawing = layered(report.plan)
    graph = drawn_graph(report.plan)
    marker = _marker_ids(report.name)
    path = set(graph.critical_path)
    on_path = graph.critical_edges
    edges = sorted(drawing.routes, key=lambda route: (route.source, route.target) in on_path)  # critical on top
    body = _markers(marker) + _legend(marker)
    body += [_edge_path(route, (route.source, route.target) in on_path, marker, LEGEND_HEIGHT, drawing.left_to_right)
             for route in edges]
    body += [_dag_node(drawing.boxes[node.key], _node_words(report.plan, node), node.key in path, LEGEND_HEIGHT)
             for node in graph.nodes]
    width = max(drawing.width, LEGEND_WIDTH)
    return svg_element(width, drawing.height + LEGEND_HEIGHT, f"Dependencies of {report.name}", body)


def _marker_ids(name: str) -> Tuple[str, str]:
    """Marker ids unique within a page that shows many workflows (an id is document-wide)."""
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]
    return f"arrow-{digest}", f"arrow-crit-{digest}"


def _markers(ids: Tuple[str, str]) -> List[str]:
    shape = ('viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" '
             'orient="auto-start-reverse"')
    return ["<defs>",
            f'<marker id="{ids[0]}" class="arrow" {shape}><path d="M0,0 L10,5 L0,10 z"/></marker>',
            f'<marker id="{ids[1]}" class="arrow crit" {shape}><path d="M0,0 L10,5 L0,10 z"/></marker>',
            "</defs>"]


def _legend(ids: Tuple[str, str]) -> List[str]:
    """One row above the graph: what a box, a marked box and the two kinds of edge mean."""
    y = 8.0
    return ['<g class="legend">',
            f'<g class="node"><rect x="12" y="{y:g}" width="22" height="14" rx="3"/></g>',
            f'<text x="40" y="{y + 11:g}">step</text>',
            f'<g class="node crit"><rect x="86" y="{y:g}" width="22" height="14" rx="3"/></g>',
            f'<text x="114" y="{y + 11:g}">on the critical path</text>',
            f'<path class="edge" d="M250,{y + 7:g} L290,{y + 7:g}" marker-end="url(#{ids[0]})"/>',
            f'<text x="298" y="{y + 11:g}">waits for</text>',
            f'<path class="edge crit" d="M370,{y + 7:g} L410,{y + 7:g}" marker-end="url(#{ids[1]})"/>',
            f'<text x="418" y="{y + 11:g}">critical path</text>',
            "</g>"]


def _edge_path(route: Route, critical: bool, ids: Tuple[str, str], top: float, left_to_right: bool) -> str:
    """Straight through each layer it crosses (in its own slot), a smooth bend across each gap."""
    points = [(x, y + top) for x, y in route.points]
    parts = [f"M{points[0][0]:g},{points[0][1]:g}"]
    for index, ((x1, y1), (x2, y2)) in enumerate(zip(points, points[1:])):
        if index % 2:
            parts.append(f"L{x2:g},{y2:g}")
        elif left_to_right:
            middle = (x1 + x2) / 2
            parts.append(f"C{middle:g},{y1:g} {middle:g},{y2:g} {x2:g},{y2:g}")
        else:
            middle = (y1 + y2) / 2
            parts.append(f"C{x1:g},{middle:g} {x2:g},{middle:g} {x2:g},{y2:g}")
    kind, marker = ("edge crit", ids[1]) if critical else ("edge", ids[0])
    return (f'<path class="{kind}" data-edge="{escape(route.source)} {escape(route.target)}" '
            f'd="{" ".join(parts)}" marker-end="url(#{marker})"/>')


def _node_words(plan: Plan, node: DrawnNode) -> Tuple[str, str, str, str]:
    """(key, name shown, title, estimate): `review ×12`, its title as written, `1m each`."""
    return node.key, marked(node), str(node_title(plan, node)), node_estimate(plan, node)


def _dag_node(box: Box, words: Tuple[str, str, str, str], critical: bool, top: float) -> str:
    key, name, title, estimate = words
    kind = "node crit" if critical else "node"
    tip = escape(f"{name}: {title} ({estimate})")
    x, y = box.x, box.y + top
    room = box.width - 16
    second = f"{estimate} · {title}"
    return (f'<g class="{kind}" data-node="{escape(key)}"><title>{tip}</title>'
            f'<rect x="{x:g}" y="{y:g}" width="{box.width:g}" height="{box.height:g}" rx="5"/>'
            f'<text class="name" x="{x + 8:g}" y="{y + 15:g}">{escape(fit(name, room))}</text>'
            f'<text class="detail" x="{x + 8:g}" y="{y + 30:g}">{escape(fit(second, room))}</text></g>')
