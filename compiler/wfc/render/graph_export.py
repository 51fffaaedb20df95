"""The plan's DAG as a mermaid flowchart or a Graphviz dot digraph, drawn to be read.

Both are pure functions of the plan: the command doc embeds the mermaid text and the report reuses
it, so the same plan always draws the same picture, byte for byte. What keeps a 50-step graph
legible (`GraphShape`): only the edges of the transitive reduction are drawn (an edge implied by a
longer chain says nothing the chain does not), the direction follows the graph's shape (left to
right when its levels as columns draw narrower than as rows), labels wrap at the width that keeps
the chart within a budget, groups that form bands of levels are boxes, and the critical path is
drawn heavier. Graphviz, which ranks as told, puts each level on one rank.

Titles come from workflow files, which may come from anyone, so no user text is trusted with
either syntax: node ids are generated (`n0`, `n1`, ... in plan order), mermaid labels are quoted
with every character that could mean something (quotes, brackets, `#`, `<`, backticks, ...)
written as a `#NNN;` entity, and dot labels are double-quoted with backslashes and quotes escaped
and control characters dropped.
"""
from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from functools import cached_property
from typing import Dict, FrozenSet, List, Sequence, Tuple

from wfc.format.durations import format_duration
from wfc.analysis.plan import Plan
from wfc.render.drawn_graph import (DrawnGraph, Edge, critical_edges, drawn_graph, edges, marked, node_estimate,
                                    node_title, reduced_edges)

__all__ = ["GraphShape", "critical_edges", "edges", "reduced_edges", "render_dot", "render_mermaid"]

LABEL_LIMIT = 60  # characters of a title shown in a node; the doc and plan carry the full text
NODE_TITLE_LIMIT = 50  # characters of a title in a drawn node: a few wrapped lines, not a paragraph
DOT_WRAP = 28  # characters per title line in a Graphviz node (dot does not wrap labels itself)
CRITICAL_COLOUR = "#d9480f"
CRITICAL_FILL = "#fff4e6"
_MERMAID_PLAIN = frozenset(" ,.:/-_+=()?!%@")
# `\w` is what `str.isalnum` accepts, plus `_`, which is plain here too: so this finds exactly the rest
_MERMAID_UNSAFE = re.compile(r"[^\w" + re.escape("".join(sorted(_MERMAID_PLAIN))) + r"]")


@dataclass(frozen=True)
class MermaidMetrics:
    """What a drawn mermaid flowchart measures, calibrated against mermaid 11's own renders of the
    shipped workflows (tests/report renders them): with these spacings a column of a left-to-right
    chart takes `wrap + 47` px, and a node of a top-down one `wrap + 24` px, times about two for the
    room dagre leaves around the long edges that run between the nodes of a rank."""

    node_spacing: int = 12
    rank_spacing: int = 20  # left to right, where it adds to the width
    rank_spacing_down: int = 30  # top down, where it only adds height: room for the group titles
    padding: int = 6
    min_wrap: int = 90  # px a label line wraps at: about 11 characters of mermaid's 16 px font
    max_wrap: int = 200  # mermaid's own default
    column_gap: int = 60
    node_gap: int = 24
    spread: float = 2.3
    budget: int = 1800  # px: the drawn chart, its margins and dagre's variance stay within 2,000 px


MERMAID = MermaidMetrics()

def node_ids(graph: DrawnGraph) -> Dict[str, str]:
    """Node key -> a safe identifier, by position in the plan's order (step ids may be `end`,
    `graph` or `subgraph`, which are keywords in one syntax or the other)."""
    return {node.key: f"n{index}" for index, node in enumerate(graph.nodes)}


def short_label(text: str) -> str:
    """One line, at most LABEL_LIMIT characters: a node is a summary, not the prompt."""
    line = " ".join(str(text).split())
    return line if len(line) <= LABEL_LIMIT else line[: LABEL_LIMIT - 1].rstrip() + "…"


def node_label(plan: Plan, step_id: str) -> str:
    """The one-line form (`id: title (estimate)`), for places that show a node as text."""
    step = plan.workflow.step(step_id)
    estimate = format_duration(plan.planned(step_id).estimate)
    return f"{step_id}: {short_label(step.title)} ({estimate})"


