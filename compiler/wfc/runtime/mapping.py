"""Fan-out at run time: what an instance's templates see, the readers' collected lists, and the
failure policy of a fan-out as a whole.

A reader of a fan-out's output gets the list of its instances' outputs in item order, whatever
order they finished in; a failed instance (allowed by `continue_on_error` or `min_success`) reads
as null there. A map node (a list known only at run time) runs its instances itself, `max_parallel`
at a time, journals how many items it found against the plan's `estimate_items`, and journals each
instance as it ends.
"""
from __future__ import annotations

import json
import threading
from dataclasses import replace
from typing import Any, Callable, Dict, List, Mapping, MutableMapping, Optional, Tuple

from wfc.diagnostics.wording import describe

from wfc.format.templating import parse_expression, references
from wfc.model import Instance, Step, Workflow
from wfc.model.fan_out import fan_out_sizes, instance_id, instance_ids, loop_data, map_node_width
from wfc.runtime.journal import INSTANCE, MAP_EXPANDED
from wfc.runtime.outcome import CACHE_HIT, CANCELLED, FAILED, FINISHED, NOT_RUN, RESUMED, SKIPPED, StepOutcome

# a step's outcome as `when: steps.NAME.outcome` reads it (vocabulary.OUTCOMES)
OUTCOME_WORDS = {FINISHED: "succeeded", CACHE_HIT: "succeeded", RESUMED: "succeeded", FAILED: "failed",
                 SKIPPED: "skipped", CANCELLED: "not_run", NOT_RUN: "not_run"}


class Collected:
    """Each fan-out's outputs as lists in item order, filled in as instances finish. The lists are
    made once and filled by index, so a fan-out of 10,000 costs one assignment per instance."""

    def __init__(self, workflow: Workflow) -> None:
        self.sizes = fan_out_sizes(workflow)
        self.lists: Dict[Tuple[str, str], List[Any]] = {}
        self.failed: Dict[str, int] = {}
        self.lock = threading.Lock()  # instances fail on worker threads

    def record(self, context: MutableMapping[str, Any], step: Step, values: Mapping[str, Any]) -> None:
        """An instance's outputs into its fan-out's lists (every other step's straight into the context)."""
        instance = step.instance
        if instance is None:
            context.update(values)
            return
        for name in step.outputs:
            collected = self.lists.get((instance.of, name))
            if collected is None:
                collected = self.lists[(instance.of, name)] = [None] * self.sizes[instance.of]
                context[name] = collected
            collected[instance.index] = values.get(name)

    def tolerated(self, step: Step) -> bool:
        """Whether a failure of `step` lets its dependents run: `continue_on_error`, or an instance
        whose fan-out can still reach its `min_success`. The failure that makes the minimum
        unreachable is the one that fails the fan-out, and with it the run."""
        instance, fan_out = step.instance, step.fan_out
        if step.continue_on_error or instance is None or fan_out is None or fan_out.min_success is None or \
                instance.of not in self.sizes:  # a map node's instances: `run_map` decides
            return step.continue_on_error
        with self.lock:
            failed = self.failed[instance.of] = self.failed.get(instance.of, 0) + 1
        return self.sizes[instance.of] - failed >= fan_out.min_success


def upstream_failed(dependencies: Tuple[str, ...], outcomes: Mapping[str, StepOutcome]) -> bool:
    """Whether a step it waits for failed or never ran (what an `on_failure` step runs for)."""
    return any(dep not in outcomes or outcomes[dep].status in (FAILED, CANCELLED, NOT_RUN)
               for dep in dependencies)


def condition_names(step: Step, dependencies: Tuple[str, ...], steps: Mapping[str, Step],
                    outcomes: Mapping[str, StepOutcome], context: Mapping[str, Any]) -> Dict[str, Any]:
    """What a `when` sees besides `args`: the step's inputs, its item, and `steps.NAME.outcome` and
    `.outputs` of each step it waits for. A fan-out reads as one step (by the id it was written
    with): failed if an instance failed, skipped if all were, its outputs the collected lists."""
    words: Dict[str, List[str]] = {}
    for dep in dependencies:
        outcome = outcomes.get(dep)
        words.setdefault(steps[dep].written_id, []).append(OUTCOME_WORDS[outcome.status] if outcome else "not_run")
    seen = {}
    for written, found in words.items():
        word = next((w for w in ("failed", "not_run") if w in found), "skipped" if set(found) == {"skipped"}
                    else "succeeded")
        outputs = next(steps[dep].outputs for dep in dependencies if steps[dep].written_id == written)
        seen[written] = {"outcome": word, "outputs": {name: context.get(name) for name in outputs}}
    inputs = {name: context.get(name) for name in step.inputs}
    return {"context": inputs, "steps": seen, **loop_data(step)}


