"""The hooks in `.pre-commit-hooks.yaml` run by the real pre-commit (`pre-commit try-repo`), as a
project that adds this repository to its `.pre-commit-config.yaml` gets them: pre-commit installs
wfc-compiler from this repository into its own environment and runs `wfc` from there.

The hook repository is a committed copy of the tracked files, so pre-commit builds its environment
once (one repository, one revision) and the tests see exactly what a clone would.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

ROOT = Path(__file__).resolve().parent.parent

WORKFLOW = """\
version: 1
title: Tidy the docs
description: Lint the docs, then build them.
steps:
  lint:
    title: Lint the docs
    run: echo lint
    estimate: 1m
  build:
    title: Build the docs
    run: echo build
    needs: [lint]
    estimate: 2m
"""


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=wfc tests", "-c", "user.email=tests@wfc.invalid",
                           "-c", "commit.gpgsign=false", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout of wfc")
    repo = tmp_path_factory.mktemp("hooks") / "wfc"
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode("utf-8").split("\0")):
        if (ROOT / name).is_file() and not name.startswith(("tests/", "bench/", "generated/")):
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "wfc")
    yield repo


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def _environment(home: Path) -> Dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV", "GIT_"))}
    # pre-commit finds `git` and its own interpreter on PATH; this venv's bin/ holds the one under test.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return {**env, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1", "PRE_COMMIT_COLOR": "never"}


def _project(root: Path) -> Path:
    (root / "workflows").mkdir(parents=True)
    (root / "workflows" / "docs.yaml").write_text(WORKFLOW, encoding="utf-8")
    (root / ".gitignore").write_text(".wfc/\n", encoding="utf-8")  # compile --check's local stamp
    _git(root, "init", "-q")
    subprocess.run([sys.executable, "-m", "wfc", "compile", "workflows/"], cwd=root, check=True, capture_output=True)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "docs workflow")
    return root


def try_repo(repo: Path, project: Path, home: Path) -> subprocess.CompletedProcess[str]:
    command: List[str] = [sys.executable, "-m", "pre_commit", "try-repo", str(repo), "--all-files"]
    return subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=900, env=_environment(home))


def _hook_lines(output: str) -> List[str]:
    return [line for line in output.splitlines() if line.startswith("wfc ")]


def test_both_hooks_pass_on_a_valid_project_with_current_outputs(hooks_repo: Path, pre_commit_home: Path,
                                                                   tmp_path: Path) -> None:
    project = _project(tmp_path / "project")
    done = try_repo(hooks_repo, project, pre_commit_home)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = _hook_lines(done.stdout)
    assert [line.split(".")[0] for line in lines] == ["wfc compile --check", "wfc validate"]
    assert all(line.endswith("Passed") for line in lines), lines


def test_a_broken_workflow_fails_both_hooks_with_the_diagnostic(hooks_repo: Path, pre_commit_home: Path,
                                                                tmp_path: Path) -> None:
    project = _project(tmp_path / "project")
    (project / "workflows" / "docs.yaml").write_text(WORKFLOW.replace("needs: [lint]", "needs: [lnt]"),
                                                     encoding="utf-8")
    done = try_repo(hooks_repo, project, pre_commit_home)
    assert done.returncode == 1
    assert all(line.endswith("Failed") for line in _hook_lines(done.stdout)), done.stdout
    assert "workflows/docs.yaml:12:13: error[WFC041]: step 'build' needs 'lnt', which is not a step" in done.stdout
    assert "  hint: did you mean 'lint'?" in done.stdout


def test_an_edited_estimate_without_a_compile_fails_the_check_hook_only(hooks_repo: Path, pre_commit_home: Path,
                                                                        tmp_path: Path) -> None:
    project = _project(tmp_path / "project")
    (project / "workflows" / "docs.yaml").write_text(WORKFLOW.replace("estimate: 2m", "estimate: 3m"),
                                                     encoding="utf-8")
    done = try_repo(hooks_repo, project, pre_commit_home)
    assert done.returncode == 1
    check, validate = _hook_lines(done.stdout)
    assert validate.endswith("Passed") and check.endswith("Failed")
    assert "out of date: generated/docs.plan.json" in done.stdout
    assert '-    "makespan": 180.0,' in done.stdout and '+    "makespan": 240.0,' in done.stdout
