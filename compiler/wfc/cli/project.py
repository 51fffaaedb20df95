"""The project root: the nearest directory, from the working directory up, that holds `workflows/`
(or the one `wfc --root DIR` names). Commands run there, so `wfc compile` from `docs/` or from
`workflows/` itself compiles the project and writes `generated/` and `.wfc/` where they belong.

Paths typed on the command line mean what they meant where the user typed them: `ProjectPath`
re-expresses them relative to the root. Defaults (`workflows`, `generated`, `.wfc/runs`) are the
root's own and are left alone.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

import click

from wfc.validate.sources import find_root

_ORIGIN = "wfc.origin"  # key in the root context's meta: the directory the user ran wfc from


def enter_root(ctx: click.Context, root: Optional[Path]) -> None:
    """Run the command in `root` (given, else found from the working directory); back out after,
    so an in-process caller (tests, an embedding tool) keeps its own working directory."""
    origin = Path.cwd()
    target = root if root is not None else find_root(origin)
    if target is None or target.resolve() == origin.resolve():
        return
    ctx.meta[_ORIGIN] = origin
    os.chdir(target)
    ctx.call_on_close(lambda: os.chdir(origin))


def from_origin(value: str) -> str:
    """`value`, a relative path typed where the user stood, as a path relative to the root."""
    context = click.get_current_context(silent=True)
    origin: Optional[Path] = context.meta.get(_ORIGIN) if context is not None else None
    if origin is None or os.path.isabs(value):
        return value
    return os.path.relpath(origin / value, Path.cwd())


class ProjectPath(click.Path):
    """A click.Path typed relative to where the user stood; defaults stay relative to the root."""

    def convert(self, value: Any, param: Optional[click.Parameter], ctx: Optional[click.Context]) -> Any:
        typed = ctx is not None and param is not None and param.name is not None and \
            ctx.get_parameter_source(param.name) == click.core.ParameterSource.COMMANDLINE
        if typed and isinstance(value, (str, os.PathLike)):
            value = from_origin(os.fspath(value))
        return super().convert(value, param, ctx)


def workflow_argument(value: str) -> str:
    """A workflow named by a path (where the user stood) or by its name under the root's workflows/."""
    mapped = from_origin(value)
    return mapped if Path(mapped).is_file() else value
