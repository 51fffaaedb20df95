"""The `wfc` command line: thin. Subcommands live in the modules of this package, grouped by what
a user is doing (authoring, running, reporting, importing), each imported only when invoked, so
`wfc compile --check` does not pay for Jinja or the runtime.

Errors become exit codes through click's own handling: every wfc error is a click exception that
carries its exit code and shows itself (`wfc.diagnostics.errors`); a usage mistake exits 2 with
click's message and a "did you mean".
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import click

from wfc import __version__
from wfc.cli.project import enter_root
from wfc.diagnostics.errors import InterruptibleCommand
from wfc.diagnostics.wording import closest

# name -> (module, attribute, one-line help); the help is here so `wfc --help` imports nothing else
COMMANDS: Dict[str, Tuple[str, str, str]] = {
    "validate": ("wfc.cli.authoring", "validate", "Check workflows against the format; report every problem."),
    "compile": ("wfc.cli.authoring", "compile_", "Compile workflows into plans, modules and command docs."),
    "plan": ("wfc.cli.authoring", "plan", "Show a workflow's levels, critical path and estimates."),
    "graph": ("wfc.cli.authoring", "graph", "Export a workflow's DAG as mermaid or Graphviz dot."),
    "schema": ("wfc.cli.authoring", "schema", "Print the workflow JSON schema (or the plan schema)."),
    "run": ("wfc.cli.running", "run", "Run a workflow: steps start as soon as what they need is done."),
    "runs": ("wfc.cli.inspecting", "runs", "List runs, show one run's steps, read a step's output, prune old runs."),
    "report": ("wfc.cli.reporting", "report", "Performance-estimate report, with measured runs when there are any."),
    "import": ("wfc.cli.importing", "import_", "Turn a Claude Code slash command into a workflow that runs as it ran."),
    "diff": ("wfc.cli.reviewing", "diff", "What a change does to each plan: steps, critical path, makespan, speedup."),
    "init": ("wfc.cli.scaffold", "init", "Start a project: a first workflow, its schema, pre-commit and .gitignore."),
}
# Commands that work on a directory the user names, not on the project found from here.
NO_ROOT = ("init",)


class LazyGroup(InterruptibleCommand, click.Group):
    """Loads a subcommand's module on first use and suggests close names for typos."""

    def list_commands(self, ctx: click.Context) -> List[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> Optional[click.Command]:
        if name not in COMMANDS:
            return None
        module_name, attribute, _ = COMMANDS[name]
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def resolve_command(self, ctx: click.Context, args: List[str]) -> Any:
        name = args[0] if args else ""
        if name and not name.startswith("-") and name not in COMMANDS:
            close = closest(name, self.list_commands(ctx))
            suggestion = f" Did you mean '{close}'?" if close else ""
            ctx.fail(f"No such command '{name}'.{suggestion}")
        return super().resolve_command(ctx, args)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wfc")
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="The project root (default: the nearest directory from here up that holds workflows/).")
@click.pass_context
def cli(ctx: click.Context, root: Optional[Path]) -> None:
    """wfc compiles declarative multi-agent workflows (YAML) into execution plans, runnable
    Python modules and Claude Code slash commands."""
    if ctx.invoked_subcommand not in NO_ROOT or root is not None:
        enter_root(ctx, root)


def main(argv: Optional[List[str]] = None) -> None:
    """Entry point of the `wfc` console script; click shows any error and exits with its code."""
    cli.main(args=argv, prog_name="wfc")
