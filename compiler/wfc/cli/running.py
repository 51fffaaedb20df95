"""`wfc run`: load, analyze and run a workflow, the same run its generated module performs."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Tuple

import click

from wfc.cli.project import workflow_argument
from wfc.diagnostics.errors import InterruptibleCommand, UsageError
from wfc.runtime.options import argument_values
from wfc.runtime.command_line import execute
from wfc.runtime.options import run_options


def workflow_path(name_or_path: str) -> Path:
    """A path as given (where the user stood), else `workflows/NAME.yaml` (or `.yml`) of the project."""
    given = Path(workflow_argument(name_or_path))
    if given.is_file():
        return given
    for candidate in (Path("workflows") / f"{name_or_path}.yaml", Path("workflows") / f"{name_or_path}.yml"):
        if candidate.is_file():
            return candidate
    raise UsageError(f"no workflow `{name_or_path}`: not a file, and neither workflows/{name_or_path}.yaml "
                     f"nor workflows/{name_or_path}.yml exists")


def parse_pairs(pairs: Tuple[str, ...]) -> Dict[str, str]:
    values: Dict[str, str] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise UsageError(f"--arg takes NAME=VALUE, got {pair!r}")
        values[name.strip()] = value
    return values


def _run(workflow: str, arg: Tuple[str, ...], **options: Any) -> None:
    """Run a workflow (a name under workflows/ or a path): steps start as soon as what they need
    is done. Exit 0 on success, 1 when a step fails, 2 on usage errors, 3 when the run's budget
    (`max_cost`) kept agent steps from starting, 130 when cancelled."""
    from wfc.analysis import analyze
    from wfc.validate import load_workflow

    plan = analyze(load_workflow(workflow_path(workflow)))
    click.get_current_context().exit(execute(plan, argument_values(plan.workflow, parse_pairs(arg)), options))


run = InterruptibleCommand(
    "run", callback=_run, help=_run.__doc__,
    params=[click.Argument(["workflow"]),
            click.Option(["--arg", "arg"], multiple=True, metavar="NAME=VALUE",
                         help="An argument value (repeatable), converted to the argument's type."),
            *run_options()],
)
