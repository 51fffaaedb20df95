"""Command lines for running plans: the generated module's options and the shared run options.

A generated module's arguments become typed options (`--target`, choices for an enum, defaults,
required), built from the plan at import time, so `--help` always matches the workflow. `wfc run`
takes the same values as `--arg NAME=VALUE`; both go through `coerce`, so both produce the same
argument values and therefore the same cache keys.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

import click

from wfc.cli import guarded
from wfc.errors import UsageError
from wfc.model import Argument, Workflow
from wfc.plan import Plan
from wfc.wording import closest

TRUE = ("true", "yes", "on", "1")
FALSE = ("false", "no", "off", "0")


def coerce(argument: Argument, value: Any) -> Any:
    """A command-line string as the argument's type; UsageError says what was expected."""
    if not isinstance(value, str):
        converted = value
    else:
        converted = _convert(argument, value)
    if argument.enum is not None and converted not in argument.enum:
        choices = ", ".join(str(choice) for choice in argument.enum)
        raise UsageError(f"argument `{argument.name}` must be one of {choices}; got {value!r}")
    return converted


def _convert(argument: Argument, text: str) -> Any:
    kind = argument.type
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            number = float(text)
            return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    except ValueError:
        raise UsageError(f"argument `{argument.name}` must be a{'n integer' if kind == 'integer' else ' number'}; "
                         f"got {text!r}") from None
    if kind == "boolean":
        if text.lower() in TRUE + FALSE:
            return text.lower() in TRUE
        raise UsageError(f"argument `{argument.name}` must be true or false; got {text!r}")
    if argument.enum is not None:
        for choice in argument.enum:
            if str(choice) == text:
                return choice
    return text


def argument_values(workflow: Workflow, given: Mapping[str, Any]) -> Dict[str, Any]:
    """Every declared argument's value: given, else its default; missing required ones fail."""
    declared = {argument.name: argument for argument in workflow.arguments}
    for name in given:
        if name not in declared:
            close = closest(name, declared)
            known = ", ".join(sorted(declared)) or "none"
            hint = f" Did you mean `{close}`?" if close else f" Known arguments: {known}."
            raise UsageError(f"unknown argument `{name}`.{hint}")
    values: Dict[str, Any] = {}
    for name, argument in declared.items():
        if name in given and given[name] is not None:
            values[name] = coerce(argument, given[name])
        elif argument.required and argument.default is None:
            raise UsageError(f"argument `{name}` is required: pass --{option_flag(name)} VALUE "
                             f"(or --arg {name}=VALUE with wfc run)")
        else:
            values[name] = argument.default
    return values


def option_flag(name: str) -> str:
    flag = name.replace("_", "-").lower()
    return f"arg-{flag}" if flag in RESERVED else flag


class ArgumentType(click.ParamType):
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


def run_options() -> List[click.Option]:
    """Options every way of running a plan shares."""
    return [
        click.Option(["--max-parallel"], type=click.IntRange(min=1), help="Run at most N steps at once (overrides the workflow's max_parallel)."),
        click.Option(["--resume"], is_flag=False, flag_value="", default=None, metavar="[RUN_ID]",
                     help="Continue a run (the latest if no id): steps it finished do not run again."),
        click.Option(["--no-cache"], is_flag=True, help="Neither read nor write the context cache."),
        click.Option(["--refresh"], is_flag=True, help="Run every step, then refresh the cache with the results."),
        click.Option(["--dry-run"], is_flag=True, help="Show the schedule the estimates predict; execute nothing."),
        click.Option(["--time-scale"], type=click.FloatRange(min=0), default=0.0, show_default=True,
                     help="With --dry-run: replay the schedule live, each estimated second taking this many seconds."),
        click.Option(["--events"], type=click.Choice(["jsonl"]), help="Stream run events to stdout as JSON lines."),
        click.Option(["--todo-json"], type=click.Path(dir_okay=False, path_type=Path),
                     help="Keep a TodoWrite-shaped task list with live statuses in FILE."),
        click.Option(["--agent-command"], envvar="WFC_AGENT_COMMAND", metavar="COMMAND",
                     help="Run agent steps with COMMAND (reads the prompt on stdin, prints Claude's JSON) instead of `claude -p`."),
        click.Option(["--state-dir"], type=click.Path(file_okay=False, path_type=Path), default=Path(".wfc"),
                     show_default=True, help="Where runs (journals) and the context cache live."),
        click.Option(["--progress"], type=click.Choice(["auto", "plain", "none"]), default="auto", show_default=True,
                     help="Live display on a terminal, plain lines otherwise (auto), always plain lines, or nothing."),
    ]


RESERVED = {option.name.replace("_", "-") for option in run_options() if option.name} | {"help", "arg"}


def execute(plan: Plan, args: Mapping[str, Any], options: Mapping[str, Any]) -> int:
    """Run (or dry-run) with parsed options; print the summary; return the exit code."""
    from wfc.runtime.engine import dry_run, run_plan
    from wfc.runtime.outcome import RunOptions

    settings = RunOptions(
        args=dict(args), state_dir=options["state_dir"], max_parallel=options["max_parallel"],
        resume=options["resume"], no_cache=options["no_cache"], refresh=options["refresh"],
        dry_run=options["dry_run"], time_scale=options["time_scale"], events=options["events"],
        todo_json=options["todo_json"], agent_command=options["agent_command"], progress=options["progress"])
    result = dry_run(plan, settings) if settings.dry_run else run_plan(plan, settings)
    print_summary(result)
    return result.exit_code


def print_summary(result: Any) -> None:
    err = click.get_text_stream("stderr")
    for step_id, outcome in sorted(result.outcomes.items()):
        if outcome.status == "failed":
            err.write(f"step {step_id} failed after {outcome.attempts} attempt(s): {outcome.error}\n")
    for warning in result.warnings:
        err.write(f"warning: {warning}\n")
    blocked = f", not run: {', '.join(result.not_run)}" if result.not_run else ""
    err.write(f"run {result.run_id} {result.status} in {result.elapsed:.2f}s (cache: {result.cache_hits} hits, "
              f"{result.cache_misses} misses{blocked})\n")


def build_command(plan: Plan) -> click.Command:
    workflow = plan.workflow
    dests = {f"arg_{index}": argument.name for index, argument in enumerate(workflow.arguments)}
    params: List[click.Parameter] = [argument_option(argument, dest) for dest, argument in
                                     zip(dests, workflow.arguments)]
    params += run_options()

    def callback(**values: Any) -> None:
        given = {name: values.pop(dest) for dest, name in dests.items()}
        sys.exit(execute(plan, argument_values(workflow, given), values))

    help_text = f"{workflow.title}\n\n{workflow.description}".strip()
    return click.Command(workflow.name, params=params, callback=callback, help=help_text,
                         context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})


def main(plan_data: Mapping[str, Any], argv: Optional[Sequence[str]] = None) -> None:
    from wfc.render.plan_json import plan_from_dict

    plan = plan_from_dict(plan_data)
    command = build_command(plan)
    guarded(lambda: command.main(args=list(sys.argv[1:] if argv is None else argv),
                                 prog_name=Path(sys.argv[0]).name, standalone_mode=False))
