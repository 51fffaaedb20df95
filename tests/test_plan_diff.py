"""`wfc diff` on a real git repository: a committed, compiled workflow, then an edit with an estimate
changed, a new step and a dependency removed; the figures are worked out by hand in the comments."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

import pytest

WFC = [sys.executable, "-m", "wfc"]

# lint 2m and test 10m at once, then build 5m, then publish 3m: critical path test -> build ->
# publish = 18m = makespan = lower bound; 20m of work, speedup 20/18 = 1.11x.
BEFORE = """\
version: 1
title: Ship a release
description: Lint and test, build, publish.
steps:
  lint:
    title: Lint
    run: echo lint
    estimate: 2m
  test:
    title: Test
    run: echo test
    estimate: 10m
  build:
    title: Build
    run: echo build
    needs: [lint, test]
    estimate: 5m
  publish:
    title: Publish
    run: echo publish
    needs: [build]
    estimate: 3m
"""

# test takes 4m, build no longer waits for lint, a new docs step (6m after lint) gates publish:
# test -> build -> publish = 4+5+3 = 12m; lint -> docs -> publish = 2+6+3 = 11m; makespan 12m;
# 20m of work, speedup 20/12 = 1.67x.
AFTER = BEFORE.replace("estimate: 10m", "estimate: 4m").replace("needs: [lint, test]", "needs: [test]") \
    .replace("needs: [build]", "needs: [build, docs]") + """\
  docs:
    title: Build the docs
    run: echo docs
    needs: [lint]
    estimate: 6m
"""

TEXT = """\
release: changed
  steps added: docs
  step test: estimate 10m -> 4m
  step build: needs [lint, test] -> [test]
  step publish: needs [build] -> [build, docs]
  critical path      18m -> 12m     -6m
  makespan           18m -> 12m     -6m
  lower bound        18m -> 12m     -6m
  speedup          1.11x -> 1.67x   +0.56x
  warm re-run        18m -> 12m     -6m
  worst case         18m -> 12m     -6m

1 workflow changed, 1 unchanged against HEAD
"""

OTHER = """\
version: 1
title: Say hello
description: One step.
steps:
  hello:
    title: Hello
    run: echo hello
    estimate: 1m