def reads_results(expression: str) -> bool:
    """Whether a `when` reads what earlier steps did (`steps`, `context`): only a run knows that."""
    from jinja2 import TemplateError

    try:
        found = references(parse_expression(expression))
    except TemplateError:
        return False
    return "steps" in found.free or bool(found.names_in("context")) or "context" in found.whole


def map_items(step: Step, args: Mapping[str, Any], inputs: Mapping[str, Any]) -> Tuple[List[Any], str]:
    """The list a map node runs over (a JSON list in text counts), or why there is none."""
    source = step.fan_out.source if step.fan_out is not None else None
    namespace, _, name = (source or "").partition(".")
    value = args.get(name) if namespace == "args" else inputs.get(name)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            pass
    if not isinstance(value, list):
        return [], (f"step '{step.id}' fans out over {source}, which is not a list at run time but "
                    f"{describe(value)}: produce a JSON list, such as [\"a\", \"b\"]")
    ids = instance_ids(step.id, value)
    twice = next((index for index, made in enumerate(ids) if made in ids[:index]), None)
    if twice is not None:
        return [], (f"step '{step.id}' fans out over {source}, whose items {ids.index(ids[twice])} and {twice} "
                    f"both give the instance id '{ids[twice]}': make the items distinct")
    return value, ""


def map_instance(step: Step, item: Any, index: int) -> Step:
    """One instance of a map node: its own id, `item` and `index` (in its run and its compensation)."""
    return replace(step, id=instance_id(step.id, item, index), instance=Instance(step.id, item, index))


# how a map node's instance's end is journaled: (the instance if it did its work, else None; the
# event; its fields), called as each instance ends, so the journal holds their order of completion
Ended = Callable[[Optional[Step], str, Dict[str, Any]], None]


def run_map(step: Step, items: List[Any], attempts: Callable[[Step], StepOutcome],
            journal: Any, ended: Ended, workflow_max_parallel: Optional[int] = None) -> StepOutcome:
    """Every instance of a map node, as many at a time as the plan's width allows, each with its own
    retries; the node's outputs are the lists of their outputs in item order, and its policy decides
    whether it failed. Each instance's event carries its `index` and `item`: a resume undoes it with them."""
    from concurrent.futures import ThreadPoolExecutor

    fan_out = step.fan_out
    assert fan_out is not None  # a map node
    instances = [map_instance(step, item, index) for index, item in enumerate(items)]
    journal.event(MAP_EXPANDED, step=step.id, items=len(items), estimate_items=fan_out.estimate_items,
                  instances=[instance.id for instance in instances])
    began = journal.now()

    def run(instance: Step) -> StepOutcome:
        outcome = attempts(instance)
        assert instance.instance is not None  # made above
        fields = {"step": instance.id, "map": step.id, "index": instance.instance.index,
                  "item": instance.instance.item, "attempt": outcome.attempts,
                  **({"error": outcome.error} if outcome.error else {})}
        ended(instance if outcome.status == FINISHED else None, INSTANCE + outcome.status, fields)
        return outcome

    width = map_node_width(fan_out, workflow_max_parallel, len(instances))
    with ThreadPoolExecutor(max_workers=width, thread_name_prefix=f"wfc-map-{step.id}") as pool:
        outcomes = list(pool.map(run, instances))
    return _map_outcome(step, outcomes, journal.now() - began)


def _map_outcome(step: Step, outcomes: List[StepOutcome], duration: float) -> StepOutcome:
    fan_out = step.fan_out
    assert fan_out is not None
    values = {name: [outcome.values.get(name) if outcome.status == FINISHED else None for outcome in outcomes]
              for name in step.outputs}
    if any(outcome.status == CANCELLED for outcome in outcomes):
        return StepOutcome(CANCELLED, error="cancelled", attempts=1)
    failed = [outcome for outcome in outcomes if outcome.status == FAILED]
    needed = len(outcomes) if fan_out.min_success is None else fan_out.min_success
    if not failed or len(outcomes) - len(failed) >= needed:
        return StepOutcome(FINISHED, values, attempts=1, duration=duration)
    error = (f"{len(failed)} of {len(outcomes)} instances failed"
             + (f" (at least {needed} had to succeed)" if fan_out.min_success is not None else "")
             + f"; the first: {failed[0].error}")
    return StepOutcome(FAILED, values, error=error, attempts=1, duration=duration,
                       continue_on_error=step.continue_on_error)
