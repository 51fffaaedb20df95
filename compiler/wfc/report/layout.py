"""A layered drawing of the plan's graph for the html report: pure geometry, no SVG.

The classic Sugiyama steps, kept small: the plan's levels are the layers; an edge that spans
several levels gets a waypoint (a "dummy") in every level it crosses, which takes a narrow slot
of its own, so edges run between boxes and never through them; the order within each layer is
improved by barycentre sweeps (each item moves towards the mean position of its neighbours in the
layer before, then after), keeping the order with the fewest crossings; and the layers are laid
as rows or as columns, whichever draws narrower, since a page scrolls down more easily than across.
The edges drawn are the transitive reduction, and a fan-out is one box, as in the mermaid and dot
exports (`wfc.render.drawn_graph`).
"""
from __future__ import annotations

from bisect import bisect_right, insort
from dataclasses import dataclass
from typing import Dict, Iterable, List, Mapping, Sequence, Tuple, Union

from wfc.analysis.plan import Plan
from wfc.render.drawn_graph import drawn_graph

Dummy = Tuple[str, str, int]  # (source, target, index along the edge)
Item = Union[str, Dummy]
Point = Tuple[float, float]
SWEEPS = 8  # down and up sweeps: the order rarely improves after a few
SWEEP_LIMIT = 4000  # items: past that, plan order is kept (a report of a 10,000-step plan stays quick)


@dataclass(frozen=True)
class Metrics:
    """Sizes in viewBox units (1 unit = 1 px at full size, the size the text is set for)."""

    box_width: float = 176.0
    box_height: float = 38.0
    slot_gap: float = 14.0  # between neighbours in a layer
    dummy: float = 8.0  # the slot an edge takes where it crosses a layer
    layer_gap: float = 56.0  # between layers: where edges bend
    margin: float = 12.0


@dataclass(frozen=True)
class Box:
    step: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Route:
    """An edge as waypoints: out of the source's far side, straight through each layer it
    crosses (in its own slot), into the target's near side."""

    source: str
    target: str
    points: Tuple[Point, ...]


@dataclass(frozen=True)
class Layout:
    boxes: Mapping[str, Box]
    routes: Tuple[Route, ...]
    width: float
    height: float
    left_to_right: bool


def layered(plan: Plan, metrics: Metrics = Metrics()) -> Layout:
    """The drawing of `plan` that is narrower of the two orientations."""
    graph = drawn_graph(plan)
    edges = graph.edges
    layers = ordered(with_dummies(graph.levels, edges), edges)
    rows = place(layers, edges, metrics, left_to_right=False)
    columns = place(layers, edges, metrics, left_to_right=True)
    return columns if columns.width < rows.width else rows


def with_dummies(levels: Sequence[Sequence[str]], edges: Iterable[Tuple[str, str]]) -> List[List[Item]]:
    """Each level's steps, then a waypoint for every edge crossing that level."""
    level = {step: index for index, steps in enumerate(levels) for step in steps}
    layers: List[List[Item]] = [list(steps) for steps in levels]
    for source, target in edges:
        for index, layer in enumerate(range(level[source] + 1, level[target])):
            layers[layer].append((source, target, index))
    return layers


def chains(layers: Sequence[Sequence[Item]], edges: Iterable[Tuple[str, str]]) -> Dict[Item, List[Item]]:
    """Item -> its neighbours in the next layer: each edge as source, waypoints, target."""
    following: Dict[Item, List[Item]] = {item: [] for layer in layers for item in layer}
    for source, target in edges:
        previous: Item = source
        index = 0
        while (source, target, index) in following:
            following[previous].append((source, target, index))
            previous = (source, target, index)
            index += 1
        following[previous].append(target)
    return following


