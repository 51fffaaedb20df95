"""Warnings only the analysis can give, because they need the graph or the estimated schedule.

- WFC301: a context entry expires (`ttl`) before its last consumer starts, so the runtime would
  recompute it mid-run;
- WFC302: an output nobody reads (no step lists it in `inputs`);
- WFC303: a step without an estimate, so every figure that involves it rests on the 1m default.
"""
from __future__ import annotations

from typing import Any, List, Mapping, Tuple

from wfc.format.durations import format_duration
from wfc.diagnostics import Diagnostic
from wfc.analysis.graph import Graph
from wfc.model import Workflow
from wfc.analysis.plan import ScheduledStep
from wfc.diagnostics import codes
from wfc.diagnostics.codes import Code


def warnings(workflow: Workflow, graph: Graph, slots: Mapping[str, ScheduledStep]) -> List[Diagnostic]:
    return [*_ttl(workflow, graph, slots), *_unread(workflow, graph), *_defaulted(workflow)]


def _warning(workflow: Workflow, code: Code, path: Tuple[Any, ...], message: str, hint: str) -> Diagnostic:
    position = workflow.position_of(*path)
    return code.at(message, workflow.source, position.line, position.column, hint, path)


def _ttl(workflow: Workflow, graph: Graph, slots: Mapping[str, ScheduledStep]) -> List[Diagnostic]:
    found = []
    for entry in workflow.context:
        readers = graph.consumers_of(entry.name)
        if not graph.is_produced(entry.name) or not readers:
            continue
        producer = max(graph.producers_of(entry.name), key=lambda s: (slots[s].finish, s))
        last = max(readers, key=lambda s: (slots[s].start, s))
        gap = slots[last].start - slots[producer].finish
        if entry.ttl < gap:
            found.append(_warning(
                workflow, codes.TTL_TOO_SHORT, ("context", entry.name, "ttl"),
                f"context '{entry.name}' must live {format_duration(gap)} but its ttl is "
                f"{format_duration(entry.ttl)}: in the estimated schedule '{producer}' writes it at "
                f"{format_duration(slots[producer].finish)} and its last reader '{last}' starts at "
                f"{format_duration(slots[last].start)}",
                f"raise `ttl` of '{entry.name}' to at least {format_duration(gap)}, or let "
                f"'{last}' start earlier",
            ))
    return found


def _unread(workflow: Workflow, graph: Graph) -> List[Diagnostic]:
    found = []
    for step in workflow.steps:
        if step.instance is not None and step.instance.index:
            continue  # a fan-out's instances share their outputs: one warning for all of them
        for index, name in enumerate(step.outputs):
            if not graph.consumers_of(name):
                found.append(_warning(
                    workflow, codes.OUTPUT_UNREAD, ("steps", step.written_id, "outputs", index),
                    f"step '{step.written_id}' writes context '{name}' but no step reads it: "
                    f"expected some step to list '{name}' in `inputs`",
                    f"add '{name}' to the `inputs` of the step that uses it, or drop it from "
                    f"the `outputs` of '{step.written_id}'",
                ))
    return found


def _defaulted(workflow: Workflow) -> List[Diagnostic]:
    return [
        _warning(
            workflow, codes.ESTIMATE_DEFAULTED, ("steps", step.written_id),
            f"step '{step.written_id}' has no `estimate` (here or in `defaults`); the plan assumes "
            f"{format_duration(step.estimate)}",
            f"add `estimate:` to '{step.written_id}' (for example `estimate: 5m`) or `defaults.estimate`, "
            "so the schedule and speedup figures rest on real durations",
        )
        for step in workflow.steps
        if step.estimate_defaulted and (step.instance is None or not step.instance.index)
    ]
