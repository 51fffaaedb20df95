"""`wfc schema`: print a JSON schema exactly as shipped, for editors and third-party validators
(`wfc schema > workflow.schema.json` gives the same bytes as the repository file)."""
from __future__ import annotations

import sys

import click

from wfc.errors import fail
from wfc.schema_files import PLAN_SCHEMA, WORKFLOW_SCHEMA, schema_bytes, schema_path


@click.command(name="schema")
@click.option("--plan", "plan_schema", is_flag=True, help="Print the plan schema instead of the workflow schema.")
def schema(plan_schema: bool) -> None:
    """Print the workflow JSON schema (Draft 2020-12), or with --plan the schema of compiled plans."""
    name = PLAN_SCHEMA if plan_schema else WORKFLOW_SCHEMA
    try:
        data = schema_bytes(name)
    except FileNotFoundError:
        fail(f"wfc is installed without its schema {name} (looked at {schema_path(name)}); reinstall wfc.")
    _write_bytes(data)


def _write_bytes(data: bytes) -> None:
    """Bytes, not text: a text stream could translate newlines or re-encode on Windows and break
    `wfc schema > file` being the identical file."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        click.echo(data.decode("utf-8"), nl=False)
        return
    sys.stdout.flush()
    buffer.write(data)
    buffer.flush()
