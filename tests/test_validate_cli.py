"""`wfc validate` as users and CI run it: a real process, exit codes 0/1/2, three output formats,
--strict, colour only on a terminal and never with NO_COLOR, workflows/ by default."""
from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

import pytest

VALID = """\
version: 1
title: Demo
description: A demo.
steps:
  analyze:
    title: Analyze
    run: echo hi
    estimate: 1m
"""

INVALID = """\
version: 1
title: Demo
description: A demo.
steps:
  analyze:
    title: Analyze
    run: echo hi
    estimate: 1m
  report:
    title: Report
    run: echo report
    needs: [analyse]
    estimate: 1m
"""

# valid, but its step has no estimate: warning WFC303
WARNS = VALID.replace("    estimate: 1m\n", "")

TEXT_ERROR = """\
workflows/broken.yaml:12:13: error[WFC041]: step 'report' needs 'analyse', which is not a step
  12 |     needs: [analyse]
     |             ^
  hint: did you mean 'analyze'?
"""

ANSI = "\x1b["


def environment(**extra: str) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(extra)
    return env


def wfc(cwd: Path, *args: str, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wfc", "validate", *args], cwd=cwd, capture_output=True,
                          text=True, env=env or environment(), timeout=60)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "workflows").mkdir()
    return tmp_path


def write(project: Path, name: str, text: str) -> Path:
    path = project / "workflows" / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_workflow_exits_0_and_prints_only_the_summary(project: Path) -> None:
    write(project, "demo.yaml", VALID)
    done = wfc(project, "workflows/demo.yaml")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "0 errors, 0 warnings in 1 file\n")


def test_an_invalid_workflow_exits_1_with_the_diagnostic_caret_and_hint(project: Path) -> None:
    write(project, "broken.yaml", INVALID)
    done = wfc(project, "workflows/broken.yaml")
    assert (done.returncode, done.stdout, done.stderr) == (1, TEXT_ERROR, "1 error, 0 warnings in 1 file\n")


def test_the_default_path_is_workflows(project: Path) -> None:
    write(project, "demo.yaml", VALID)
    write(project, "broken.yaml", INVALID)
    (project / "workflows" / "notes.txt").write_text("not a workflow: [", encoding="utf-8")
    done = wfc(project)
    assert (done.returncode, done.stdout, done.stderr) == (1, TEXT_ERROR, "1 error, 0 warnings in 2 files\n")


def test_yml_files_in_a_directory_are_validated(project: Path) -> None:
    write(project, "other.yml", INVALID.replace("analyse", "nothing"))
    done = wfc(project, "workflows")
    assert done.returncode == 1
    assert done.stdout.startswith("workflows/other.yml:12:13: error[WFC041]: step 'report' needs 'nothing'")


@pytest.mark.parametrize("args, message", [
    (["workflows/missing.yaml"], "error: no such file or directory: workflows/missing.yaml\n"),
    ([], "error: no such file or directory: workflows\n"),
])
def test_a_missing_path_is_a_usage_error(tmp_path: Path, args: List[str], message: str) -> None:
    done = wfc(tmp_path, *args)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", message)


def test_an_unknown_format_is_a_usage_error(project: Path) -> None:
    done = wfc(project, "--format", "xml")
    assert done.returncode == 2
    assert "Invalid value for '--format': 'xml' is not one of 'text', 'json', 'github'." in done.stderr


def test_json_lists_every_diagnostic_with_its_position(project: Path) -> None:
    write(project, "broken.yaml", INVALID)
    write(project, "demo.yaml", VALID)
    done = wfc(project, "--format", "json")
    assert (done.returncode, done.stderr) == (1, "")
    assert json.loads(done.stdout) == [{
        "file": "workflows/broken.yaml", "line": 12, "column": 13, "code": "WFC041", "severity": "error",
        "message": "step 'report' needs 'analyse', which is not a step", "hint": "did you mean 'analyze'?",
        "path": "steps.report.needs[0]", "documentation": "docs/errors.md#wfc041-needs-names-no-step",
    }]


