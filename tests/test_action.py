"""The composite GitHub Action (action.yml) run as a runner runs it: each step's `run` script in bash,
with its `env` and `working-directory`, the runner's files (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) and a
pull request's base commit fetched from `origin`. GitHub itself needs an account and the network, so
`gh` is a recording stand-in that answers the comment list as GitHub's API does (a JSON array)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ACTION: Dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_plan_diff import AFTER, BEFORE, git  # noqa: E402

FAKE_GH = """\
#!/usr/bin/env python3
import json, os, sys
with open(os.environ["GH_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
    for arg in sys.argv[1:]:
        if arg.startswith("body=@"):
            log.write(json.dumps({"body": open(arg[6:], encoding="utf-8").read()}) + "\\n")
if "--jq" in sys.argv:
    print("")  # no earlier comment of ours: the jq filter selects nothing
"""


def step(name: str) -> Dict[str, Any]:
    found: Dict[str, Any] = next(s for s in ACTION["runs"]["steps"] if s.get("name") == name)
    return found


def expand(value: str, context: Dict[str, str]) -> str:
    return re.sub(r"\$\{\{\s*([^}]+?)\s*\}\}", lambda m: context[m.group(1)], value)


def run_step(name: str, repo: Path, runner: Path, context: Dict[str, str]) -> subprocess.CompletedProcess[str]:
    spec = step(name)
    env = {**os.environ, "PATH": f"{runner / 'bin'}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}"
           f"{os.environ.get('PATH', '')}", "NO_COLOR": "1",
           "RUNNER_TEMP": str(runner), "GITHUB_OUTPUT": str(runner / "output"),
           "GITHUB_STEP_SUMMARY": str(runner / "summary"), "GITHUB_REPOSITORY": "octo/release",
           "GITHUB_ACTION_PATH": str(ROOT), "GH_LOG": str(runner / "gh.log")}
    env.update({key: expand(str(value), context) for key, value in spec.get("env", {}).items()})
    cwd = repo / expand(spec.get("working-directory", "."), context)
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", spec["run"]], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture()
def pull_request(tmp_path: Path) -> Dict[str, Any]:
    """A repository whose `origin` holds the base commit; checked out: the pull request's commit."""
    origin, repo, runner = tmp_path / "origin", tmp_path / "repo", tmp_path / "runner"
    (origin / "workflows").mkdir(parents=True)
    (origin / "workflows" / "release.yaml").write_text(BEFORE, encoding="utf-8")
    (origin / ".gitignore").write_text(".wfc/\n", encoding="utf-8")
    git(origin, "init", "-q")
    assert subprocess.run([sys.executable, "-m", "wfc", "compile"], cwd=origin, capture_output=True).returncode == 0
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "base")
    base = subprocess.run(["git", "rev-parse", "HEAD"], cwd=origin, capture_output=True, text=True).stdout.strip()
    git(tmp_path, "clone", "-q", origin.as_uri(), str(repo))
    (repo / "workflows" / "release.yaml").write_text(AFTER, encoding="utf-8")
    assert subprocess.run([sys.executable, "-m", "wfc", "compile"], cwd=repo, capture_output=True).returncode == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "faster tests, docs")
    (runner / "bin").mkdir(parents=True)
    (runner / "bin" / "gh").write_text(FAKE_GH, encoding="utf-8")
    (runner / "bin" / "gh").chmod(0o755)
    context = {"inputs.paths": ACTION["inputs"]["paths"]["default"], "inputs.root": ".",
               "inputs.token": "token", "github.event.pull_request.base.sha": base,
               "github.event.pull_request.number": "7", "inputs.wfc-version": ""}
    return {"repo": repo, "runner": runner, "context": context}


def test_the_action_is_composite_and_its_steps_run_in_order() -> None:
    assert ACTION["runs"]["using"] == "composite"
    names: List[str] = [s.get("name", s.get("uses", "")) for s in ACTION["runs"]["steps"]]
    assert names == ["actions/setup-python@v5", "Install wfc", "Validate workflows (annotations on the files)",
                     "Check that generated/ is current", "Plan diff", "Comment the plan diff"]
    assert all(s.get("shell") == "bash" for s in ACTION["runs"]["steps"] if "run" in s)


def test_a_good_pull_request_validates_checks_and_comments_the_plan_diff(pull_request: Dict[str, Any]) -> None:
    repo, runner, context = pull_request["repo"], pull_request["runner"], pull_request["context"]
    validate = run_step("Validate workflows (annotations on the files)", repo, runner, context)
    assert (validate.returncode, validate.stdout) == (0, ""), validate.stderr
    check = run_step("Check that generated/ is current", repo, runner, context)
    assert check.returncode == 0, check.stdout + check.stderr
    diff = run_step("Plan diff", repo, runner, context)
    assert diff.returncode == 0, diff.stderr
    markdown = (runner / "wfc-plan-diff.md").read_text(encoding="utf-8")
    assert markdown.startswith("<!-- wfc plan diff -->\n### Plan changes against `")
    assert "| makespan | 18m | 12m | -6m |" in markdown
    assert (runner / "summary").read_text(encoding="utf-8") == markdown
    output = (runner / "output").read_text(encoding="utf-8")
    assert output == f"markdown<<WFC_PLAN_DIFF_END\n{markdown}WFC_PLAN_DIFF_END\n"
    comment = run_step("Comment the plan diff", repo, runner, context)
    assert comment.returncode == 0, comment.stderr
    calls = (runner / "gh.log").read_text(encoding="utf-8").splitlines()
    assert calls[0] == ('["api", "repos/octo/release/issues/7/comments", "--paginate", "--jq", '
                        '".[] | select(.body | startswith(\\"<!-- wfc plan diff -->\\")) | .id"]')
    assert calls[1] == ('["api", "--method", "POST", "repos/octo/release/issues/7/comments", "-F", '
                        f'"body=@{runner}/wfc-plan-diff.md"]')
    assert yaml.safe_load(calls[2]) == {"body": markdown}


def test_a_broken_workflow_is_annotated_and_stale_outputs_fail_the_check(pull_request: Dict[str, Any]) -> None:
    repo, runner, context = pull_request["repo"], pull_request["runner"], pull_request["context"]
    workflow = repo / "workflows" / "release.yaml"
    workflow.write_text(AFTER.replace("needs: [test]", "needs: [tset]"), encoding="utf-8")
    validate = run_step("Validate workflows (annotations on the files)", repo, runner, context)
    assert validate.returncode == 1
    assert validate.stdout.splitlines() == [
        "::error file=workflows/release.yaml,line=16,endLine=16,col=13,endColumn=16,title=WFC041::WFC041: step "
        "'build' needs 'tset', which is not a step (hint: did you mean 'test'?)"]
    workflow.write_text(AFTER.replace("estimate: 3m", "estimate: 4m"), encoding="utf-8")
    check = run_step("Check that generated/ is current", repo, runner, context)
    assert check.returncode == 1
    assert "out of date: generated/release.plan.json" in check.stdout
    assert check.stdout.splitlines()[-1] == ("::error title=wfc::generated/ is out of date: run `wfc compile "
                                             "workflows/` and commit the result")
