"""Command lines for running plans: the generated module's options and the shared run options.

A generated module's arguments become typed options (`--target`, choices for an enum, defaults,
required), built from the plan at import time, so `--help` always matches the workflow. `wfc run`
takes the same values as `--arg NAME=VALUE`; both go through `coerce`, so both produce the same
argument values and therefore the same cache keys.
"""
from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, List, Mapping, Optional, Sequence, Union

import click

from wfc.diagnostics.errors import InterruptibleCommand, UsageError
from wfc.model import Argument
from wfc.runtime.options import argument_values, coerce, option_flag, run_options
from wfc.analysis.plan import Plan

if TYPE_CHECKING:  # click 8.2+ makes ParamType generic; older clicks cannot subscript it at run time
    ParamBase = click.ParamType[Any, Any]
else:
    ParamBase = click.ParamType


class ArgumentType(ParamBase):
    """Delegates to `coerce`, so the module and `wfc run` accept exactly the same values."""

    def __init__(self, argument: Argument) -> None:
        self.argument = argument
        self.name = argument.type

    def get_metavar(self, param: click.Parameter, ctx: Optional[click.Context] = None) -> str:
        if self.argument.enum is not None:
            return "[" + "|".join(str(choice) for choice in self.argument.enum) + "]"
        return self.argument.type.upper()

    def convert(self, value: Any, param: Optional[click.Parameter], ctx: Optional[click.Context]) -> Any:
        try:
            return coerce(self.argument, value)
        except UsageError as error:
            self.fail(error.message, param, ctx)


def argument_option(argument: Argument, dest: str) -> click.Option:
    flag = option_flag(argument.name)
    text = argument.description or argument.name
    required = argument.required and argument.default is None
    if argument.type == "boolean" and argument.enum is None:
        return click.Option([f"--{flag}/--no-{flag}", dest], default=argument.default, help=text,
                            required=required, show_default=argument.default is not None)
    return click.Option([f"--{flag}", dest], type=ArgumentType(argument), default=argument.default,
                        required=required, help=text, show_default=argument.default is not None)


def execute(plan: Plan, args: Mapping[str, Any], options: Mapping[str, Any]) -> int:
    """Run (or dry-run) with parsed options; print the summary; return the exit code."""
    from wfc.runtime.engine import dry_run, run_plan
    from wfc.runtime.outcome import RunOptions

    settings = RunOptions(
        args=dict(args), state_dir=options["state_dir"], max_parallel=options["max_parallel"],
        resume=options["resume"], no_cache=options["no_cache"], refresh=options["refresh"],
        dry_run=options["dry_run"], time_scale=options["time_scale"], events=options["events"],
        todo_json=options["todo_json"], agent_command=options["agent_command"], progress=options["progress"],
        executor=options["executor"], scheduler=options["scheduler"], scheduler_file=options["scheduler_file"],
        max_cost=options["max_cost"])
    result = dry_run(plan, settings) if settings.dry_run else run_plan(plan, settings)
    print_summary(result)
    return result.exit_code


def print_summary(result: Any) -> None:
    err = sys.stderr
    for note in result.notes:
        err.write(f"{note}\n")
    for step_id, outcome in sorted(result.outcomes.items()):
        if outcome.status == "failed":
            err.write(f"step {step_id} failed after {outcome.attempts} attempt(s): {outcome.error}\n")
    for warning in result.warnings:
        err.write(f"warning: {warning}\n")
    if result.over_budget:
        err.write(f"not run for budget: {', '.join(result.over_budget)} ({result.budget}; raise `max_cost` or "
                  f"pass a higher --max-cost, then --resume)\n")
    blocked = f", not run: {', '.join(result.not_run)}" if result.not_run else ""
    status = f"{result.status} ({signal.Signals(result.signal).name})" if result.signal else result.status
    err.write(f"run {result.run_id} {status} in {result.elapsed:.2f}s (cache: {result.cache_hits} hits, "
              f"{result.cache_misses} misses{blocked})\n")


def build_command(plan: Plan) -> click.Command:
    workflow = plan.workflow
    dests = {f"arg_{index}": argument.name for index, argument in enumerate(workflow.arguments)}
    params: List[click.Parameter] = [argument_option(argument, dest) for dest, argument in
                                     zip(dests, workflow.arguments)]
    params += run_options()

    def callback(**values: Any) -> None:
        given = {name: values.pop(dest) for dest, name in dests.items()}
        click.get_current_context().exit(execute(plan, argument_values(workflow, given), values))

    help_text = f"{workflow.title}\n\n{workflow.description}".strip()
    return InterruptibleCommand(workflow.name, params=params, callback=callback, help=help_text,
                         context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})


def main(plan_path: Union[str, Path], argv: Optional[Sequence[str]] = None) -> None:
    """A generated module's entry point: the plan file next to it, run with the command line's
    options; click shows any error and exits with its code."""
    from wfc.runtime.plan_file import read_plan

    plan = read_plan(Path(plan_path))
    command = build_command(plan)
    command.main(args=list(sys.argv[1:] if argv is None else argv), prog_name=Path(sys.argv[0]).name)
