"""Compensation (the saga pattern): undo completed steps when the workflow fails.

Compensations run in reverse order of completion, because a later step may build on an earlier
one's effects. Each outcome is journaled, and one failing does not stop the rest: a half-undone
state with every failure recorded beats stopping at the first problem.

What is undone is each step that did work and each instance of a fan-out that did, a dynamic
fan-out's instances included (its map node did no work of its own): each with its own id, `item`
and `index`, as the Workflow script's saga undoes them.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from wfc.model import Step, Workflow
from wfc.runtime.executors import Executors, Invocation
from wfc.runtime.journal import Journal, PastRun
from wfc.runtime.mapping import map_instance
from wfc.runtime.spend import Spend


class Completions:
    """What did work, in completion order, each once (the last completion counts: an instance a
    resumed fan-out runs again moves to the end). Its event is journaled under the same lock as it
    is counted, so the journal a resume reads holds them in this order too."""

    def __init__(self, journal: Journal, earlier: Sequence[Step] = ()) -> None:
        self.journal = journal
        self.lock = threading.Lock()  # instances of a map node finish on its pool's threads
        self.order: Dict[str, Step] = {step.id: step for step in earlier}

    def journaled(self, worked: Optional[Step], kind: str, fields: Mapping[str, Any]) -> None:
        """Journal the event `kind` with `fields`, which says that `worked` (if any) did its work."""
        with self.lock:
            self.journal.event(kind, **fields)
            if worked is not None:
                self.order.pop(worked.id, None)
                self.order[worked.id] = worked

    def steps(self) -> List[Step]:
        with self.lock:
            return list(self.order.values())


def earlier_completions(past: PastRun, workflow: Workflow) -> List[Step]:
    """The steps and instances a past session of the run completed (and did not undo), as steps;
    a step the plan no longer has is nothing to undo here."""
    steps = workflow.steps_by_id()
    found: List[Step] = []
    for step_id in past.completed:
        instance = past.instances.get(step_id)
        if step_id in steps:
            found.append(steps[step_id])
        elif instance is not None and instance.of in steps:
            found.append(map_instance(steps[instance.of], instance.item, instance.index))
    return found


def compensate(completed: Sequence[Step], workflow: Workflow, executors: Executors, journal: Journal,
               args: Mapping[str, Any], context: Mapping[str, Any], spend: Optional[Spend] = None,
               undoing: Callable[[Step], None] = lambda step: None) -> Tuple[int, int]:
    """(compensations that succeeded, compensations that failed). An agent compensation's attempt
    is journaled with its spend (`compensation: true`), whatever the budget: undoing is not new work.
    `undoing` hears of each step as its compensation starts (a half-undone step is not done either)."""
    planned = workflow.steps_by_id()
    succeeded = failed = 0
    for step in reversed(completed):
        if step.compensate is None:
            continue
        journal.event("compensation_started", step=step.id)
        undoing(step)
        inputs = {name: context.get(name) for name in step.inputs + step.outputs}
        result = executors.compensate(step.compensate, Invocation(step, args, inputs, step.timeout))
        if spend is not None and step.compensate.kind == "agent":
            spend.record(step, 1, result, None, planned=step.id in planned, compensation=True)
        if result.ok:
            succeeded += 1
            journal.event("step_compensated", step=step.id)
        else:
            failed += 1
            journal.event("compensation_failed", step=step.id, error=result.error)
    return succeeded, failed
