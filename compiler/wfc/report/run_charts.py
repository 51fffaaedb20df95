"""The html report's charts of measured runs: estimate against actual per step, and cost per step.

The first reads `Accuracy` (medians over the runs in the journals), the second its `spending`
(each step's agent attempts summed over every measured run, failed attempts included); both draw
one row per step in plan order, on the same label column and scale rules as the schedule chart, so
the three line up and read alike. Cost is drawn only when some attempt reported one; tokens are
written beside it.
"""
from __future__ import annotations

from html import escape
from typing import List

from wfc.format.durations import format_duration
from wfc.report.data import StepAccuracy, WorkflowReport
from wfc.report.svg import GanttLayout, fit, svg_element, time_axis
from wfc.report.text import has_spent_cost, spend_text

LEGEND_TOP = 14.0
AXIS_TOP = 54.0  # room for the legend row above the axis labels


def _legend(entries: List[str]) -> List[str]:
    """Swatches (`class`, words) in one row at the top left."""
    parts, x = ['<g class="legend">'], 12.0
    for entry in entries:
        kind, words = entry.split(":", 1)
        parts.append(f'<rect class="{kind}" x="{x:g}" y="{LEGEND_TOP - 9:g}" width="22" height="10" rx="2"/>')
        parts.append(f'<text x="{x + 28:g}" y="{LEGEND_TOP:g}">{escape(words)}</text>')
        x += 40 + len(words) * 7.6
    return parts + ["</g>"]


def accuracy_svg(report: WorkflowReport) -> str:
    """Per measured step, its estimate (outlined) over its measured median (filled, marked `over`
    when it ran longer than estimated)."""
    assert report.accuracy is not None, "drawn only for workflows with measured runs"
    rows = report.accuracy.steps
    longest = max((max(row.estimate, row.median) for row in rows), default=1.0)
    layout = GanttLayout(longest, top=AXIS_TOP)
    body = _legend(["estimate:estimate", "measured:measured (median)", "measured over:longer than estimated"])
    body += time_axis(layout, len(rows))
    for index, row in enumerate(rows):
        body += _accuracy_row(layout, index, row)
    return svg_element(layout.width, layout.y(len(rows)) + 8, f"Estimate against actual for {report.name}", body)


def _accuracy_row(layout: GanttLayout, index: int, row: StepAccuracy) -> List[str]:
    y = layout.y(index)
    start = layout.x(0)
    kind = "measured over" if row.median > row.estimate else "measured"
    tip = escape(f"{row.step}: estimated {format_duration(row.estimate)}, measured {format_duration(row.median)} "
                 f"(median of {row.samples}), {row.error_pct:+g} %")
    return [f'<g data-accuracy="{escape(row.step)}"><title>{tip}</title>',
            f'<text class="label" x="{layout.label - 8:g}" y="{y + layout.bar - 2:g}" text-anchor="end">'
            f'{escape(fit(row.step, layout.label - 16))}</text>',
            f'<rect class="estimate" x="{start:g}" y="{y + 2:g}" width="{max(layout.x(row.estimate) - start, 1.0):g}" '
            f'height="7" rx="1"/>',
            f'<rect class="{kind}" x="{start:g}" y="{y + 10:g}" width="{max(layout.x(row.median) - start, 1.0):g}" '
            f'height="7" rx="1"/>', "</g>"]


def cost_svg(report: WorkflowReport) -> str:
    """Per step whose attempts reported a cost, the cost summed over its attempts in every measured
    run as a bar, the figure (and tokens) beside it."""
    assert report.accuracy is not None and report.accuracy.spending is not None and has_spent_cost(report), \
        "drawn only where runs reported a cost"
    rows = [row for row in report.accuracy.spending.steps if row.usage.cost_usd is not None]
    layout = GanttLayout(1.0, top=AXIS_TOP - 30)
    highest = max(row.usage.cost_usd or 0.0 for row in rows) or 1.0
    room = layout.x(1.0) - layout.x(0.0) - 220  # the figures follow the longest bar
    body: List[str] = []
    for index, row in enumerate(rows):
        y, start = layout.y(index), layout.x(0)
        length = max((row.usage.cost_usd or 0.0) / highest * room, 1.0)
        figures = spend_text(row.usage.cost_usd, row.usage.tokens_in, row.usage.tokens_out)
        runs = f"{row.runs} run{'s' if row.runs != 1 else ''}"
        body += [
            f'<g data-cost="{escape(row.step)}"><title>'
            f'{escape(f"{row.step}: {figures} ({row.usage.attempts} attempts in {runs})")}</title>',
            f'<text class="label" x="{layout.label - 8:g}" y="{y + layout.bar - 2:g}" text-anchor="end">'
            f'{escape(fit(row.step, layout.label - 16))}</text>',
            f'<rect class="cost" x="{start:g}" y="{y + 2:g}" width="{length:g}" height="{layout.bar:g}" rx="2"/>',
            f'<text class="figure" x="{start + length + 6:g}" y="{y + layout.bar - 2:g}">{escape(figures)}</text>',
            "</g>",
        ]
    return svg_element(layout.width, layout.y(len(rows)) + 8, f"Cost per step of {report.name}", body)
