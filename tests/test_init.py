"""`wfc init` and the project root, as a new user meets them: real `wfc` processes in an empty
directory, then validate, compile and a dry run straight away, from the root and from below it;
the pre-commit configuration it writes run by the real pre-commit."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

from wfc.cli.scaffold import HOOKS

ROOT = Path(__file__).resolve().parent.parent
WFC = [sys.executable, "-m", "wfc"]

DRY_RUN = """\
step        start    finish
analyze        0s        4m
quality        4m       10m
tests          4m        9m
report        10m       13m
makespan 13m (critical path 13m, sequential 18m, speedup 1.38x)
"""


def wfc(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([*WFC, *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


def snapshot(root: Path) -> Dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def test_init_in_an_empty_directory_then_validate_compile_and_a_dry_run(tmp_path: Path) -> None:
    done = wfc(tmp_path, "init")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["wrote workflows/review.yaml", "wrote schema/workflow.schema.json",
                                        "wrote .pre-commit-config.yaml", "wrote .gitignore"]
    assert done.stderr == "next: wfc validate && wfc compile workflows/ && wfc run review --dry-run\n"
    assert (tmp_path / "schema" / "workflow.schema.json").read_bytes() == \
        (ROOT / "schema" / "workflow.schema.json").read_bytes()
    assert (tmp_path / "workflows" / "review.yaml").read_text(encoding="utf-8").splitlines()[0] == \
        "# yaml-language-server: $schema=../schema/workflow.schema.json"
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == ".wfc/\n"

    validate = wfc(tmp_path, "validate", "--strict")
    assert (validate.returncode, validate.stdout, validate.stderr) == (0, "", "0 errors, 0 warnings in 1 file\n")
    compiled = wfc(tmp_path, "compile", "workflows/")
    assert compiled.returncode == 0, compiled.stderr
    assert compiled.stdout.splitlines() == ["wrote generated/review.plan.json", "wrote generated/review.py",
                                            "wrote generated/commands/review.md", "wrote generated/workflows/review.js"]
    dry = wfc(tmp_path, "run", "review", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout == DRY_RUN
    assert dry.stderr.startswith("run dry-run succeeded in ")


def test_the_editor_line_points_at_a_schema_that_validates_the_workflow(tmp_path: Path) -> None:
    """What an editor does with the line: resolve it against the workflow's folder and validate."""
    assert wfc(tmp_path, "init", "--name", "code-review").returncode == 0
    workflow = tmp_path / "workflows" / "code-review.yaml"
    line = workflow.read_text(encoding="utf-8").splitlines()[0]
    schema = (workflow.parent / line.split("$schema=", 1)[1]).resolve()
    check = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or "check-jsonschema"
    done = subprocess.run([check, "--schemafile", str(schema), str(workflow)], capture_output=True, text=True,
                          timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, "ok -- validation done")


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "review.yaml").write_text("version: 1\n", encoding="utf-8")
    (tmp_path / ".pre-commit-config.yaml").write_text("repos: []\n", encoding="utf-8")
    before = snapshot(tmp_path)
    done = wfc(tmp_path, "init")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == ("error: wfc init would overwrite workflows/review.yaml, .pre-commit-config.yaml; nothing "
                           "was written (move those aside, or run wfc init in an empty directory)\n")
    assert snapshot(tmp_path) == before


