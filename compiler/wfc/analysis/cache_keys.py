"""Static cache keys: content hashes chained along the graph (a Merkle chain).

A step's key is the SHA-256 (hex) of the canonical JSON (sorted keys, compact separators, UTF-8,
numbers as Python's json module writes them) of

    {"workflow": <workflow name>,
     "step": <the step's definition>,
     "dependencies": [<key of each dependency, in dependency id order>]}

The definition is the step's canonical model form (`wfc.model.to_dict`) without the fields that
only describe, time or budget it (`title`, `active`, `description`, `group`, `estimate`,
`cached_estimate`, `estimate_defaulted`, `max_cost`) and without the fields left at their model
default. Rewording a title or correcting an estimate therefore keeps every cached result;
changing what a step does (its prompt, command, agent, inputs, outputs, resources, ...) changes its
key, and through the chain the key of every step downstream of it, because their inputs may now
differ. The workflow name is
included so two workflows never share entries by accident. The runtime extends these keys with
argument values and `files` contents.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import MISSING, fields, is_dataclass
from operator import attrgetter
from typing import Any, Dict, Mapping, Tuple

from wfc.analysis.graph import Graph
from wfc.model import Step, Workflow, field_values

PRESENTATIONAL = frozenset(
    {"title", "active", "description", "group", "estimate", "cached_estimate", "estimate_defaulted",
     # how a fan-out is planned and how many of it run at once; an instance's item is in `instance`
     # (so a changed item misses alone), a map node's list in its `inputs`
     "fan_out",
     # what an attempt may spend: raising it to resume a run its budget stopped must not redo done steps
     "max_cost"}
)


_REQUIRED = object()
_KEPT: Tuple[Tuple[str, Any], ...] = tuple(
    (f.name, f.default_factory() if f.default_factory is not MISSING else
     f.default if f.default is not MISSING else _REQUIRED)
    for f in fields(Step) if f.name not in PRESENTATIONAL
)


def definition(step: Step) -> Dict[str, Any]:
    """The part of a step that decides what it computes, as it goes into the hash: its fields
    minus the presentational ones, and minus those still at their model default.

    Leaving defaults out keeps keys stable when the model later gains a field with a default,
    and keeps the hashed text short. Nested values stay as they are: `canonical_json` writes them
    exactly as `wfc.model.to_dict` would (tuples as lists, mappings with sorted keys, dataclasses as
    objects), without converting 10,000 steps field by field first."""
    return {name: value for name, value, default in zip(_KEPT_NAMES, _kept_values(step), _KEPT_DEFAULTS)
            if value is not default and (default is _REQUIRED or value != default)}


_KEPT_NAMES = tuple(name for name, _ in _KEPT)
_KEPT_DEFAULTS = tuple(default for _, default in _KEPT)
_kept_values = attrgetter(*_KEPT_NAMES)


def canonical_json(value: Any) -> bytes:
    """Sorted keys, compact separators, UTF-8: one spelling per value, so equal steps hash alike."""
    return _ENCODER.encode(value).encode("utf-8")


def _plain(value: Any) -> Any:
    """What json cannot encode by itself: model dataclasses and non-dict mappings."""
    if is_dataclass(value) and not isinstance(value, type):
        return field_values(value)
    if isinstance(value, Mapping):
        return {str(key): value[key] for key in value}
    raise TypeError(f"internal error: {type(value).__name__} has no canonical JSON form")


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)


def cache_keys(workflow: Workflow, graph: Graph) -> Dict[str, str]:
    """Every step's key, computed dependencies first; returned in the workflow's step order."""
    steps = workflow.steps_by_id()
    keys: Dict[str, str] = {}
    for step_id in graph.topological_order():
        document = {
            "workflow": workflow.name,
            "step": definition(steps[step_id]),
            "dependencies": [keys[d] for d in graph.dependencies_of(step_id)],
        }
        keys[step_id] = hashlib.sha256(canonical_json(document)).hexdigest()
    return {step_id: keys[step_id] for step_id in graph.steps}
