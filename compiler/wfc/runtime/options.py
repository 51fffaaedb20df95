"""What a run is told: argument values and the run options.

Argument values are what the command line gave, converted to each argument's declared type, with
defaults filled in. Both ways of running a plan (`wfc run --arg NAME=VALUE` and a generated
module's typed options) go through `coerce`, so both produce the same values and therefore the
same cache keys. The run options are the ones every way of running a plan shares; an argument
whose flag would collide with one of them is spelled `--arg-NAME`."""
from __future__ import annotations

import json
import math

from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import click

from wfc.diagnostics.errors import UsageError
from wfc.diagnostics.wording import closest
from wfc.model import Argument, Workflow
from wfc.runtime.backend import EXECUTORS

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


def list_value(name: str, text: str) -> List[Any]:
    """`--modules '["api", "web"]'` (JSON) or `--modules api,web` (words between commas)."""
    if text.lstrip().startswith("["):
        try:
            value = json.loads(text)
        except ValueError as error:
            raise UsageError(f"argument `{name}` must be a JSON list or words separated by commas; "
                             f"{text!r} does not parse: {error}") from None
        if isinstance(value, list):
            return value
    return [word.strip() for word in text.split(",") if word.strip()]


def _convert(argument: Argument, text: str) -> Any:
    kind = argument.type
    if kind == "list":
        return list_value(argument.name, text)
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


def _dollars(ctx: click.Context, param: click.Parameter, value: Optional[float]) -> Optional[float]:
    """A budget is a finite amount above zero: `nan` or `inf` would be no budget at all."""
    if value is not None and not (math.isfinite(value) and value > 0):
        raise click.BadParameter(f"{value:g} is not a budget: give US dollars above 0, such as 5 or 0.50")
    return value


def run_options() -> List[click.Option]:
    """Options every way of running a plan shares."""
    return [
        click.Option(
            ["--max-parallel"],
            type=click.IntRange(min=1),
            help="Run at most N steps at once (overrides the workflow's max_parallel).",
        ),
        click.Option(
            ["--max-cost"],
            type=float,
            callback=_dollars,
            metavar="USD",
            help="The run's budget (overrides the workflow's max_cost): once its agent attempts have spent "
            "this much, no new agent step starts.",
        ),
        click.Option(
            ["--resume"],
            is_flag=False,
            flag_value="",
            default=None,
            metavar="[RUN_ID]",
            help="Continue a run (the latest if no id): steps it finished do not run again.",
        ),
        click.Option(["--no-cache"], is_flag=True, help="Neither read nor write the context cache."),
        click.Option(["--refresh"], is_flag=True, help="Run every step, then refresh the cache with the results."),
        click.Option(["--dry-run"], is_flag=True, help="Show the schedule the estimates predict; execute nothing."),
        click.Option(
            ["--time-scale"],
            type=click.FloatRange(min=0),
            default=0.0,
            show_default=True,
            help="With --dry-run: replay the schedule live, each estimated second taking this many seconds.",
        ),
        click.Option(["--events"], type=click.Choice(["jsonl"]), help="Stream run events to stdout as JSON lines."),
        click.Option(
            ["--todo-json"],
            type=click.Path(dir_okay=False, path_type=Path),
            help="Keep a TodoWrite-shaped task list with live statuses in FILE.",
        ),
        click.Option(
            ["--agent-command"],
            envvar="WFC_AGENT_COMMAND",
            metavar="COMMAND",
            help="The Claude Code CLI that runs agent steps (default `claude`): it gets `-p` and the step's "
            "options, the prompt on stdin, and prints the JSON result as `claude -p` does.",
        ),
        click.Option(
            ["--executor"],
            type=click.Choice(EXECUTORS),
            envvar="WFC_EXECUTOR",
            default="local",
            show_default=True,
            help="Where step attempts run: this machine's threads, or a Dask cluster (wfc's policy stays here).",
        ),
        click.Option(
            ["--scheduler"],
            metavar="ADDRESS",
            help="With --executor dask: the scheduler to use (default DASK_SCHEDULER_ADDRESS, else a local "
            "cluster on 127.0.0.1).",
        ),
        click.Option(
            ["--scheduler-file"],
            type=click.Path(dir_okay=False, path_type=Path),
            help="With --executor dask: the file a scheduler wrote its address to (dask scheduler --scheduler-file).",
        ),
        click.Option(
            ["--state-dir"],
            type=click.Path(file_okay=False, path_type=Path),
            default=Path(".wfc"),
            show_default=True,
            help="Where runs (journals) and the context cache live.",
        ),
        click.Option(
            ["--progress"],
            type=click.Choice(["auto", "plain", "none"]),
            default="auto",
            show_default=True,
            help="Live display on a terminal, plain lines otherwise (auto), always plain lines, or nothing.",
        ),
    ]


RESERVED = {option.name.replace("_", "-") for option in run_options() if option.name} | {"help", "arg"}
