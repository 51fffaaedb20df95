"""Compensation (the saga pattern): undo completed steps when the workflow fails.

Compensations run in reverse order of completion, because a later step may build on an earlier
one's effects. Each outcome is journaled, and one failing does not stop the rest: a half-undone
state with every failure recorded beats stopping at the first problem.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence, Tuple

from wfc.model import Workflow
from wfc.runtime.executors import Executors, Invocation
from wfc.runtime.journal import Journal


def compensate(completed: Sequence[str], workflow: Workflow, executors: Executors, journal: Journal,
               args: Mapping[str, Any], context: Mapping[str, Any]) -> Tuple[int, int]:
    """(compensations that succeeded, compensations that failed)."""
    steps = workflow.steps_by_id()
    succeeded = failed = 0
    for step_id in reversed(completed):
        step = steps[step_id]
        if step.compensate is None:
            continue
        journal.event("compensation_started", step=step_id)
        inputs = {name: context.get(name) for name in step.inputs + step.outputs}
        result = executors.compensate(step.compensate, Invocation(step, args, inputs, step.timeout))
        if result.ok:
            succeeded += 1
            journal.event("step_compensated", step=step_id)
        else:
            failed += 1
            journal.event("compensation_failed", step=step_id, error=result.error)
    return succeeded, failed
