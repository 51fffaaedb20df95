"""Static cache keys: content hashes chained along the graph (a Merkle chain).

A step's key is the SHA-256 (hex) of the canonical JSON (sorted keys, compact separators, UTF-8) of

    {"workflow": <workflow name>,
     "step": <the step's definition>,
     "dependencies": [<key of each dependency, in dependency id order>]}

The definition is the step's canonical model form (`wfc.model.to_dict`) without the fields that
only describe or time it: `title`, `active`, `description`, `group`, `estimate`, `cached_estimate`
and `estimate_defaulted`. Rewording a title or correcting an estimate therefore keeps every cached
result; changing what a step does (its prompt, command, agent, inputs, outputs, resources, ...)
changes its key, and through the chain the key of every step downstream of it, because their
inputs may now differ. The workflow name is included so two workflows never share entries by
accident. The runtime extends these keys with argument values and `files` contents.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Dict

from wfc.graph import Graph
from wfc.model import Step, Workflow, to_dict

PRESENTATIONAL = frozenset(
    {"title", "active", "description", "group", "estimate", "cached_estimate", "estimate_defaulted"}
)


def definition(step: Step) -> Dict[str, Any]:
    """The part of a step that decides what it computes."""
    return {name: value for name, value in to_dict(step).items() if name not in PRESENTATIONAL}


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


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
