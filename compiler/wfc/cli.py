"""The `wfc` command line: thin. Each subcommand lives in `wfc.commands.<module>` and is imported
only when invoked, so `wfc compile --check` does not pay for Jinja or the runtime.

Errors become exit codes here and nowhere else: a `WfcError` prints its diagnostics and exits
with its code; a usage mistake exits 2 with click's message and a "did you mean".
"""
from __future__ import annotations

import importlib
import sys
from typing import Any, Callable, Dict, List, Optional, Tuple

import click

from wfc import __version__
from wfc.errors import EXIT_USAGE, WfcError
from wfc.wording import closest

# name -> (module, attribute, one-line help); the help is here so `wfc --help` imports nothing else
COMMANDS: Dict[str, Tuple[str, str, str]] = {
    "validate": ("wfc.commands.validate", "validate", "Check workflows against the format; report every problem."),
    "compile": ("wfc.commands.compile", "compile_", "Compile workflows into plans, modules and command docs."),
    "plan": ("wfc.commands.plan", "plan", "Show a workflow's levels, critical path and estimates."),
    "graph": ("wfc.commands.graph", "graph", "Export a workflow's DAG as mermaid or Graphviz dot."),
    "run": ("wfc.commands.run", "run", "Run a workflow: steps start as soon as what they need is done."),
    "report": ("wfc.commands.report", "report", "Performance-estimate report, with measured runs when there are any."),
    "import": ("wfc.commands.import_", "import_", "Turn a legacy markdown slash command into a workflow."),
    "schema": ("wfc.commands.schema", "schema", "Print the workflow JSON schema (or the plan schema)."),
}


class LazyGroup(click.Group):
    """Loads a subcommand's module on first use and suggests close names for typos."""

    def list_commands(self, ctx: click.Context) -> List[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> Optional[click.Command]:
        if name not in COMMANDS:
            return None
        module_name, attribute, _ = COMMANDS[name]
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as missing:
            if missing.name != module_name:
                raise
            return None
        return getattr(module, attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def resolve_command(self, ctx: click.Context, args: List[str]) -> Any:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            if name in COMMANDS:
                ctx.fail(f"The command '{name}' is not available in this installation of wfc; reinstall it.")
            close = closest(name, self.list_commands(ctx))
            suggestion = f" Did you mean '{close}'?" if close else ""
            ctx.fail(f"No such command '{name}'.{suggestion}")
        return super().resolve_command(ctx, args)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wfc")
def cli() -> None:
    """wfc compiles declarative multi-agent workflows (YAML) into execution plans, runnable
    Python modules and Claude Code slash commands."""


def guarded(action: Callable[[], Any]) -> None:
    """The one place where errors become exit codes, for `wfc` and for every generated module."""
    try:
        action()
    except WfcError as error:
        from wfc.diagnostics_output import print_error

        print_error(error)
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code if error.exit_code else EXIT_USAGE)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except BrokenPipeError:
        sys.exit(0)
    sys.exit(0)


def main(argv: Optional[List[str]] = None) -> None:
    """Entry point of the `wfc` console script."""
    guarded(lambda: cli.main(args=argv, prog_name="wfc", standalone_mode=False))
