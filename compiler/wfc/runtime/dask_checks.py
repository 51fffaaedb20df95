"""What every Dask worker must offer before a step runs there, checked by a worker plugin.

A step attempt sent to a worker runs with the client's working tree in mind: its `cwd`, the
files it reads and writes, the modules its `call:` names, the agent command. So at start the
client writes a probe file with a fresh nonce into its state directory, and each worker, as the
plugin is set up on it (workers that join later included), checks that it reads the same nonce
at the same absolute path (a shared filesystem), that it can import every `call:` target and
that it finds the agent program. The client collects the verdicts and refuses to run with a
clear error naming the worker and the fix; a worker that joins later with a problem fails each
attempt sent to it, permanently, with the same words.

This module is imported on the workers too: it needs nothing from `distributed` itself.
"""
from __future__ import annotations

import importlib
import os
import secrets
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Tuple

from wfc.analysis.plan import Plan
from wfc.diagnostics.errors import UsageError

PROBE_NAME = "dask-probe"


@dataclass(frozen=True)
class Expectations:
    """What a worker must see: `probe` holding `nonce` (under `root`), the callables, the agent."""

    root: str
    probe: str
    nonce: str
    calls: Tuple[str, ...]
    agent_program: Optional[str]


def expectations(plan: Plan, state_dir: Path, agent_command: Optional[str]) -> Expectations:
    """Writes the probe file; what each worker is then asked to confirm."""
    root = Path.cwd().resolve()
    probe = (root / state_dir / PROBE_NAME).resolve()
    nonce = secrets.token_hex(16)
    try:
        probe.parent.mkdir(parents=True, exist_ok=True)
        probe.write_text(nonce, encoding="ascii")
    except OSError as error:
        raise UsageError(f"cannot write the Dask workers' probe file {probe}: {error.strerror or error}") from None
    steps = plan.workflow.steps
    calls = tuple(sorted({step.call for step in steps if step.kind == "python" and step.call}))
    needs_agent = any(step.kind == "agent" for step in steps)
    return Expectations(str(root), str(probe), nonce, calls, agent_program(agent_command) if needs_agent else None)


def agent_program(agent_command: Optional[str]) -> str:
    """The program an agent step starts: `claude`, or the first word of --agent-command."""
    if not agent_command:
        return "claude"
    words = shlex.split(agent_command)
    return words[0] if words else "claude"


def examine(expected: Expectations) -> Tuple[str, ...]:
    """Run on a worker: what it lacks, each as a sentence saying how to fix it; () when all is well."""
    try:
        seen = Path(expected.probe).read_text(encoding="ascii")
    except OSError:
        seen = ""
    if seen != expected.nonce:
        return (f"does not see the client's working tree {expected.root} (its probe file {expected.probe} is "
                f"{'missing' if not seen else 'different'}): run the workers on a filesystem shared with the client, "
                f"mounted at the same path",)
    if expected.root not in sys.path:  # as the local run imports `call:` targets from the project root
        sys.path.append(expected.root)
    problems = [problem for problem in map(_import_problem, expected.calls) if problem]
    if expected.agent_program is not None and not _finds(expected.agent_program, expected.root):
        problems.append(f"cannot find the agent program `{expected.agent_program}` on its PATH: install it on "
                        f"every worker, or name another with --agent-command")
    return tuple(problems)


def _import_problem(spec: str) -> str:
    module_name, _, attribute = spec.partition(":")
    try:
        target = importlib.import_module(module_name)
        for part in attribute.split("."):
            target = getattr(target, part)
    except Exception as error:  # the user's module: whatever importing it raises is the answer
        return f"cannot import `{spec}` ({type(error).__name__}: {error}): install what it needs on every worker"
    return ""


def _finds(program: str, root: str) -> bool:
    if os.sep in program:
        return os.access(os.path.join(root, program), os.X_OK)
    return shutil.which(program) is not None


def verdict(reports: Mapping[str, Tuple[str, ...]]) -> None:
    """Raises the UsageError listing every worker's problems; returns when there are none."""
    if not reports:
        raise UsageError("the Dask cluster has no workers: start some (`dask worker ADDRESS`) and run again")
    lines = [f"Dask worker {worker} {problem}" for worker, problems in sorted(reports.items()) for problem in problems]
    if lines:
        raise UsageError("the Dask workers cannot run this plan:\n  " + "\n  ".join(lines))
