"""`wfc plan WORKFLOW`: what the compiler would plan, on the terminal, without writing anything.

The text form answers the questions a reviewer asks before committing a workflow change: what
runs together, what the run waits for (the critical path) and what the change does to the time
figures. `--format json` prints the plan JSON exactly as `wfc compile` writes it.
"""
from __future__ import annotations

import sys
from typing import List, Tuple

import click

from wfc.durations import format_duration
from wfc.plan import Estimate, Plan

FORMATS = ("text", "json")


@click.command(name="plan")
@click.argument("workflow", type=click.Path(dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text for people, json for the plan exactly as `wfc compile` writes it.")
def plan(workflow: str, output_format: str) -> None:
    """Show WORKFLOW's levels, critical path and estimates (warnings go to standard error)."""
    from wfc.analysis import analyze
    from wfc.diagnostics_output import render, use_colour
    from wfc.render.plan_json import plan_to_json
    from wfc.validate import load_workflow

    result = analyze(load_workflow(workflow))
    if result.warnings:
        click.echo(render(result.warnings, "text", use_colour(sys.stderr)), err=True)
    click.echo(plan_to_json(result) if output_format == "json" else plan_text(result), nl=False)


def plan_text(result: Plan) -> str:
    """The terminal summary: header, levels (split into waves when max_parallel cuts them),
    critical path, then the estimate table."""
    workflow = result.workflow
    slots = "unbounded" if workflow.max_parallel is None else str(workflow.max_parallel)
    lines = [
        f"{workflow.name}: {workflow.title}",
        f"{workflow.source}: {_count(len(result.steps), 'step')}, {_count(len(result.levels), 'level')}, "
        f"{_count(len(result.waves), 'wave')}, max_parallel {slots}",
        "",
        "Levels",
        *_level_lines(result),
        "",
        f"Critical path ({format_duration(result.estimate.critical_path)}): {' -> '.join(result.critical_path)}",
        "",
        *_estimate_lines(result.estimate),
    ]
    return "\n".join(lines) + "\n"


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def _level_lines(result: Plan) -> List[str]:
    """One line per level; ` | ` separates the waves a level is cut into."""
    width = len(str(len(result.levels) - 1))
    lines = []
    for index, level in enumerate(result.levels):
        members = set(level)
        waves = [wave for wave in result.waves if wave[0] in members]
        lines.append(f"  {index:>{width}}  " + " | ".join(", ".join(wave) for wave in waves))
    return lines


def _estimate_lines(figures: Estimate) -> List[str]:
    rows: List[Tuple[str, str]] = [
        ("sequential (one agent, shared context)", format_duration(figures.sequential)),
        ("sequential, nothing shared", format_duration(figures.sequential_unshared)),
        ("level by level", format_duration(figures.level_barrier)),
        ("makespan (dependency-driven)", format_duration(figures.makespan)),
        ("lower bound", format_duration(figures.lower_bound)),
        ("makespan over the bound", "optimal" if figures.optimal else
         f"{format_duration(figures.gap)} ({figures.gap_pct:.1f} %)"),
        ("critical path", format_duration(figures.critical_path)),
        ("warm re-run", format_duration(figures.warm_makespan)),
        ("worst case (every retry times out)", format_duration(figures.worst_case)),
        ("speedup", f"{figures.speedup:.2f}x"),
        ("time saved", f"{figures.time_saved_pct:.1f} %"),
        ("redundant work eliminated", f"{figures.redundant_work_eliminated_pct:.1f} %"),
        ("widest level", str(figures.max_width)),
    ]
    label_width = max(len(label) for label, _ in rows)
    value_width = max(len(value) for _, value in rows)
    return ["Estimate"] + [f"  {label:<{label_width}}  {value:>{value_width}}" for label, value in rows]