def test_init_keeps_an_existing_gitignore_and_adds_one_line(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.log\nbuild/", encoding="utf-8")
    done = wfc(tmp_path, "init", "--name", "docs")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "updated .gitignore"
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == "*.log\nbuild/\n.wfc/\n"
    again = wfc(tmp_path, "init", "--name", "docs")  # everything already there, byte for byte
    assert (again.returncode, again.stdout) == (0, "")
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == "*.log\nbuild/\n.wfc/\n"


def test_init_rejects_a_name_that_is_not_a_workflow_name(tmp_path: Path) -> None:
    done = wfc(tmp_path, "init", "--name", "Release Notes")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == ("error: --name 'Release Notes' is not a workflow name: use lowercase letters, digits and "
                           "hyphens, starting with a letter (for example --name code-review)\n")
    assert list(tmp_path.iterdir()) == []


def test_init_into_a_named_directory_from_inside_another_project(tmp_path: Path) -> None:
    """init works on the directory it is given, never on a project found above it."""
    assert wfc(tmp_path, "init").returncode == 0
    inner = tmp_path / "docs"
    inner.mkdir()
    done = wfc(inner, "init", "site")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "wrote site/workflows/review.yaml"
    assert (inner / "site" / "workflows" / "review.yaml").is_file()


# -- the project root --------------------------------------------------------------------------


def test_commands_find_the_root_from_any_subdirectory(tmp_path: Path) -> None:
    assert wfc(tmp_path, "init").returncode == 0
    deep = tmp_path / "src" / "app"
    deep.mkdir(parents=True)
    compiled = wfc(deep, "compile")
    assert compiled.returncode == 0, compiled.stderr
    assert (tmp_path / "generated" / "review.plan.json").is_file() and not (deep / "generated").exists()
    assert compiled.stdout.splitlines()[0] == "wrote generated/review.plan.json"
    checked = wfc(tmp_path / "workflows", "compile", "--check")
    assert (checked.returncode, checked.stderr) == (0, "checked 1 workflow: up to date\n")
    dry = wfc(deep, "run", "review", "--dry-run")
    assert (dry.returncode, dry.stdout) == (0, DRY_RUN)


def test_a_path_typed_in_a_subdirectory_means_the_file_there(tmp_path: Path) -> None:
    assert wfc(tmp_path, "init").returncode == 0
    workflows = tmp_path / "workflows"
    broken = (workflows / "review.yaml").read_text(encoding="utf-8").replace("needs: [quality, tests]",
                                                                             "needs: [quality, test]")
    (workflows / "review.yaml").write_text(broken, encoding="utf-8")
    done = wfc(workflows, "validate", "review.yaml")
    assert done.returncode == 1
    assert done.stdout.splitlines()[0] == \
        "workflows/review.yaml:45:22: error[WFC041]: step 'report' needs 'test', which is not a step"
    planned = wfc(workflows, "run", "./review.yaml", "--dry-run")
    assert planned.returncode == 1 and "workflows/review.yaml:45:22: error[WFC041]" in planned.stderr


def test_root_option_names_the_project(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    assert wfc(project, "init").returncode == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = wfc(elsewhere, "--root", "../project", "validate")
    assert (done.returncode, done.stderr) == (0, "0 errors, 0 warnings in 1 file\n")
    missing = wfc(elsewhere, "--root", "nowhere", "validate")
    assert missing.returncode == 2
    assert "Invalid value for '--root': Directory 'nowhere' does not exist." in missing.stderr


def test_without_a_project_above_the_default_is_a_clear_error(tmp_path: Path) -> None:
    done = wfc(tmp_path, "validate")
    assert (done.returncode, done.stdout, done.stderr) == (2, "", "error: no such file or directory: workflows\n")


# -- pre-commit --------------------------------------------------------------------------------


def _published_hooks() -> List[Dict[str, Any]]:
    loaded: List[Dict[str, Any]] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return loaded


def test_the_published_hooks_are_the_ones_init_configures() -> None:
    keys = ("id", "name", "entry", "files", "pass_filenames")
    published = [{key: str(hook[key]).lower() if key == "pass_filenames" else hook[key] for key in keys if key in hook}
                 for hook in _published_hooks()]
    assert published == [dict(hook) for hook in HOOKS]
    assert {hook["language"] for hook in _published_hooks()} == {"python"}


def test_the_configuration_init_writes_runs_under_the_real_pre_commit(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("pre-commit needs git")
    assert wfc(tmp_path, "init").returncode == 0
    git = ["git", "-c", "user.name=wfc tests", "-c", "user.email=tests@wfc.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    assert wfc(tmp_path, "compile", "workflows/").returncode == 0
    subprocess.run([*git, "add", "-A"], cwd=tmp_path, check=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
               PRE_COMMIT_HOME=str(tmp_path.parent / "pre-commit-home"), PRE_COMMIT_COLOR="never")
    run = [sys.executable, "-m", "pre_commit", "run", "--all-files"]
    good = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert [line.rsplit(".", 1)[-1] for line in good.stdout.splitlines() if line.startswith("wfc ")] == \
        ["Passed", "Passed"]
    workflow = tmp_path / "workflows" / "review.yaml"
    workflow.write_text(workflow.read_text(encoding="utf-8").replace("estimate: 3m", "estimate: 3x"), encoding="utf-8")
    bad = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
    assert bad.returncode == 1
    assert "workflows/review.yaml:46:15: error[WFC020]: `estimate` of step 'report': the string '3x' is not a " \
        "duration" in bad.stdout


def test_a_file_where_init_needs_a_directory_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "workflows").write_text("not a directory\n", encoding="utf-8")
    done = wfc(tmp_path, "init")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == ("error: wfc init cannot write workflows/review.yaml: File exists (a file in the way, or "
                           "a read-only directory?)\n")