def test_json_of_a_valid_workflow_is_an_empty_list(project: Path) -> None:
    write(project, "demo.yaml", VALID)
    done = wfc(project, "--format", "json")
    assert (done.returncode, done.stdout, done.stderr) == (0, "[]\n", "")


def test_github_format_prints_workflow_command_annotations(project: Path) -> None:
    write(project, "broken.yaml", INVALID)
    write(project, "warns.yaml", WARNS)
    done = wfc(project, "--format", "github")
    assert (done.returncode, done.stderr) == (1, "")
    assert done.stdout.splitlines() == [
        "::error file=workflows/broken.yaml,line=12,endLine=12,col=13,endColumn=19,title=WFC041::"
        "WFC041: step 'report' needs "
        "'analyse', which is not a step (hint: did you mean 'analyze'?)",
        "::warning file=workflows/warns.yaml,line=5,endLine=5,col=3,endColumn=9,title=WFC303::"
        "WFC303: step 'analyze' has no "
        "`estimate` (here or in `defaults`); the plan assumes 1m (hint: add `estimate:` to 'analyze' "
        "(for example `estimate: 5m`) or `defaults.estimate`, so the schedule and speedup figures rest on "
        "real durations)",
    ]


def test_a_warning_passes_unless_strict(project: Path) -> None:
    write(project, "warns.yaml", WARNS)
    relaxed = wfc(project)
    assert relaxed.returncode == 0
    assert relaxed.stdout.startswith("workflows/warns.yaml:5:3: warning[WFC303]: step 'analyze' has no `estimate`")
    assert relaxed.stderr == "0 errors, 1 warning in 1 file\n"
    strict = wfc(project, "--strict")
    assert (strict.returncode, strict.stdout, strict.stderr) == (1, relaxed.stdout, relaxed.stderr)


def test_piped_output_has_no_colour(project: Path) -> None:
    write(project, "broken.yaml", INVALID)
    done = wfc(project, env=environment(TERM="xterm-256color"))
    assert ANSI not in done.stdout and ANSI not in done.stderr


def on_a_terminal(project: Path, env: Dict[str, str]) -> str:
    """Run with stdout on a pseudo-terminal, as in an interactive shell; return what it showed."""
    leader, follower = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "wfc", "validate"], cwd=project, stdout=follower,
                              stderr=subprocess.DEVNULL, env=env, timeout=60)
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert done.returncode == 1
        return b"".join(chunks).decode("utf-8")
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)


def test_a_terminal_gets_colour(project: Path) -> None:
    write(project, "broken.yaml", INVALID)
    shown = on_a_terminal(project, environment(TERM="xterm-256color"))
    assert "\x1b[31m\x1b[1merror[WFC041]\x1b[0m" in shown


def test_no_color_turns_colour_off_even_on_a_terminal(project: Path) -> None:
    write(project, "broken.yaml", INVALID)
    shown = on_a_terminal(project, environment(TERM="xterm-256color", NO_COLOR="1"))
    assert "error[WFC041]: step 'report' needs 'analyse'" in shown
    assert ANSI not in shown


def test_a_duration_in_another_scripts_digits_is_refused_with_the_ascii_spelling(project: Path) -> None:
    """Python's \\d reads "\u0665" (Arabic-Indic five) as a digit; editors, Ajv and check-jsonschema do not."""
    write(project, "digits.yaml", VALID.replace("estimate: 1m", 'estimate: "\u0665m"'))
    done = wfc(project)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "workflows/digits.yaml:8:15: error[WFC020]: `estimate` of step 'analyze': the string '\u0665m' is not a "
        "duration",
        '   8 |     estimate: "\u0665m"',
        "     |               ^",
        "  hint: write the digits as ASCII 0-9 (5m); other scripts' digits are not read as numbers",
    ]
