"""The plan's DAG as a mermaid flowchart or a Graphviz dot digraph.

Both are pure functions of the plan: the command doc embeds the mermaid text and the report reuses
it, so the same plan always draws the same picture, byte for byte. Steps are grouped by level
(one subgraph per level, in the plan's order) and the critical path is drawn heavier.

Titles come from workflow files, which may come from anyone, so no user text is trusted with
either syntax: node ids are generated (`n0`, `n1`, ... in plan order), mermaid labels are quoted
with every character that could mean something (quotes, brackets, `#`, `<`, backticks, ...)
written as a `#NNN;` entity, and dot labels are double-quoted with backslashes and quotes escaped
and control characters dropped.
"""
from __future__ import annotations

import re

from typing import Dict, List, Mapping, Sequence, Tuple

from wfc.format.durations import format_duration
from wfc.analysis.plan import Plan

LABEL_LIMIT = 60  # characters of a title shown in a node; the doc and plan carry the full text
CRITICAL_COLOUR = "#d9480f"
CRITICAL_FILL = "#fff4e6"
_MERMAID_PLAIN = frozenset(" ,.:/-_+=()?!%@")
# `\w` is what `str.isalnum` accepts, plus `_`, which is plain here too: so this finds exactly the rest
_MERMAID_UNSAFE = re.compile(r"[^\w" + re.escape("".join(sorted(_MERMAID_PLAIN))) + r"]")


def node_ids(plan: Plan) -> Dict[str, str]:
    """Step id -> a safe identifier, by position in the plan's order (step ids may be `end`,
    `graph` or `subgraph`, which are keywords in one syntax or the other)."""
    return {step: f"n{index}" for index, step in enumerate(plan.order)}


def edges(plan: Plan) -> Tuple[Tuple[str, str], ...]:
    """(dependency, dependent) pairs in plan order, each step's dependencies in plan order too: a
    stable edge numbering, which mermaid's `linkStyle` needs."""
    position = {step: index for index, step in enumerate(plan.order)}
    return tuple(
        (dependency, planned.id)
        for planned in plan.steps
        for dependency in sorted(planned.dependencies, key=position.__getitem__)
    )


def critical_edges(plan: Plan) -> frozenset:
    path = plan.critical_path
    return frozenset(zip(path, path[1:]))


def short_label(text: str) -> str:
    """One line, at most LABEL_LIMIT characters: a node is a summary, not the prompt."""
    line = " ".join(str(text).split())
    return line if len(line) <= LABEL_LIMIT else line[: LABEL_LIMIT - 1].rstrip() + "…"


def node_label(plan: Plan, step_id: str) -> str:
    step = plan.workflow.step(step_id)
    estimate = format_duration(plan.planned(step_id).estimate)
    return f"{step_id}: {short_label(step.title)} ({estimate})"


# -- mermaid -----------------------------------------------------------------------------------


def mermaid_escape(text: str) -> str:
    """Text for inside a quoted mermaid label: letters, digits and harmless punctuation stay,
    everything else becomes a numeric entity (`"` -> `#34;`), so no label can end the quote, open
    markdown or HTML, or start a comment."""
    return _MERMAID_UNSAFE.sub(_entity, " ".join(str(text).split()))


def _entity(match: "re.Match[str]") -> str:
    return f"#{ord(match.group())};"


def render_mermaid(plan: Plan) -> str:
    """A `flowchart TD`, one subgraph per level, critical steps and edges highlighted."""
    ids = node_ids(plan)
    lines = ["flowchart TD",
             f"    classDef critical fill:{CRITICAL_FILL},stroke:{CRITICAL_COLOUR},stroke-width:3px"]
    for index, level in enumerate(plan.levels):
        lines.append(f'    subgraph L{index}["{mermaid_escape(_level_title(plan, index))}"]')
        lines.extend(f'        {ids[step]}["{mermaid_escape(node_label(plan, step))}"]' for step in level)
        lines.append("    end")
    lines.extend(_mermaid_edges(plan, ids))
    critical = [ids[step] for step in plan.critical_path]
    if critical:
        lines.append(f"    class {','.join(critical)} critical")
    return "\n".join(lines) + "\n"


def _mermaid_edges(plan: Plan, ids: Mapping[str, str]) -> List[str]:
    heavy = critical_edges(plan)
    all_edges = edges(plan)
    lines = [f"    {ids[source]} --> {ids[target]}" for source, target in all_edges]
    numbers = [str(index) for index, edge in enumerate(all_edges) if edge in heavy]
    if numbers:
        lines.append(f"    linkStyle {','.join(numbers)} stroke:{CRITICAL_COLOUR},stroke-width:3px")
    return lines


def _level_title(plan: Plan, index: int) -> str:
    width = len(plan.levels[index])
    return f"Level {index + 1}: {width} step{'s' if width != 1 else ''}"


# -- dot ---------------------------------------------------------------------------------------


def dot_escape(text: str) -> str:
    """Text for inside a double-quoted dot string: one line, no control characters, and `\\`
    doubled so `\\l`, `\\N` and friends in a title stay literal."""
    cleaned = "".join(char if char.isprintable() else " " for char in str(text))
    line = " ".join(cleaned.split())
    return line.replace("\\", "\\\\").replace('"', '\\"')


def render_dot(plan: Plan) -> str:
    """A `digraph` for `dot -Tsvg`: one cluster per level, critical steps and edges heavier."""
    ids = node_ids(plan)
    workflow = plan.workflow
    lines = [
        f'digraph "{dot_escape(workflow.name)}" {{',
        f'    graph [rankdir=TB, labelloc=t, fontname="Helvetica", label="{dot_escape(workflow.title)}"];',
        '    node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];',
        '    edge [color="#868e96"];',
    ]
    for index, level in enumerate(plan.levels):
        lines.extend(_dot_cluster(plan, index, level, ids))
    heavy = critical_edges(plan)
    for source, target in edges(plan):
        style = f' [color="{CRITICAL_COLOUR}", penwidth=3]' if (source, target) in heavy else ""
        lines.append(f"    {ids[source]} -> {ids[target]}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_cluster(plan: Plan, index: int, level: Sequence[str], ids: Mapping[str, str]) -> List[str]:
    lines = [f"    subgraph cluster_L{index} {{",
             f'        label="{dot_escape(_level_title(plan, index))}"; style=dashed; color="#adb5bd";']
    critical = set(plan.critical_path)
    for step in level:
        extra = f', color="{CRITICAL_COLOUR}", fillcolor="{CRITICAL_FILL}", penwidth=3' if step in critical else ""
        lines.append(f'        {ids[step]} [label="{dot_escape(node_label(plan, step))}"{extra}];')
    lines.append("    }")
    return lines
