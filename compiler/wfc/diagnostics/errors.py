"""The exceptions that end a command: each carries its exit code and shows itself.

They are click exceptions, so click's own handling (in `wfc.cli.main` and in every generated
module's command) prints them and exits with their code: the one path from an error to an exit
status. A `WfcError` shows its diagnostics (with source lines and hints) or its one-line message.
"""
from __future__ import annotations

from typing import IO, Any, Iterable, NoReturn, Optional

import click

from wfc.diagnostics import Diagnostic, sorted_diagnostics
from wfc.diagnostics.output import print_failure

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_CANCELLED = 130


class WfcError(click.ClickException):
    """A failure the user can fix: shown without a traceback, exiting with `exit_code`."""

    exit_code = EXIT_INVALID

    def __init__(self, message: str, diagnostics: Iterable[Diagnostic] = ()) -> None:
        super().__init__(message)
        self.diagnostics = sorted_diagnostics(diagnostics)

    def show(self, file: Optional[IO[Any]] = None) -> None:
        print_failure(self.message, self.diagnostics, file)


class ValidationFailed(WfcError):
    """A workflow has errors; `diagnostics` holds all of them."""


class UsageError(WfcError):
    """The command line itself is wrong (a missing file, a bad option value)."""

    exit_code = EXIT_USAGE


class StepFailed(WfcError):
    """A workflow run failed; raised by the runtime after compensations ran."""


def fail(message: str, diagnostics: Iterable[Diagnostic] = (), *, usage: bool = False) -> NoReturn:
    """The one place that raises user-facing errors."""
    raise (UsageError if usage else ValidationFailed)(message, diagnostics)




class CannotWrite(OSError):
    """A file wfc was asked to write could not be written; str() is the one line a user reads:
    the path and the reason (`filename` and `strerror`)."""

    def __str__(self) -> str:
        return f"cannot write {self.filename}: {self.strerror}"


def environment_failure(error: OSError) -> WfcError:
    """An OSError that ended a command (an unwritable path, a full disk) as its one-line error."""
    if isinstance(error, CannotWrite):
        return WfcError(str(error))
    where = f" {error.filename}" if error.filename else ""
    return WfcError(f"cannot use{where}: {(error.strerror or str(error)).lower()}")


class Interrupted(WfcError):
    """Ctrl-C outside a run (a run handles it itself, cancelling and compensating)."""

    exit_code = EXIT_CANCELLED

    def show(self, file: Optional[IO[Any]] = None) -> None:
        click.echo("Aborted.", err=True)


class InterruptibleCommand(click.Command):
    """Ctrl-C exits 130, as shells expect of an interrupted program (click's own default is 1); a
    failure of the machine rather than of wfc (a path it cannot write, a full disk) is one line
    naming the path and the reason, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted("interrupted") from None
        except OSError as error:
            raise environment_failure(error) from None