def node_lines(plan: Plan, graph: DrawnGraph, key: str) -> Tuple[str, str]:
    """What a drawn node says: `id (estimate)` (`review ×12 (1m each)` for a fan-out), then its
    title cut at NODE_TITLE_LIMIT characters; the renderer wraps both."""
    node = graph.node(key)
    title = " ".join(str(node_title(plan, node)).split())
    if len(title) > NODE_TITLE_LIMIT:
        title = title[: NODE_TITLE_LIMIT - 1].rstrip() + "…"
    return f"{marked(node)} ({node_estimate(plan, node)})", title


@dataclass(frozen=True)
class GraphShape:
    """How a plan's graph is laid out, decided once for both syntaxes, from its shape alone."""

    plan: Plan

    @cached_property
    def graph(self) -> DrawnGraph:
        return drawn_graph(self.plan)

    @cached_property
    def ids(self) -> Dict[str, str]:
        return node_ids(self.graph)

    @cached_property
    def edges(self) -> Tuple[Edge, ...]:
        return self.graph.edges

    @cached_property
    def critical(self) -> FrozenSet[Edge]:
        return self.graph.critical_edges

    @cached_property
    def widest(self) -> int:
        return max((len(level) for level in self.graph.levels), default=1)

    @cached_property
    def left_to_right(self) -> bool:
        """Levels as columns when that draws narrower than levels as rows: a deep graph reads top
        down, a wide and shallow one left to right (its wide levels become tall columns)."""
        wrap = MERMAID.min_wrap
        columns = len(self.plan.levels) * (wrap + MERMAID.column_gap)
        return columns < self.widest * (wrap + MERMAID.node_gap) * MERMAID.spread

    @cached_property
    def wrap(self) -> int:
        """The widest label line (px, in tens) that keeps the estimated width within the budget."""
        if self.left_to_right:
            room = MERMAID.budget / len(self.plan.levels) - MERMAID.column_gap
        else:
            room = MERMAID.budget / (self.widest * MERMAID.spread) - MERMAID.node_gap
        return int(min(max(room, MERMAID.min_wrap), MERMAID.max_wrap)) // 10 * 10

    @cached_property
    def groups(self) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
        """The steps' groups as boxes, in plan order, when they are bands: every step in a group
        and no two groups sharing a level. Boxes that share levels overlap in dagre's layout and
        send every long edge around them, so then there are none."""
        members: Dict[str, List[str]] = {}
        for node in self.graph.nodes:
            group = self.plan.workflow.step(node.steps[0]).group
            if not group:
                return ()
            members.setdefault(group, []).append(node.key)
        level = {key: index for index, keys in enumerate(self.graph.levels) for key in keys}
        spans = sorted((min(level[s] for s in steps), max(level[s] for s in steps)) for steps in members.values())
        if len(spans) < 2 or any(low <= previous for (_, previous), (low, _) in zip(spans, spans[1:])):
            return ()
        return tuple((group, tuple(steps)) for group, steps in members.items())


# -- mermaid -----------------------------------------------------------------------------------


def mermaid_escape(text: str) -> str:
    """Text for inside a quoted mermaid label: letters, digits and harmless punctuation stay,
    everything else becomes a numeric entity (`"` -> `#34;`), so no label can end the quote, open
    markdown or HTML, or start a comment."""
    return _MERMAID_UNSAFE.sub(_entity, " ".join(str(text).split()))


def _entity(match: "re.Match[str]") -> str:
    return f"#{ord(match.group())};"