"""


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1"})


def git(cwd: Path, *args: str) -> None:
    done = run(cwd, "git", "-c", "user.name=wfc tests", "-c", "user.email=tests@wfc.invalid",
               "-c", "commit.gpgsign=false", *args)
    assert done.returncode == 0, done.stderr


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "release.yaml").write_text(BEFORE, encoding="utf-8")
    (tmp_path / "workflows" / "hello.yaml").write_text(OTHER, encoding="utf-8")
    (tmp_path / ".gitignore").write_text(".wfc/\n", encoding="utf-8")
    git(tmp_path, "init", "-q")
    assert run(tmp_path, *WFC, "compile", "workflows/").returncode == 0
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "release workflow")
    (tmp_path / "workflows" / "release.yaml").write_text(AFTER, encoding="utf-8")
    return tmp_path


def test_no_change_says_so(tmp_path: Path, repo: Path) -> None:
    git(repo, "checkout", "-q", "--", "workflows/release.yaml")
    done = run(repo, *WFC, "diff")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "no plan changes against HEAD (2 workflows compared)\n"


def test_text_shows_each_step_change_and_every_figure(repo: Path) -> None:
    done = run(repo, *WFC, "diff")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == TEXT


def test_json_carries_the_exact_figures(repo: Path) -> None:
    done = run(repo, *WFC, "diff", "--format", "json")
    assert done.returncode == 0, done.stderr
    report: Dict[str, Any] = json.loads(done.stdout)
    assert report["base"] == "HEAD"
    hello, release = report["workflows"]
    assert (hello["name"], hello["status"]) == ("hello", "unchanged")
    assert (release["name"], release["status"]) == ("release", "changed")
    assert release["steps"] == {
        "added": ["docs"], "removed": [],
        "changed": {"test": {"estimate": {"before": "10m", "after": "4m"}},
                    "build": {"needs": {"before": ["lint", "test"], "after": ["test"]}},
                    "publish": {"needs": {"before": ["build"], "after": ["build", "docs"]}}}}
    assert release["critical_path"] == {"before": ["test", "build", "publish"], "after": ["test", "build", "publish"]}
    figures = release["figures"]
    assert figures["critical_path"] == {"before": 1080.0, "after": 720.0, "change": -360.0}
    assert figures["makespan"] == {"before": 1080.0, "after": 720.0, "change": -360.0}
    assert figures["lower_bound"] == {"before": 1080.0, "after": 720.0, "change": -360.0}
    assert figures["speedup"] == {"before": 1.11, "after": 1.67, "change": 0.56}
    assert figures["warm_makespan"] == {"before": 1080.0, "after": 720.0, "change": -360.0}
    # no retries and no timeouts: the worst case is the makespan
    assert figures["worst_case"] == {"before": 1080.0, "after": 720.0, "change": -360.0}
    assert set(figures) == {"critical_path", "makespan", "lower_bound", "speedup", "warm_makespan", "worst_case"}


def test_markdown_is_a_pull_request_comment(repo: Path) -> None:
    done = run(repo, *WFC, "diff", "--format", "markdown")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:10] == [
        "<!-- wfc plan diff -->", "### Plan changes against `HEAD`", "",
        "#### `release` (changed)", "",
        "- steps added: `docs`",
        "- `test`: `estimate 10m -> 4m`",
        "- `build`: `needs [lint, test] -> [test]`",
        "- `publish`: `needs [build] -> [build, docs]`", ""]
    assert lines[10:14] == ["| figure | before | after | change |", "| --- | ---: | ---: | ---: |",
                            "| critical path | 18m | 12m | -6m |", "| makespan | 18m | 12m | -6m |"]
    assert "| speedup | 1.11x | 1.67x | +0.56x |" in lines


def test_a_removed_workflow_and_a_compiled_edit_read_from_the_locks(repo: Path) -> None:
    """Compiled, the working tree's lock is current and is what diff reads; the base's lock is in git."""
    assert run(repo, *WFC, "compile", "workflows/").returncode == 0
    (repo / "workflows" / "hello.yaml").unlink()
    done = run(repo, *WFC, "diff", "--format", "json")
    report = json.loads(done.stdout)
    hello, release = report["workflows"]
    assert (hello["status"], hello["steps"]["removed"], hello["figures"]["makespan"]) == \
        ("removed", ["hello"], {"before": 60.0, "after": None, "change": None})
    assert release["figures"]["makespan"]["after"] == 720.0


def test_against_an_older_commit_from_a_subdirectory(repo: Path) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "faster tests, docs")
    (repo / "src").mkdir()
    done = run(repo / "src", *WFC, "diff", "HEAD~1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("release: changed\n  steps added: docs\n")
    assert done.stdout.endswith("1 workflow changed, 1 unchanged against HEAD~1\n")


def test_a_base_that_is_no_commit_and_a_directory_outside_git(repo: Path, tmp_path_factory: pytest.TempPathFactory) \
        -> None:
    done = run(repo, *WFC, "diff", "v9")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "error: 'v9' is not a commit in this repository (try HEAD, a branch or a commit hash)\n"
    outside = tmp_path_factory.mktemp("plain")
    (outside / "workflows").mkdir()
    done = run(outside, *WFC, "diff")
    assert done.returncode == 2
    assert done.stderr == (f"error: wfc diff compares against git history, and {outside.as_posix()} is not in a git "
                           "repository\n")


def test_an_invalid_working_tree_workflow_shows_its_errors(repo: Path) -> None:
    (repo / "workflows" / "release.yaml").write_text(AFTER.replace("needs: [test]", "needs: [tset]"), encoding="utf-8")
    done = run(repo, *WFC, "diff")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith("workflows/release.yaml:16:13: error[WFC041]: step 'build' needs 'tset', which is "
                                  "not a step")
