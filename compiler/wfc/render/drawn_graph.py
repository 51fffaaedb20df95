"""The plan's graph as the exports draw it: a fan-out once, marked with its count.

The plan holds a static fan-out as one step per instance (`review[api]`, `review[web]`, ...), which
is right for its figures and wrong for a picture: twelve identical boxes with twelve copies of every
edge say less than one box marked `×12`. Here each fan-out becomes one node named by the id it was
written with, standing for its instances; a dynamic fan-out (one map node already) is marked with
the items it was planned with (`×~10`). Its instances share their dependencies (they are one step's
copies), so the transitive reduction over the instances, mapped onto the nodes, is the reduction of
the drawn graph too. A node is critical when any step it stands for is; an edge is critical when an
edge of the critical path runs between steps it stands for.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Tuple

from wfc.analysis.plan import Plan
from wfc.format.durations import format_duration
from wfc.model import Step

Edge = Tuple[str, str]


@dataclass(frozen=True)
class DrawnNode:
    key: str  # the step's id, or the fan-out's as written (`review`)
    steps: Tuple[str, ...]  # the plan's steps it stands for, in plan order
    count: Optional[int] = None  # a static fan-out's instances
    estimated: Optional[int] = None  # a dynamic fan-out's `estimate_items`


@dataclass(frozen=True)
class DrawnGraph:
    nodes: Tuple[DrawnNode, ...]  # in plan order of their first step
    levels: Tuple[Tuple[str, ...], ...]  # node keys by level
    edges: Tuple[Edge, ...]  # the reduced edges between nodes, in the order `reduced_edges` gives
    critical_path: Tuple[str, ...]  # node keys
    critical_edges: FrozenSet[Edge]
    node_of: Dict[str, str]  # plan step -> node key

    position: Dict[str, int]  # node key -> its index in `nodes`

    def node(self, key: str) -> DrawnNode:
        return self.nodes[self.position[key]]


def drawn_graph(plan: Plan) -> DrawnGraph:
    steps = plan.workflow.steps_by_id()
    node_of = {step: _key(steps[step]) for step in plan.order}
    members: Dict[str, List[str]] = {}
    for step in plan.order:
        members.setdefault(node_of[step], []).append(step)
    nodes = tuple(_node(key, tuple(found), steps[found[0]]) for key, found in members.items())
    levels = tuple(tuple(dict.fromkeys(node_of[step] for step in level)) for level in plan.levels)
    drawn = tuple(dict.fromkeys((node_of[a], node_of[b]) for a, b in reduced_edges(plan)))
    path = tuple(key for index, key in enumerate(node_of[step] for step in plan.critical_path)
                 if index == 0 or node_of[plan.critical_path[index - 1]] != key)
    critical = frozenset((node_of[a], node_of[b]) for a, b in critical_edges(plan))
    position = {node.key: index for index, node in enumerate(nodes)}
    return DrawnGraph(nodes, levels, drawn, path, critical, node_of, position)


def edges(plan: Plan) -> Tuple[Edge, ...]:
    """(dependency, dependent) pairs in plan order, each step's dependencies in plan order too: a
    stable edge numbering, which mermaid's `linkStyle` needs."""
    position = {step: index for index, step in enumerate(plan.order)}
    return tuple(
        (dependency, planned.id)
        for planned in plan.steps
        for dependency in sorted(planned.dependencies, key=position.__getitem__)
    )


def critical_edges(plan: Plan) -> FrozenSet[Edge]:
    path = plan.critical_path
    return frozenset(zip(path, path[1:]))


def reduced_edges(plan: Plan) -> Tuple[Edge, ...]:
    """The transitive reduction of the plan's edges, in `edges` order: `a -> c` goes when `c` is
    also reached through another dependent of `a`. Levels, critical path and every start time stay
    as they are (a chain is always at least as long as the shortcut). An edge of the critical path
    is kept even then, so the highlighted path is always drawn whole (it can only be implied
    when steps take no time)."""
    index = {step: position for position, step in enumerate(plan.order)}
    below: Dict[str, int] = {}  # step -> bitset (by plan position) of every step that waits for it
    for planned in reversed(plan.steps):
        reach = 0
        for dependent in planned.dependents:
            reach |= below[dependent] | (1 << index[dependent])
        below[planned.id] = reach
    keep = critical_edges(plan)
    implied: Dict[str, int] = {}
    for planned in plan.steps:
        through = 0
        for dependent in planned.dependents:
            through |= below[dependent]
        implied[planned.id] = through
    return tuple(edge for edge in edges(plan)
                 if edge in keep or not implied[edge[0]] >> index[edge[1]] & 1)


def _key(step: Step) -> str:
    return step.instance.of if step.instance is not None else step.id


def _node(key: str, steps: Tuple[str, ...], first: Step) -> DrawnNode:
    if first.instance is not None:
        return DrawnNode(key, steps, count=len(steps))
    if first.fan_out is not None:
        return DrawnNode(key, steps, estimated=first.fan_out.estimate_items)
    return DrawnNode(key, steps)


def marked(node: DrawnNode) -> str:
    """`review ×12`, `resource ×~4` (planned with 4 items, found at run time), or the step's id."""
    if node.count is not None:
        return f"{node.key} ×{node.count}"
    if node.estimated is not None:
        return f"{node.key} ×~{node.estimated}"
    return node.key


def node_title(plan: Plan, node: DrawnNode) -> str:
    """A fan-out's title as written (`Review {{ item }}`: each instance's reads its item)."""
    if node.count is None:
        return plan.workflow.step(node.steps[0]).title
    written = plan.workflow.definition.get("steps", {}).get(node.key, {})
    title = written.get("title") if isinstance(written, dict) else None
    return str(title) if title is not None else plan.workflow.step(node.steps[0]).title


def node_estimate(plan: Plan, node: DrawnNode) -> str:
    """`1m`, or for a static fan-out one instance's estimate: `1m each`."""
    estimate = format_duration(plan.planned(node.steps[0]).estimate)
    return f"{estimate} each" if node.count is not None else estimate
