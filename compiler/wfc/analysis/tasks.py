"""The progress task list: one TodoWrite task per step, in the order the steps are expected to
start, so the list a user watches fills from the top."""
from __future__ import annotations

from typing import Sequence, Tuple

from wfc.model import Workflow
from wfc.analysis.plan import ScheduledStep, Task


def tasks(workflow: Workflow, schedule_order: Sequence[ScheduledStep]) -> Tuple[Task, ...]:
    steps = workflow.steps_by_id()
    return tuple(
        Task(step=slot.step, content=steps[slot.step].title, active_form=steps[slot.step].active)
        for slot in schedule_order
    )