def render_mermaid(plan: Plan) -> str:
    """A flowchart of the reduced graph, sized by its shape, critical steps and edges highlighted."""
    shape = GraphShape(plan)
    ids = shape.ids
    lines = [*_mermaid_config(shape), f"flowchart {'LR' if shape.left_to_right else 'TD'}",
             f"    classDef critical fill:{CRITICAL_FILL},stroke:{CRITICAL_COLOUR},stroke-width:3px"]
    if shape.groups:
        for index, (group, steps) in enumerate(shape.groups):
            lines.append(f'    subgraph G{index}["{mermaid_escape(group)}"]')
            lines.extend(f"        {_mermaid_node(shape, step)}" for step in steps)
            lines.append("    end")
    else:
        lines.extend(f"    {_mermaid_node(shape, node.key)}" for node in shape.graph.nodes)
    lines.extend(f"    {ids[source]} --> {ids[target]}" for source, target in shape.edges)
    numbers = [str(index) for index, edge in enumerate(shape.edges) if edge in shape.critical]
    if numbers:
        lines.append(f"    linkStyle {','.join(numbers)} stroke:{CRITICAL_COLOUR},stroke-width:3px")
    critical = [ids[key] for key in shape.graph.critical_path]
    if critical:
        lines.append(f"    class {','.join(critical)} critical")
    return "\n".join(lines) + "\n"


def _mermaid_config(shape: GraphShape) -> List[str]:
    """Frontmatter that sizes the chart: tighter spacing than mermaid's defaults, and the label
    wrap that keeps it within the budget (the layout itself stays mermaid's)."""
    ranks = MERMAID.rank_spacing if shape.left_to_right else MERMAID.rank_spacing_down
    lines = ["---", "config:", "  flowchart:", f"    nodeSpacing: {MERMAID.node_spacing}",
             f"    rankSpacing: {ranks}", f"    padding: {MERMAID.padding}", f"    wrappingWidth: {shape.wrap}"]
    if shape.groups:  # a group's title is drawn over its first nodes unless given room
        lines += ["    subGraphTitleMargin:", "      top: 0", "      bottom: 24"]
    return lines + ["---"]


def _mermaid_node(shape: GraphShape, step: str) -> str:
    """`nK["id (estimate)<br>title"]`: `<br>` is the one markup mermaid reads in a label; every
    line is escaped on its own."""
    label = "<br>".join(mermaid_escape(line) for line in node_lines(shape.plan, shape.graph, step))
    return f'{shape.ids[step]}["{label}"]'


# -- dot ---------------------------------------------------------------------------------------


def dot_escape(text: str) -> str:
    """Text for inside a double-quoted dot string: one line, no control characters, and `\\`
    doubled so `\\l`, `\\N` and friends in a title stay literal."""
    cleaned = "".join(char if char.isprintable() else " " for char in str(text))
    line = " ".join(cleaned.split())
    return line.replace("\\", "\\\\").replace('"', '\\"')


def render_dot(plan: Plan) -> str:
    """A `digraph` for `dot -Tsvg`: one cluster per level, each level on one rank (so no edge
    runs flat between two nodes of a rank), the reduced edges, critical steps and edges heavier."""
    shape = GraphShape(plan)
    ids = shape.ids
    workflow = plan.workflow
    lines = [
        f'digraph "{dot_escape(workflow.name)}" {{',
        f'    graph [rankdir={"LR" if shape.left_to_right else "TB"}, newrank=true, labelloc=t, '
        f'fontname="Helvetica", label="{dot_escape(workflow.title)}"];',
        '    node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];',
        '    edge [color="#868e96"];',
    ]
    for index, level in enumerate(shape.graph.levels):
        lines.extend(_dot_cluster(shape, index, level))
    for source, target in shape.edges:
        style = f' [color="{CRITICAL_COLOUR}", penwidth=3]' if (source, target) in shape.critical else ""
        lines.append(f"    {ids[source]} -> {ids[target]}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_cluster(shape: GraphShape, index: int, level: Sequence[str]) -> List[str]:
    width = len(level)
    title = f"Level {index + 1}: {width} step{'s' if width != 1 else ''}"
    lines = [f"    subgraph cluster_L{index} {{",
             f'        label="{title}"; rank=same; style=dashed; color="#adb5bd";']
    critical = set(shape.graph.critical_path)
    for step in level:
        extra = f', color="{CRITICAL_COLOUR}", fillcolor="{CRITICAL_FILL}", penwidth=3' if step in critical else ""
        head, title_text = node_lines(shape.plan, shape.graph, step)
        label = "\\n".join(dot_escape(line) for line in (head, *textwrap.wrap(title_text, DOT_WRAP)))
        lines.append(f'        {shape.ids[step]} [label="{label}"{extra}];')
    lines.append("    }")
    return lines
