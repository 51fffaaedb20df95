"""Fixtures for runtime tests: tiny workflows written as YAML, loaded and analyzed for real, run
in a temporary directory with the journal and cache under it."""
from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict, List

import pytest

from wfc.analysis import analyze
from wfc.analysis.plan import Plan
from wfc.runtime.journal import read_events
from wfc.runtime.outcome import RunOptions, RunResult
from wfc.validate import load_workflow

PYTHON = sys.executable
# tests/fake_claude.py: the real CLI's options, output and exit status, without a model behind it
FAKE_CLAUDE = f"{PYTHON} {Path(__file__).resolve().parent.parent / 'fake_claude.py'}"


class Workspace:
    """A project directory: workflows/, the .wfc state, and helpers to run and inspect runs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.state = root / ".wfc"

    def plan(self, text: str, name: str = "flow") -> Plan:
        path = self.root / "workflows" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return analyze(load_workflow(path))

    def run(self, plan: Plan, **options: Any) -> RunResult:
        from wfc.runtime.engine import run_plan

        options.setdefault("progress", "none")
        return run_plan(plan, RunOptions(state_dir=self.state, **options))

    def events(self, result: RunResult) -> List[Dict[str, Any]]:
        assert result.run_dir is not None
        return read_events(result.run_dir / "journal.jsonl")

    def kinds(self, result: RunResult, *wanted: str) -> List[tuple]:
        return [(e["event"], e.get("step")) for e in self.events(result) if e["event"] in wanted]

    def markers(self, directory: str = "marks") -> Dict[str, int]:
        found: Dict[str, int] = {}
        for path in sorted((self.root / directory).glob("*")):
            found[path.name] = len(path.read_text().splitlines())
        return found


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "marks").mkdir()
    return Workspace(tmp_path)


def intervals(events: List[Dict[str, Any]]) -> Dict[str, tuple]:
    """step -> (index of its start event, index of its end event) in journal order."""
    starts: Dict[str, int] = {}
    spans: Dict[str, tuple] = {}
    for index, event in enumerate(events):
        if event["event"] == "step_started":
            starts[event["step"]] = index
        elif event["event"] in ("step_finished", "step_failed", "step_cancelled") and event["step"] in starts:
            spans[event["step"]] = (starts[event["step"]], index)
    return spans


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
