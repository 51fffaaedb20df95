"""`wfc runs`: the runs of a project (newest first), one run's steps, one step's output, pruning.

Thin: `wfc.report.history` reads the journals, `wfc.report.run_logs` the kept output,
`wfc.report.run_views` writes them. A run is named by its id, a unique start of one, or `latest`;
a name that matches none gets the closest id.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable, List, Optional, Tuple

import click

from wfc.diagnostics.errors import fail
from wfc.diagnostics.wording import closest
from wfc.report import run_views
from wfc.report.history import RunRecord, StepRecord, read_runs, running_run, runs_dir
from wfc.report.run_logs import kept_attempts

FORMATS = ("text", "json")


def _common(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option("--format", "output_format", type=click.Choice(FORMATS), default="text",
                           show_default=True, help="text for people, json for tools.")(command)
    return click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path), default=Path(".wfc"),
                        show_default=True, help="Where runs live (as `wfc run --state-dir`).")(command)


class RunsGroup(click.Group):
    """`wfc runs RUN_ID` is a likely slip for `wfc runs show RUN_ID`: say so."""

    def resolve_command(self, ctx: click.Context, args: List[str]) -> Tuple[Any, Any, List[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and name not in self.commands:
            close = closest(name, self.commands)
            hint = f"did you mean `wfc runs {close}`?" if close else f"to see a run, `wfc runs show {name}`"
            fail(f"`wfc runs` has no command `{name}`: {hint} (commands: {', '.join(sorted(self.commands))})",
                 usage=True)
        return super().resolve_command(ctx, args)


@click.group(cls=RunsGroup, invoke_without_command=True)
@_common
@click.option("--workflow", default=None, metavar="NAME", help="Only the runs of this workflow.")
@click.option("--limit", type=click.IntRange(min=1), default=None, metavar="N", help="Only the newest N runs.")
@click.pass_context
def runs(ctx: click.Context, state_dir: Path, output_format: str, workflow: Optional[str],
         limit: Optional[int]) -> None:
    """List the runs under the state directory, newest first: id, workflow, status, steps done,
    sessions (a resumed run has several), start (UTC), duration and cost."""
    if ctx.invoked_subcommand is not None:
        return
    found = _of_workflow(_runs(state_dir), workflow, runs_dir(state_dir).as_posix())[:limit]
    if output_format == "json":
        click.echo(run_views.dumps({"runs": [run_views.run_json(run, False) for run in found]}), nl=False)
    else:
        click.echo(run_views.runs_text(found, runs_dir(state_dir).as_posix()), nl=False)


@runs.command(short_help="Each step of a run: status, attempts, times, cost, tokens, cache hit.")
@click.argument("run_id", metavar="RUN")
@_common
def show(run_id: str, state_dir: Path, output_format: str) -> None:
    """Each step of RUN: status, attempts, start, duration against its estimate, cost, tokens,
    cache hit; then the errors of the steps that failed."""
    run = find_run(state_dir, run_id)
    if output_format == "json":
        click.echo(run_views.dumps(run_views.run_json(run, True)), nl=False)
    else:
        click.echo(run_views.run_text(run), nl=False)


@runs.command(short_help="A step's kept output: stdout and stderr, or its result, per attempt.")
@click.argument("run_id", metavar="RUN")
@click.argument("step_id", metavar="STEP")
@click.option("--attempt", type=click.IntRange(min=1), default=None,
              help="Only this attempt (numbered across the run's sessions); default: every kept attempt.")
@click.option("--stream", type=click.Choice(["stdout", "stderr", "result"]), default=None,
              help="Print only this stream of the last (or --attempt) attempt, exactly as kept.")
@_common
def logs(run_id: str, step_id: str, attempt: Optional[int], stream: Optional[str], state_dir: Path,
         output_format: str) -> None:
    """STEP's output in RUN: each attempt's stdout and stderr (an agent's or a Python step's
    result instead of its stdout). Streams over 256 KiB keep their first 64 KiB and the rest of
    their end, and say what was cut."""
    run = find_run(state_dir, run_id)
    step = find_step(run, step_id)
    try:
        attempts = kept_attempts(runs_dir(state_dir) / run.run_id, step.step)
    except OSError as error:
        fail(f"cannot read the output of step {step.step} of run {run.run_id}: {error.strerror or error}")
    if attempt is not None:
        attempts = [kept for kept in attempts if kept.number == attempt] or fail(
            f"step {step.step} of run {run.run_id} kept {len(attempts)} attempt(s), not an attempt {attempt}",
            usage=True)
    if stream is not None:
        click.echo(_raw(run, step, attempts, stream), nl=False)
    elif output_format == "json":
        click.echo(run_views.dumps(run_views.logs_json(run, step, attempts)), nl=False)
    else:
        click.echo(run_views.logs_text(run, step, attempts), nl=False)


def _raw(run: RunRecord, step: StepRecord, attempts: List[Any], name: str) -> str:
    found = attempts[-1].stream(name) if attempts else None
    if found is None:
        fail(f"step {step.step} of run {run.run_id} kept no {name}"
             + ("" if attempts else f" ({run_views.logs_text(run, step, attempts).strip()})"), usage=True)
    return str(found.text)


@runs.command(short_help="Remove all but the newest runs, their output with them.")
@click.option("--keep", type=click.IntRange(min=0), required=True, help="How many of the newest runs to keep.")
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path), default=Path(".wfc"),
              show_default=True, help="Where runs live (as `wfc run --state-dir`).")
def prune(keep: int, state_dir: Path) -> None:
    """Remove every run but the newest N (`--keep N`), with their journals and kept output. A run
    still running is kept whatever its age."""
    found = _runs(state_dir)
    removed, busy = [], []
    for run in found[keep:]:
        if run.status == "unfinished" and running_run(state_dir, run.workflow) in ("", run.run_id):
            busy.append(run.run_id)
            continue
        try:
            shutil.rmtree(runs_dir(state_dir) / run.run_id)
        except OSError as error:
            fail(f"cannot remove run {run.run_id}: {error.strerror or error} ({error.filename})")
        removed.append((run.run_id, run.status))
    click.echo(run_views.pruned_text(removed, busy, len(found) - len(removed)), nl=False)


def _runs(state_dir: Path) -> List[RunRecord]:
    try:
        return read_runs(state_dir)
    except OSError as error:
        fail(f"cannot read the runs under {runs_dir(state_dir).as_posix()}: {error.strerror or error}"
             f"{f' ({error.filename})' if error.filename else ''}")


def _of_workflow(found: List[RunRecord], workflow: Optional[str], where: str) -> List[RunRecord]:
    if workflow is None:
        return found
    names = sorted({run.workflow for run in found})
    if workflow not in names:
        close = closest(workflow, names)
        hint = f"did you mean {close}?" if close else f"runs exist of: {', '.join(names) or 'no workflow yet'}"
        fail(f"no run of workflow {workflow} under {where}: {hint}", usage=True)
    return [run for run in found if run.workflow == workflow]


def find_run(state_dir: Path, name: str) -> RunRecord:
    """The run NAME means: its id, the only id starting with it, or `latest`."""
    found = _runs(state_dir)
    where = runs_dir(state_dir).as_posix()
    if not found:
        fail(f"no run {name} under {where}: there are no runs yet (`wfc run WORKFLOW` starts one)", usage=True)
    if name == "latest":
        return found[0]
    matches = [run for run in found if run.run_id == name] or [run for run in found if run.run_id.startswith(name)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        fail(f"{name} starts {len(matches)} run ids under {where} ({', '.join(run.run_id for run in matches[:5])}"
             f"{', ...' if len(matches) > 5 else ''}): give more of the id", usage=True)
    close = closest(name, [run.run_id for run in found])
    hint = f"did you mean {close}?" if close else f"the newest is {found[0].run_id}"
    fail(f"no run {name} under {where}: {hint} (`wfc runs` lists them)", usage=True)


def find_step(run: RunRecord, name: str) -> StepRecord:
    step = run.step(name)
    if step is not None:
        return step
    names = [record.step for record in run.steps]
    close = closest(name, names)
    hint = f"did you mean {close}?" if close else f"its steps: {', '.join(names) or 'none'}"
    fail(f"run {run.run_id} ({run.workflow}) has no step {name}: {hint}", usage=True)
