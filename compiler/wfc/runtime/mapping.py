"""Fan-out at run time: what an instance's templates see, the readers' collected lists, and the
failure policy of a fan-out as a whole.

A reader of a fan-out's output gets the list of its instances' outputs in item order, whatever
order they finished in; a failed instance (allowed by `continue_on_error` or `min_success`), or a
skipped one, reads as null there.
"""
from __future__ import annotations

import threading
from typing import Any, Dict, List, Mapping, MutableMapping, Tuple

from wfc.format.templating import parse_expression, references
from wfc.model import Step, Workflow
from wfc.model.fan_out import fan_out_sizes, loop_data
from wfc.runtime.outcome import CACHE_HIT, CANCELLED, FAILED, FINISHED, RESUMED, SKIPPED, StepOutcome

# a step's outcome as `when: steps.NAME.outcome` reads it (vocabulary.OUTCOMES)
OUTCOME_WORDS = {FINISHED: "succeeded", CACHE_HIT: "succeeded", RESUMED: "succeeded", FAILED: "failed",
                 SKIPPED: "skipped", CANCELLED: "not_run"}


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
        if step.continue_on_error or instance is None or fan_out is None or fan_out.min_success is None:
            return step.continue_on_error
        with self.lock:
            failed = self.failed[instance.of] = self.failed.get(instance.of, 0) + 1
        return self.sizes[instance.of] - failed >= fan_out.min_success


def upstream_failed(dependencies: Tuple[str, ...], outcomes: Mapping[str, StepOutcome]) -> bool:
    """Whether a step it waits for failed or never ran (what an `on_failure` step runs for)."""
    return any(dep not in outcomes or outcomes[dep].status in (FAILED, CANCELLED) for dep in dependencies)


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
