"""`wfc init`: start a project where validate, compile and run work at once.

It writes a first workflow, the workflow schema where that workflow's editor line points (a copy
of the installed wfc's, so the editor and `wfc validate` agree offline), a pre-commit
configuration running the same hooks as this repository's `.pre-commit-hooks.yaml`, and a
`.gitignore` entry for `.wfc/` (runs, the cache and compile --check's stamp are local). It never
overwrites: if a file it would write exists with other bytes, it writes nothing and says which.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

import click

from wfc.diagnostics.errors import fail
from wfc.emit import atomic_write, read_bytes

IGNORED = ".wfc/"
_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")  # the schema's workflow name

# The hooks, as `.pre-commit-hooks.yaml` publishes them (a test holds that file to these).
HOOKS: Tuple[Dict[str, str], ...] = (
    {"id": "wfc-validate", "name": "wfc validate", "entry": "wfc validate", "files": r"^workflows/.*\.ya?ml$"},
    {"id": "wfc-compile-check", "name": "wfc compile --check", "entry": "wfc compile --check workflows/",
     "files": "^(workflows|generated)/", "pass_filenames": "false"},
)

FIRST_WORKFLOW = """\
# yaml-language-server: $schema=../schema/workflow.schema.json
# A first workflow: one shared analysis, two reviews of it at once, one report.
#   wfc plan workflows/{name}.yaml   what runs in parallel, and what the parallelism buys
#   wfc compile workflows/   the plan, a runnable module and a Claude Code command, in generated/
#   wfc run {name} --dry-run   the schedule the estimates predict, executing nothing
version: 1
title: Review the code for quality and test coverage
description: Analyze the code once, review its quality and its tests in parallel, and merge the findings.
arguments:
  target:
    description: Path of the code to review
    type: path
    default: "."
context:
  overview:
    description: The languages, layout and entry points of the code under review
    ttl: 1h
steps:
  analyze:
    title: Analyze the code
    agent: general-purpose
    prompt: Describe the languages, layout and entry points of {{{{ args.target }}}}. Do not modify any file.
    estimate: 4m
    outputs: [overview]
  quality:
    title: Review code quality
    agent: general-purpose
    prompt: >-
      List the worst code smells in {{{{ args.target }}}}, starting from this overview:
      {{{{ context.overview }}}}
    inputs: [overview]
    estimate: 6m
  tests:
    title: Review test coverage
    agent: general-purpose
    prompt: >-
      List the untested behaviour in {{{{ args.target }}}}, starting from this overview:
      {{{{ context.overview }}}}
    inputs: [overview]
    estimate: 5m
  report:
    title: Write the report
    agent: general-purpose
    prompt: Merge the code smells and the untested behaviour into one list, worst first.
    needs: [quality, tests]
    estimate: 3m
"""


@dataclass(frozen=True)
class Planned:
    """One file `wfc init` writes: its path under the project and its bytes."""

    path: Path
    data: bytes


def pre_commit_config() -> str:
    lines = ["# pre-commit (https://pre-commit.com): `pre-commit install`, then every commit is checked:",
             "# the workflows are valid and generated/ is what `wfc compile workflows/` writes.",
             "repos:", "  - repo: local", "    hooks:"]
    for hook in HOOKS:
        lines.append(f"      - id: {hook['id']}")
        lines.extend(f"        {key}: {_yaml_scalar(value)}" for key, value in hook.items() if key != "id")
        lines.append("        language: system")
    return "\n".join(lines) + "\n"


def _yaml_scalar(value: str) -> str:
    return value if value in ("true", "false") or value.replace(" ", "").replace("-", "").isalnum() \
        else "'" + value.replace("'", "''") + "'"


def planned_files(root: Path, name: str) -> List[Planned]:
    from wfc.validate.schema_files import WORKFLOW_SCHEMA, schema_bytes

    return [
        Planned(root / "workflows" / f"{name}.yaml", FIRST_WORKFLOW.format(name=name).encode("utf-8")),
        Planned(root / "schema" / WORKFLOW_SCHEMA, schema_bytes(WORKFLOW_SCHEMA)),
        Planned(root / ".pre-commit-config.yaml", pre_commit_config().encode("utf-8")),
    ]


def gitignore_bytes(existing: bytes) -> bytes:
    """`.gitignore` with `.wfc/` in it: the user's lines kept, one line added at the end."""
    lines = existing.decode("utf-8", errors="replace").splitlines()
    if any(line.strip() in (IGNORED, IGNORED.rstrip("/"), "/" + IGNORED, "/" + IGNORED.rstrip("/")) for line in lines):
        return existing
    separator = b"" if not existing or existing.endswith(b"\n") else b"\n"
    return existing + separator + IGNORED.encode("utf-8") + b"\n"


@click.command(name="init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--name", default="review", show_default=True, metavar="NAME",
              help="The first workflow's name: workflows/NAME.yaml, run as `wfc run NAME`.")
def init(directory: Path, name: str) -> None:
    """Start a wfc project in DIRECTORY (default: here): a first workflow, its schema, a pre-commit
    configuration and a .gitignore for .wfc/. Refuses to overwrite anything."""
    if not _NAME.fullmatch(name) or len(name) > 64:
        fail(f"--name {name!r} is not a workflow name: use lowercase letters, digits and hyphens, "
             "starting with a letter (for example --name code-review)", usage=True)
    files = planned_files(directory, name)
    clashes = [f.path.as_posix() for f in files if read_bytes(f.path) not in (None, f.data) or f.path.is_dir()]
    if clashes:
        fail(f"wfc init would overwrite {', '.join(clashes)}; nothing was written "
             "(move those aside, or run wfc init in an empty directory)")
    for planned in files:
        if read_bytes(planned.path) != planned.data:
            _write(planned.path, planned.data)
            click.echo(f"wrote {planned.path.as_posix()}")
    ignore = directory / ".gitignore"
    before = read_bytes(ignore) or b""
    after = gitignore_bytes(before)
    if after != before:
        _write(ignore, after)
        click.echo(f"{'updated' if before else 'wrote'} {ignore.as_posix()}")
    click.echo(f"next: wfc validate && wfc compile workflows/ && wfc run {name} --dry-run", err=True)


def _write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, data)
    except OSError as error:
        fail(f"wfc init cannot write {path.as_posix()}: {error.strerror or error} (a file in the way, or a "
             "read-only directory?)")
