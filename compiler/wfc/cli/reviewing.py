"""`wfc diff [BASE]`: what the working tree's change does to every plan, against a git revision.

Each side's plan is its plan lock (`generated/NAME.plan.json`) when the lock is current for that
side's workflow (the header's source hash matches), else the workflow compiled in memory by this
wfc, so an edit not yet compiled still shows what it does.
"""
from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Optional

import click

from wfc.cli.project import ProjectPath
from wfc.diagnostics.errors import fail
from wfc.emit.header import parse_header
from wfc.emit.naming import plan_file
from wfc.report.plan_changes import RENDERERS, Lock, compare
from wfc.validate.sources import WORKFLOW_SUFFIXES

WORKFLOWS = "workflows"


def git(*args: str) -> bytes:
    try:
        done = subprocess.run(["git", *args], capture_output=True, timeout=60)
    except FileNotFoundError:
        fail("wfc diff needs git, and git is not installed (or not on PATH)", usage=True)
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        fail(f"git {' '.join(args)} failed: {reason[-1] if reason else f'exit {done.returncode}'}")
    return done.stdout


def resolve(base: str) -> str:
    """The commit `base` names, or a usage error saying what it is not."""
    inside = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], capture_output=True, text=True)
    if inside.stdout.strip() != "true":
        fail(f"wfc diff compares against git history, and {Path.cwd().as_posix()} is not in a git repository",
             usage=True)
    found = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"],
                           capture_output=True, text=True)
    if found.returncode != 0:
        fail(f"{base!r} is not a commit in this repository (try HEAD, a branch or a commit hash)", usage=True)
    return found.stdout.strip()


def at_revision(commit: str, folder: str) -> Dict[str, bytes]:
    """The files directly in `folder` (relative to here) at `commit`, by name."""
    names = git("ls-tree", "-z", "--name-only", commit, "--", f"{folder}/").decode("utf-8").split("\0")
    return {Path(name).name: git("show", f"{commit}:./{name}") for name in names if name}


def in_work_tree(folder: str) -> Dict[str, bytes]:
    path = Path(folder)
    return {item.name: item.read_bytes() for item in sorted(path.iterdir()) if item.is_file()} if path.is_dir() else {}


def plan_lock(source: str, raw: bytes, lock: Optional[bytes], where: str) -> Lock:
    """The plan of workflow `source` (bytes `raw`): its lock when current, else compiled here."""
    if lock is not None:
        header = parse_header(lock[:4096].decode("utf-8", errors="replace"))
        if header is not None and header[1] == hashlib.sha256(raw).hexdigest():
            current: Lock = json.loads(lock)
            return current
    from wfc.analysis import analyze
    from wfc.load import load_bytes
    from wfc.render.plan_json import plan_to_json
    from wfc.validate import validate_document

    result = validate_document(load_bytes(raw, source), Path(source).stem)
    if result.workflow is None:
        fail(f"{source} {where} is not a valid workflow; fix it (wfc validate) before comparing plans",
             [d for d in result.diagnostics if d.is_error] if where == "in the working tree" else ())
    compiled: Lock = json.loads(plan_to_json(analyze(result.workflow)))
    return compiled


def plans(sources: Dict[str, bytes], locks: Dict[str, bytes], where: str) -> Dict[str, Lock]:
    return {Path(name).stem: plan_lock(f"{WORKFLOWS}/{name}", raw, locks.get(plan_file(Path(name).stem)), where)
            for name, raw in sources.items() if Path(name).suffix in WORKFLOW_SUFFIXES}


@click.command(name="diff")
@click.argument("base", default="HEAD")
@click.option("--format", "output_format", type=click.Choice(sorted(RENDERERS)), default="text", show_default=True,
              help="text for people, markdown for a pull request comment, json for tools.")
@click.option("--out", "out_dir", type=ProjectPath(file_okay=False), default="generated", show_default=True,
              help="Where the plan locks are (as for wfc compile --out).")
def diff(base: str, output_format: str, out_dir: str) -> None:
    """What the working tree's change does to each plan, against BASE (default: HEAD): steps added,
    removed and changed; critical path, makespan, lower bound, speedup, warm re-run, worst case."""
    commit = resolve(base)
    out = Path(out_dir).as_posix()
    before = plans(at_revision(commit, WORKFLOWS), at_revision(commit, out), f"at {base}")
    after = plans(in_work_tree(WORKFLOWS), in_work_tree(out), "in the working tree")
    names: List[str] = sorted(set(before) | set(after))
    changes = [compare(name, before.get(name), after.get(name)) for name in names]
    text: Any = RENDERERS[output_format](changes, base)
    click.echo(text, nl=False)