def ordered(layers: List[List[Item]], edges: Sequence[Tuple[str, str]]) -> List[List[Item]]:
    """Layers reordered by barycentre sweeps; the order with the fewest crossings wins."""
    below = chains(layers, edges)
    above: Dict[Item, List[Item]] = {item: [] for item in below}
    for item, nexts in below.items():
        for other in nexts:
            above[other].append(item)
    best, fewest = [list(layer) for layer in layers], _crossings(layers, below)
    if sum(len(layer) for layer in layers) > SWEEP_LIMIT:
        return best
    current = [list(layer) for layer in layers]
    for sweep in range(SWEEPS):
        downwards = sweep % 2 == 0
        indices = range(1, len(current)) if downwards else range(len(current) - 2, -1, -1)
        for index in indices:
            guide = current[index - 1] if downwards else current[index + 1]
            current[index] = _by_barycentre(current[index], guide, above if downwards else below)
        found = _crossings(current, below)
        if found < fewest:
            best, fewest = [list(layer) for layer in current], found
    return best


def _by_barycentre(layer: List[Item], guide: Sequence[Item], neighbours: Mapping[Item, Sequence[Item]]) -> List[Item]:
    position = {item: index for index, item in enumerate(guide)}

    def key(pair: Tuple[int, Item]) -> float:
        index, item = pair
        near = [position[other] for other in neighbours[item] if other in position]
        return sum(near) / len(near) if near else float(index)

    return [item for _, item in sorted(enumerate(layer), key=key)]


def _crossings(layers: Sequence[Sequence[Item]], below: Mapping[Item, Sequence[Item]]) -> int:
    """Pairs of edges that cross between adjacent layers, counted as inversions."""
    total = 0
    for upper, lower in zip(layers, layers[1:]):
        position = {item: index for index, item in enumerate(lower)}
        pairs = sorted((top, position[other]) for top, item in enumerate(upper) for other in below[item]
                       if other in position)
        seen: List[int] = []
        for _, bottom in pairs:
            total += len(seen) - bisect_right(seen, bottom)
            insort(seen, bottom)
    return total


def place(layers: Sequence[Sequence[Item]], edges: Sequence[Tuple[str, str]], metrics: Metrics,
          left_to_right: bool) -> Layout:
    """Coordinates: layers along the main axis, each layer's items centred across it."""
    along = metrics.box_width if left_to_right else metrics.box_height
    across = metrics.box_height if left_to_right else metrics.box_width
    sizes = [[across if isinstance(item, str) else metrics.dummy for item in layer] for layer in layers]
    extents = [sum(size) + metrics.slot_gap * max(len(size) - 1, 0) for size in sizes]
    widest = max(extents, default=0.0)
    centres: Dict[Item, Tuple[float, float]] = {}  # item -> (main offset of its layer, cross centre)
    for index, (layer, size) in enumerate(zip(layers, sizes)):
        offset = metrics.margin + (widest - extents[index]) / 2
        for item, room in zip(layer, size):
            centres[item] = (metrics.margin + index * (along + metrics.layer_gap), offset + room / 2)
            offset += room + metrics.slot_gap
    boxes = {item: _box(item, main, cross, along, across, left_to_right)
             for item, (main, cross) in centres.items() if isinstance(item, str)}
    routes = tuple(_route(source, target, centres, along, left_to_right) for source, target in edges)
    main_extent = 2 * metrics.margin + len(layers) * (along + metrics.layer_gap) - metrics.layer_gap
    cross_extent = 2 * metrics.margin + widest
    width, height = (main_extent, cross_extent) if left_to_right else (cross_extent, main_extent)
    return Layout(boxes, routes, round(width, 1), round(height, 1), left_to_right)


def _box(step: str, main: float, cross: float, along: float, across: float, left_to_right: bool) -> Box:
    if left_to_right:
        return Box(step, round(main, 1), round(cross - across / 2, 1), along, across)
    return Box(step, round(cross - across / 2, 1), round(main, 1), across, along)


def _route(source: str, target: str, centres: Mapping[Item, Tuple[float, float]], along: float,
           left_to_right: bool) -> Route:
    main, cross = centres[source]
    points: List[Tuple[float, float]] = [(main + along, cross)]
    index = 0
    while (source, target, index) in centres:
        main, cross = centres[(source, target, index)]
        points += [(main, cross), (main + along, cross)]
        index += 1
    main, cross = centres[target]
    points.append((main, cross))
    flip = (lambda p: p) if left_to_right else (lambda p: (p[1], p[0]))
    return Route(source, target, tuple(flip((round(a, 1), round(b, 1))) for a, b in points))
