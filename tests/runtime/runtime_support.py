"""Fixtures for runtime tests: tiny workflows written as YAML, loaded and analyzed for real, run
in a temporary directory with the journal and cache under it."""
from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

from wfc.analysis import analyze
from wfc.analysis.plan import Plan
from wfc.runtime.journal import read_events
from wfc.runtime.outcome import RunOptions, RunResult
from wfc.validate import load_workflow

PYTHON = sys.executable
# tests/fake_claude.py: the real CLI's options, output and exit status, without a model behind it
FAKE_CLAUDE = f"{PYTHON} {Path(__file__).resolve().parent.parent / 'fake_claude.py'}"


BACKENDS = ("local", "dask")


class Workspace:
    """A project directory: workflows/, the .wfc state, and helpers to run and inspect runs.
    `backend` holds the run options that send attempts elsewhere (the dask executor)."""

    def __init__(self, root: Path, backend: Optional[Dict[str, Any]] = None) -> None:
        self.root = root
        self.state = root / ".wfc"
        self.backend = backend or {}

    def plan(self, text: str, name: str = "flow") -> Plan:
        path = self.root / "workflows" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return analyze(load_workflow(path))

    def run(self, plan: Plan, **options: Any) -> RunResult:
        from wfc.runtime.engine import run_plan

        options.setdefault("progress", "none")
        for name, value in self.backend.items():
            options.setdefault(name, value)
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


THREADS_ONLY = "threads_only"  # a marker: the test patches this process's modules, which in-process workers share


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test module with `ON_BOTH_BACKENDS = True` runs each `ws` test on threads and on Dask."""
    threads_only = metafunc.definition.get_closest_marker(THREADS_ONLY) is not None
    if "ws" in metafunc.fixturenames and getattr(metafunc.module, "ON_BOTH_BACKENDS", False) and not threads_only:
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "local"))


@pytest.fixture(scope="session")
def shared_cluster() -> Iterator[Any]:
    """Two in-process Dask workers on 127.0.0.1, started once for every test that runs on Dask."""
    from wfc.runtime.dask_backend import start_local_cluster

    cluster = start_local_cluster(8, processes=False)
    yield cluster
    cluster.close()


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str, request: pytest.FixtureRequest) -> Workspace:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "marks").mkdir()
    if backend == "local":
        return Workspace(tmp_path)
    cluster = request.getfixturevalue("shared_cluster")
    return Workspace(tmp_path, {"executor": "dask", "scheduler": cluster.scheduler_address})


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
