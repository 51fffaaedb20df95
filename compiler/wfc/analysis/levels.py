"""Levels in policy order, and the waves the command doc launches.

A level lists its steps by priority (longest remaining path first), then id: the order in which
the scheduler would consider them, so the first wave of a level holds its most urgent steps. The
plan's `order` is the levels concatenated, which is a topological order by construction.
"""
from __future__ import annotations

from typing import Dict, Mapping, Optional, Tuple

from wfc.analysis.graph import Graph

Levels = Tuple[Tuple[str, ...], ...]


def by_priority(graph: Graph, priority: Mapping[str, float]) -> Levels:
    return tuple(tuple(sorted(level, key=lambda s: (-priority[s], s))) for level in graph.levels())


def waves(levels: Levels, max_parallel: Optional[int]) -> Levels:
    """Each level cut into groups of at most `max_parallel` (a whole level when unbounded)."""
    if max_parallel is None:
        return levels
    cut: list = []
    for level in levels:
        size = max_parallel or max(len(level), 1)
        cut.extend(level[i:i + size] for i in range(0, len(level), size))
    return tuple(cut)


def wave_index(wave_list: Levels) -> Dict[str, int]:
    return {step: index for index, wave in enumerate(wave_list) for step in wave}


def order(levels: Levels) -> Tuple[str, ...]:
    return tuple(step for level in levels for step in level)
