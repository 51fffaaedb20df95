"""Compensation (the saga pattern): undo completed steps when the workflow fails.

Compensations run in reverse order of completion, because a later step may build on an earlier
one's effects. Each outcome is journaled, and one failing does not stop the rest: a half-undone
state with every failure recorded beats stopping at the first problem.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence, Tuple

from wfc.model import Workflow
from wfc.runtime.executors import Executors, Invocation
from wfc.runtime.journal import Journal
from wfc.runtime.spend import Spend


def compensate(completed: Sequence[str], workflow: Workflow, executors: Executors, journal: Journal,
               args: Mapping[str, Any], context: Mapping[str, Any], spend: Optional[Spend] = None) -> Tuple[int, int]:
    """(compensations that succeeded, compensations that failed). An agent compensation's attempt
    is journaled with its spend (`compensation: true`), whatever the budget: undoing is not new work."""
    steps = workflow.steps_by_id()
    succeeded = failed = 0
    for step_id in reversed(completed):
        step = steps[step_id]
        if step.compensate is None:
            continue
        journal.event("compensation_started", step=step_id)
        inputs = {name: context.get(name) for name in step.inputs + step.outputs}
        result = executors.compensate(step.compensate, Invocation(step, args, inputs, step.timeout))
        if spend is not None and step.compensate.kind == "agent":
            spend.record(step, 1, result, None, compensation=True)
        if result.ok:
            succeeded += 1
            journal.event("step_compensated", step=step_id)
        else:
            failed += 1
            journal.event("compensation_failed", step=step_id, error=result.error)
    return succeeded, failed
