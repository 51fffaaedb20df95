"""`wfc report`: performance estimates of workflows, with measured runs where there are any."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Tuple

import click

from wfc.cli.project import ProjectPath

from wfc.analysis.plan import Plan
from wfc.diagnostics import Diagnostic
from wfc.diagnostics.errors import fail
from wfc.emit import atomic_write
from wfc.model import Workflow
from wfc.validate import validate_file, workflow_files

if TYPE_CHECKING:
    from wfc.report.data import ReportData


FORMATS = ("md", "html", "json")


def load_plans(paths: Tuple[str, ...]) -> List[Plan]:
    """Every workflow's plan, or one failure carrying every workflow's errors."""
    from wfc.analysis import analyze

    workflows: List[Workflow] = []
    errors: List[Diagnostic] = []
    for path in workflow_files(paths):
        result = validate_file(path)
        errors.extend(d for d in result.diagnostics if d.is_error)
        if result.workflow is not None:
            workflows.append(result.workflow)
    if errors:
        count = len(errors)
        fail(f"{count} error{'s' if count != 1 else ''}: fix the workflows, then report again", errors)
    return [analyze(workflow) for workflow in workflows]


def renderer(output_format: str) -> Callable[[ReportData], str]:
    from wfc.report.html import render_html
    from wfc.report.json_report import render_json
    from wfc.report.markdown import render_markdown

    renderers: Dict[str, Callable[[ReportData], str]] = {"md": render_markdown, "html": render_html,
                                                         "json": render_json}
    return renderers[output_format]


@click.command()
@click.argument("paths", nargs=-1, type=ProjectPath())
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="md", show_default=True,
              help="md (GitHub markdown with mermaid), html (one self-contained file) or json.")
@click.option("-o", "--output", type=ProjectPath(dir_okay=False, path_type=Path), default=None,
              help="Write the report to this file instead of standard output.")
@click.option("--runs", "runs_dir", type=ProjectPath(file_okay=False, path_type=Path), default=Path(".wfc/runs"),
              show_default=True, help="Run journals to compare the estimates with.")
def report(paths: Tuple[str, ...], output_format: str, output: Optional[Path], runs_dir: Path) -> None:
    """Report what workflows (default: workflows/) should cost and where their time goes, and,
    where run journals exist, how far the estimates were off and what to write instead."""
    from wfc.report import build_report
    from wfc.report.runs import JournalDirectory

    plans = load_plans(paths or ("workflows",))
    text = renderer(output_format)(build_report(plans, JournalDirectory(runs_dir).runs()))
    if output is None:
        click.echo(text, nl=False)
    else:
        atomic_write(output, text)
        click.echo(f"wrote {output}", err=True)
