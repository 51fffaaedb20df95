"""What `--dry-run` prints: the schedule the estimates predict, with `when` evaluated.

The plan's schedule assumes every step runs. A dry run knows the arguments, so it evaluates each
`when` the way the run would: a step whose condition is false is shown as skipped, the schedule is
simulated again with it taking no time (through the analysis's own policy), and the makespan line
says what changed. A condition that does not evaluate is shown too: the run would fail that step.
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Tuple

from wfc.analysis import schedule
from wfc.analysis.plan import Plan, ScheduledStep
from wfc.format.durations import format_duration
from wfc.format.figures import ratio
from wfc.format.templating import TemplateFailed, evaluate_when
from wfc.model.fan_out import scheduled_resources
from wfc.runtime.mapping import reads_results


def when_outcomes(plan: Plan, args: Mapping[str, Any]) -> Tuple[Tuple[str, ...], Dict[str, str]]:
    """(steps a false `when` skips, step -> why its `when` does not evaluate)."""
    skipped: List[str] = []
    broken: Dict[str, str] = {}
    for step in plan.workflow.steps:
        if step.when is None or reads_results(step.when):
            continue  # no `when`, or one only the run can decide: the step is planned to run
        try:
            if not evaluate_when(step.when, args):
                skipped.append(step.id)
        except TemplateFailed as error:
            broken[step.id] = str(error)
    return tuple(skipped), broken


def resimulated(plan: Plan, skipped: Tuple[str, ...]) -> Tuple[ScheduledStep, ...]:
    """The plan's schedule again, each skipped step taking no time."""
    steps = plan.workflow.steps_by_id()
    durations = {planned.id: 0.0 if planned.id in skipped else steps[planned.id].estimate for planned in plan.steps}
    requests, capacities = scheduled_resources(plan.workflow)
    problem = schedule.Problem(
        steps=plan.order, dependencies={planned.id: planned.dependencies for planned in plan.steps},
        durations=durations, priorities={planned.id: planned.priority for planned in plan.steps},
        max_parallel=plan.workflow.max_parallel, requests=requests, capacities=capacities)
    return schedule.ordered(schedule.simulate(problem))


def schedule_text(plan: Plan, args: Mapping[str, Any]) -> str:
    skipped, broken = when_outcomes(plan, args)
    slots = resimulated(plan, skipped) if skipped else plan.schedule
    width = max([len("step")] + [len(slot.step) for slot in slots])  # short ids: columns still line up
    lines = [f"{'step':<{width}}  {'start':>8}  {'finish':>8}"]
    for slot in slots:
        if slot.step in skipped:
            lines.append(f"{slot.step:<{width}}  skipped: `when` is false")
        else:
            lines.append(f"{slot.step:<{width}}  {format_duration(slot.start):>8}  {format_duration(slot.finish):>8}")
    figures = plan.estimate
    lines.append(
        f"makespan {format_duration(figures.makespan)} (critical path {format_duration(figures.critical_path)}, "
        f"sequential {format_duration(figures.sequential)}, speedup {ratio(figures.speedup)})")
    if skipped:
        lines.append(f"with `when` evaluated: {len(skipped)} step(s) skipped, makespan "
                     f"{format_duration(schedule.makespan({slot.step: slot for slot in slots}))}")
    lines += [f"step {step} would fail: {reason}" for step, reason in sorted(broken.items())]
    return "\n".join(lines) + "\n"
