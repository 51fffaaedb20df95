"""The workflow's dependency graph as plain data, with queries that read like relations.

An edge `a -> b` means `b` waits for `a`: either `b` lists `a` in `needs`, or `b` reads (`inputs`)
a context name that `a` writes (`outputs`). Both kinds end in one graph, because the scheduler and
every estimate only care that `b` cannot start before `a` finishes.

Validation has already rejected unknown references and cycles by the time a graph is built, so a
violation here is a bug in wfc, not a user mistake: it raises `GraphError` with the offending names
rather than a `Diagnostic`.
"""
from __future__ import annotations

import graphlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Dict, Iterable, List, Mapping, Set, Tuple

from wfc.model import Workflow


class GraphError(RuntimeError):
    """An internal inconsistency: validation should have made this impossible."""


@dataclass(frozen=True)
class Graph:
    """Steps (in file order) and their dependency edges, both directions precomputed."""

    steps: Tuple[str, ...]
    _dependencies: Mapping[str, Tuple[str, ...]] = field(repr=False)
    _dependents: Mapping[str, Tuple[str, ...]] = field(repr=False)
    _producers: Mapping[str, Tuple[str, ...]] = field(repr=False)
    _consumers: Mapping[str, Tuple[str, ...]] = field(repr=False)

    def dependencies_of(self, step_id: str) -> Tuple[str, ...]:
        """The steps `step_id` waits for, sorted by id."""
        return self._dependencies[step_id]

    def dependents_of(self, step_id: str) -> Tuple[str, ...]:
        """The steps that wait for `step_id`, sorted by id."""
        return self._dependents[step_id]

    @property
    def dependency_map(self) -> Mapping[str, Tuple[str, ...]]:
        """Every step's dependencies at once (read-only by convention), for bulk algorithms."""
        return self._dependencies

    @property
    def dependent_map(self) -> Mapping[str, Tuple[str, ...]]:
        return self._dependents

    def producer_of(self, context_name: str) -> str:
        """The step that lists `context_name` in its `outputs` (the first instance of a fan-out)."""
        return self._producers[context_name][0]

    def producers_of(self, context_name: str) -> Tuple[str, ...]:
        """Every step that writes `context_name`: one, or each instance of a fan-out in item order."""
        return self._producers[context_name]

    def is_produced(self, context_name: str) -> bool:
        return context_name in self._producers

    def consumers_of(self, context_name: str) -> Tuple[str, ...]:
        """The steps that list `context_name` in their `inputs`, sorted by id."""
        return self._consumers.get(context_name, ())

    def produced(self) -> Tuple[str, ...]:
        """Every context name some step writes, sorted."""
        return tuple(sorted(self._producers))

    def sources(self) -> Tuple[str, ...]:
        return tuple(s for s in self.steps if not self._dependencies[s])

    def sinks(self) -> Tuple[str, ...]:
        return tuple(s for s in self.steps if not self._dependents[s])

    def ancestors_of(self, step_id: str) -> Set[str]:
        """Every step that must finish before `step_id` can start (transitively)."""
        return _reach(step_id, self._dependencies)

    def descendants_of(self, step_id: str) -> Set[str]:
        """Every step that (transitively) waits for `step_id`."""
        return _reach(step_id, self._dependents)

    def levels(self) -> Tuple[Tuple[str, ...], ...]:
        """Topological generations: level k holds the steps whose longest chain of dependencies
        has k edges. Within a level, steps are sorted by id."""
        return self._generations

    def level_of(self, step_id: str) -> int:
        return self._level_index[step_id]

    def topological_order(self) -> Tuple[str, ...]:
        """Every step after all its dependencies: the levels concatenated."""
        return tuple(step for level in self._generations for step in level)

    @cached_property
    def _generations(self) -> Tuple[Tuple[str, ...], ...]:
        """Kahn's algorithm one generation at a time (graphlib's get_ready/done loop computes the
        same generations, but at several times the cost on 10,000 steps)."""
        waiting = {step: len(needed) for step, needed in self._dependencies.items()}
        current = sorted(step for step, count in waiting.items() if not count)
        generations: List[Tuple[str, ...]] = []
        placed = 0
        while current:
            generations.append(tuple(current))
            placed += len(current)
            following = []
            for step in current:
                for user in self._dependents[step]:
                    waiting[user] -= 1
                    if not waiting[user]:
                        following.append(user)
            current = sorted(following)
        if placed != len(self.steps):
            _raise_cycle(self._dependencies)
        return tuple(generations)

    @cached_property
    def _level_index(self) -> Dict[str, int]:
        return {step: index for index, level in enumerate(self._generations) for step in level}


def _raise_cycle(dependencies: Mapping[str, Tuple[str, ...]]) -> None:
    """Name one cycle, as graphlib finds it, in the internal error."""
    try:
        graphlib.TopologicalSorter(dependencies).prepare()
    except graphlib.CycleError as cycle:
        path = " -> ".join(cycle.args[1])
        raise GraphError(f"internal error: dependency cycle {path} reached the analysis; "
                         "validation should have rejected it") from None
    raise GraphError("internal error: the graph's levels do not cover every step")


def _reach(start: str, edges: Mapping[str, Tuple[str, ...]]) -> Set[str]:
    seen: Set[str] = set()
    stack = list(edges[start])
    while stack:
        step = stack.pop()
        if step not in seen:
            seen.add(step)
            stack.extend(edges[step])
    return seen


def build_graph(workflow: Workflow) -> Graph:
    """The DAG of `workflow`: explicit `needs` plus the producer of every input."""
    ids = tuple(step.id for step in workflow.steps)
    producers = _producers(workflow)
    consumers: Dict[str, List[str]] = {}
    dependencies: Dict[str, Tuple[str, ...]] = {}
    for step in workflow.steps:
        for name in step.inputs:
            consumers.setdefault(name, []).append(step.id)
            if name not in producers:
                raise GraphError(f"internal error: step '{step.id}' reads '{name}', which no step "
                                 "produces; validation should have rejected it")
        if not step.inputs and len(step.needs) < 2:
            dependencies[step.id] = tuple(step.needs)
        else:
            found = set(step.needs).union(*(producers[name] for name in step.inputs))
            dependencies[step.id] = tuple(sorted(found))
    return Graph(ids, dependencies, _invert(ids, dependencies), producers,
                 {name: tuple(sorted(set(users))) for name, users in consumers.items()})


def _producers(workflow: Workflow) -> Dict[str, Tuple[str, ...]]:
    """Context name -> its producer, or the instances of the one fan-out that produces it."""
    producers: Dict[str, List[str]] = {}
    origin: Dict[str, str] = {}
    for step in workflow.steps:
        written_as = step.instance.of if step.instance is not None else step.id
        for name in step.outputs:
            producers.setdefault(name, []).append(step.id)
            if origin.setdefault(name, written_as) != written_as:
                raise GraphError(f"internal error: '{name}' has two producers, '{producers[name][0]}' "
                                 f"and '{step.id}'; validation should have rejected it")
    return {name: tuple(steps) for name, steps in producers.items()}


def _invert(ids: Iterable[str], dependencies: Mapping[str, Tuple[str, ...]]) -> Dict[str, Tuple[str, ...]]:
    dependents: Dict[str, List[str]] = {step: [] for step in ids}
    for step in sorted(dependencies):  # so that every list below comes out sorted by id
        for dependency in dependencies[step]:
            if dependency not in dependents:
                raise GraphError(f"internal error: step '{step}' needs '{dependency}', which is not "
                                 "a step; validation should have rejected it")
            dependents[dependency].append(step)
    return {step: tuple(users) for step, users in dependents.items()}
