"""What a report shows, computed once from plans and measured runs, as frozen plain data.

Every output format (markdown, html, json) renders this and nothing else, so the figures agree
across formats and equal the plan's: the plan's `Estimate` is carried as is, never recomputed.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from wfc.format.durations import format_duration
from wfc.analysis.plan import Estimate, Plan
from wfc.report.runs import MeasuredRun, StepUsage
from wfc.report.spending import Spending, median_usage, spending

FURTHEST_OFF = 5  # how many steps the "furthest off" list names


@dataclass(frozen=True)
class StepFigures:
    """One step in the estimated (makespan) schedule."""

    id: str
    title: str
    level: int
    estimate: float
    start: float
    finish: float
    slack: float
    critical: bool
    dependencies: Tuple[str, ...]


@dataclass(frozen=True)
class StepAccuracy:
    """A step's estimate against its measured durations; `suggested` is ready to paste as `estimate:`.
    Cost and tokens are medians over the runs whose journal reported them (each run's figure summed
    over the step's attempts), None where none did."""

    step: str
    estimate: float
    samples: int
    median: float
    error_pct: float
    suggested: str
    cost_usd: Optional[float] = None
    tokens_in: Optional[float] = None
    tokens_out: Optional[float] = None


@dataclass(frozen=True)
class ItemCount:
    """A map node: the items its plan assumed (`estimate_items`) and the median it found at run time."""

    step: str
    estimated: int
    median: float
    samples: int


@dataclass(frozen=True)
class Accuracy:
    runs: Tuple[str, ...]  # run ids that measured this workflow
    complete_runs: int  # runs that did every step in one session: the ones a makespan compares with
    estimated: float  # the plan's makespan
    actual: Optional[float]  # median elapsed of the complete runs
    error_pct: Optional[float]
    steps: Tuple[StepAccuracy, ...]  # in plan order, measured steps only
    furthest_off: Tuple[str, ...]
    items: Tuple[ItemCount, ...] = ()  # map nodes measured, in plan order
    spending: Optional[Spending] = None  # tokens and dollars per step and per run; None: none reported


@dataclass(frozen=True)
class WorkflowReport:
    name: str
    title: str
    source: str
    source_sha256: str
    estimate: Estimate
    legacy_minutes: Optional[float]  # the figure `docs.legacy` states, where it states one
    legacy_source: str  # where that figure comes from, or why there is none
    critical_path: Tuple[str, ...]
    zero_slack: Tuple[str, ...]  # steps whose estimates move the total, in plan order
    widest_level: Tuple[str, ...]
    levels: Tuple[Tuple[str, ...], ...]
    steps: Tuple[StepFigures, ...]  # schedule order: by start, then id
    accuracy: Optional[Accuracy]
    plan: Optional[Plan] = field(default=None, compare=False, repr=False)  # for graph exporters

    @property
    def time_saved(self) -> float:
        return round(self.estimate.sequential - self.estimate.makespan, 3) + 0.0


@dataclass(frozen=True)
class ReportData:
    workflows: Tuple[WorkflowReport, ...]  # summary order: time saved (%) descending, then name


def error_pct(estimated: float, actual: float) -> float:
    """How far the estimate was off, relative to the estimate: positive means it ran longer."""
    if estimated <= 0:
        return 0.0 if actual <= 0 else 100.0
    return round(100.0 * (actual - estimated) / estimated, 1) + 0.0


def suggested_estimate(samples: Sequence[float]) -> str:
    """The median measured duration as a duration string (at least 1ms: 0 is no estimate)."""
    return format_duration(max(statistics.median(samples), 0.001))


def step_figures(plan: Plan) -> Tuple[StepFigures, ...]:
    steps = plan.workflow.steps_by_id()
    figures: List[StepFigures] = []
    for slot in plan.schedule:
        planned = plan.planned(slot.step)
        figures.append(StepFigures(slot.step, steps[slot.step].title, planned.level, planned.estimate,
                                   slot.start, slot.finish, planned.slack, planned.critical,
                                   planned.dependencies))
    return tuple(figures)


def accuracy(plan: Plan, runs: Sequence[MeasuredRun]) -> Optional[Accuracy]:
    if not runs:
        return None
    samples: Dict[str, List[float]] = {}
    usage: Dict[str, List[StepUsage]] = {}
    for run in runs:
        for step, seconds in run.durations.items():
            samples.setdefault(step, []).append(seconds)
        for step, spent in run.usage.items():
            usage.setdefault(step, []).append(spent)
    rows = tuple(_step_accuracy(planned.id, planned.estimate, samples[planned.id], usage.get(planned.id, []))
                 for planned in plan.steps if planned.id in samples)
    every_step = set(plan.order)
    complete = [run.elapsed for run in runs if run.elapsed is not None and every_step <= set(run.durations)]
    actual = round(statistics.median(complete), 3) if complete else None
    furthest = sorted(rows, key=lambda row: (-abs(row.error_pct), row.step))[:FURTHEST_OFF]
    return Accuracy(tuple(sorted(run.run_id for run in runs)), len(complete), plan.estimate.makespan,
                    actual, None if actual is None else error_pct(plan.estimate.makespan, actual),
                    rows, tuple(row.step for row in furthest if row.error_pct != 0), item_counts(plan, runs),
                    spending(plan.order, [(run.run_id, run.usage, run.spent) for run in runs]))


def item_counts(plan: Plan, runs: Sequence[MeasuredRun]) -> Tuple[ItemCount, ...]:
    found: List[ItemCount] = []
    for step in plan.workflow.steps:
        counts = [run.items[step.id] for run in runs if step.id in run.items]
        if counts and step.fan_out is not None:
            found.append(ItemCount(step.id, step.fan_out.estimate_items, statistics.median(counts) + 0.0,
                                   len(counts)))
    return tuple(found)


def _step_accuracy(step: str, estimate: float, samples: List[float], usage: List[StepUsage]) -> StepAccuracy:
    median = round(statistics.median(samples), 3) + 0.0
    spent = median_usage(usage)
    return StepAccuracy(step, estimate, len(samples), median, error_pct(estimate, median),
                        suggested_estimate(samples), spent["cost_usd"], spent["tokens_in"], spent["tokens_out"])


def workflow_report(plan: Plan, runs: Sequence[MeasuredRun] = ()) -> WorkflowReport:
    workflow = plan.workflow
    widest = max(plan.levels, key=len, default=())
    return WorkflowReport(
        name=workflow.name, title=workflow.title, source=workflow.source,
        source_sha256=workflow.source_sha256, estimate=plan.estimate,
        legacy_minutes=workflow.docs.legacy_minutes, legacy_source=workflow.docs.legacy_source,
        critical_path=plan.critical_path,
        zero_slack=tuple(step.id for step in plan.steps if step.slack == 0),
        widest_level=widest, levels=plan.levels, steps=step_figures(plan),
        accuracy=accuracy(plan, runs), plan=plan,
    )


def build_report(plans: Iterable[Plan], runs: Iterable[MeasuredRun] = ()) -> ReportData:
    """The report over `plans`, matching each measured run to its plan by workflow name."""
    by_workflow: Dict[str, List[MeasuredRun]] = {}
    for run in runs:
        by_workflow.setdefault(run.workflow, []).append(run)
    reports = [workflow_report(plan, by_workflow.get(plan.workflow.name, ())) for plan in plans]
    reports.sort(key=lambda report: (-report.estimate.time_saved_pct, report.name))
    return ReportData(tuple(reports))
