"""Fan-out in the model: a step with `for_each` becomes its instances, or one map node.

A written list is known at compile time, so its step is replaced by one step per item
(`review[api]`, `review[2]`): the graph, the levels, the critical path, the cache keys and every
figure then hold the instances, computed by the code that handles any other step. A step that
`needs` the fan-out waits for all of its instances. A list known only at run time (`args.NAME`,
`context.NAME`) stays one map node, whose estimate covers `estimate_items` items run
`max_parallel` at a time; the runtime expands it (`wfc.runtime.mapping`).
"""
from __future__ import annotations

import math
import re
from dataclasses import replace
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from wfc.format.templating import is_template, parse, references, render
from wfc.format.vocabulary import DEFAULT_ESTIMATE_ITEMS, LOOP_NAMES, PLAIN_ITEM_PATTERN
from wfc.model import FanOut, Instance, Step, Workflow

_PLAIN_ITEM = re.compile(PLAIN_ITEM_PATTERN)


def instance_id(step_id: str, item: Any, index: int) -> str:
    """`STEP[ITEM]` for a short plain string item, `STEP[INDEX]` for anything else."""
    return f"{step_id}[{item}]" if is_plain_item(item) else f"{step_id}[{index}]"


def is_plain_item(item: Any) -> bool:
    # an item that reads as a number would be mistaken for an index: `tier[2]` is the third item;
    # fullmatch, since `$` alone also matches before a final line break (`api\n` is not plain)
    return isinstance(item, str) and bool(_PLAIN_ITEM.fullmatch(item)) and not item.isdigit()


def instance_ids(step_id: str, items: Sequence[Any]) -> List[str]:
    return [instance_id(step_id, item, index) for index, item in enumerate(items)]


def fan_out_of(raw: Mapping[str, Any], estimate: float) -> Optional[FanOut]:
    """The `FanOut` of a valid raw step, or None when it has no `for_each`."""
    written = raw.get("for_each")
    if written is None:
        return None
    return FanOut(items=tuple(written) if isinstance(written, list) else None,
                  source=written if isinstance(written, str) else None,
                  estimate_items=raw.get("estimate_items", DEFAULT_ESTIMATE_ITEMS),
                  max_parallel=raw.get("max_parallel"), min_success=raw.get("min_success"), item_estimate=estimate)


def source_context(fan_out: Optional[FanOut]) -> Optional[str]:
    """The context entry a dynamic fan-out runs over (`context.NAME`), if it is one."""
    if fan_out is None or fan_out.source is None or not fan_out.source.startswith("context."):
        return None
    return fan_out.source.partition(".")[2]


def is_map_node(step: Step) -> bool:
    """A fan-out over a list known only at run time (`args.NAME`, `context.NAME`), kept as one node."""
    return step.fan_out is not None and step.instance is None


def map_node_width(fan_out: FanOut, workflow_max_parallel: Optional[int], items: Optional[int] = None) -> int:
    """How many instances of a map node run at once: of `items` found (the plan assumes
    `estimate_items`), within the fan-out's and the workflow's `max_parallel`."""
    found = fan_out.estimate_items if items is None else items
    limits = [found] + [n for n in (fan_out.max_parallel, workflow_max_parallel) if n is not None]
    return max(1, min(limits))


def map_node(step: Step, workflow_max_parallel: Optional[int]) -> Step:
    """A dynamic fan-out as one node: its estimates cover `estimate_items` items, in rounds of the
    width that may run at once; it reads the list it runs over (so it waits for its producer)."""
    fan_out = step.fan_out
    assert fan_out is not None  # only fan-out steps come here
    rounds = math.ceil(fan_out.estimate_items / map_node_width(fan_out, workflow_max_parallel))
    listed = source_context(fan_out)
    inputs = step.inputs + ((listed,) if listed is not None and listed not in step.inputs else ())
    return replace(step, estimate=step.estimate * rounds, cached_estimate=step.cached_estimate * rounds,
                   inputs=inputs)


def expand(steps: Sequence[Step], workflow_max_parallel: Optional[int]) -> Tuple[Step, ...]:
    """Static fan-outs replaced by their instances (in item order, where the step was written),
    dynamic ones by their map node, and every `needs` of a fan-out by its instances."""
    instances: Dict[str, List[str]] = {}
    expanded: List[Step] = []
    for step in steps:
        fan_out = step.fan_out
        if fan_out is None:
            expanded.append(step)
        elif fan_out.items is None:
            expanded.append(map_node(step, workflow_max_parallel))
        else:
            kept = replace(fan_out, items=None)  # each instance keys on its own item, not on the list
            ids = instance_ids(step.id, fan_out.items)
            instances[step.id] = ids
            expanded.extend(_instance(step, kept, instance, item, index)
                            for index, (instance, item) in enumerate(zip(ids, fan_out.items)))
    if not instances:
        return tuple(expanded)
    return tuple(_needs_instances(step, instances) for step in expanded)


def _instance(step: Step, fan_out: FanOut, instance_id: str, item: Any, index: int) -> Step:
    """One instance, its title and active form with its item written in (`Review api`) wherever
    they read nothing but `item` and `index`: the plan, the task list and the command doc show them."""
    return replace(step, id=instance_id, fan_out=fan_out, instance=Instance(step.id, item, index),
                   title=_with_item(step.title, item, index), active=_with_item(step.active, item, index))


def _with_item(text: str, item: Any, index: int) -> str:
    if is_template(text) and _reads_only_the_item(text):
        return render(text, {"item": item, "index": index}, "title")
    return text


def _reads_only_the_item(text: str) -> bool:
    from jinja2 import TemplateError

    try:
        found = references(parse(text))
    except TemplateError:
        return False
    return not found.lookups and not found.whole and found.free <= set(LOOP_NAMES)


def _needs_instances(step: Step, instances: Mapping[str, List[str]]) -> Step:
    if not any(needed in instances for needed in step.needs):
        return step
    needs = tuple(name for needed in step.needs for name in instances.get(needed, (needed,)))
    return replace(step, needs=needs)


def scheduled_resources(workflow: Workflow) -> Tuple[Dict[str, Dict[str, int]], Dict[str, int]]:
    """(what each step holds, every capacity) for the schedule: the declared resources, plus each
    static fan-out's `max_parallel` as a resource of that capacity of which every instance holds
    one unit, so that the plan's simulation and the runtime's scheduler both honour it. The name
    (`[review]`) cannot clash with a declared resource, whose names are identifiers."""
    requests = {step.id: dict(step.resources) for step in workflow.steps if step.resources}
    capacities = dict(workflow.resources)
    for step in workflow.steps:
        if step.instance is not None and step.fan_out is not None and step.fan_out.max_parallel is not None:
            slot = f"[{step.instance.of}]"
            capacities[slot] = step.fan_out.max_parallel
            requests[step.id] = {**step.resources, slot: 1}
    return requests, capacities


def loop_data(step: Step) -> Dict[str, Any]:
    """`item` and `index` for an instance's templates; nothing for any other step."""
    instance = step.instance
    return {} if instance is None else {"item": instance.item, "index": instance.index}


def fan_out_sizes(workflow: Workflow) -> Dict[str, int]:
    """How many instances each static fan-out has, by the id it was written with."""
    sizes: Dict[str, int] = {}
    for step in workflow.steps:
        if step.instance is not None:
            sizes[step.instance.of] = sizes.get(step.instance.of, 0) + 1
    return sizes
