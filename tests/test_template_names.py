"""A misspelt Jinja filter or test is a diagnostic at the name itself, with "did you mean", in every
command that reads the workflow (validate, compile, plan, run): never a traceback, never a step
that fails only when it runs."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from wfc.load import load_bytes
from wfc.validate import validate_document

WORKFLOW = """\
version: 1
title: Demo
description: A demo.
arguments:
  v:
    default: hello
steps:
  shout:
    title: Shout
    run: "echo {{ args.v | uppper }}"
    estimate: 1s
"""

EXPECTED = """\
workflows/demo.yaml:10:28: error[WFC055]: the template uses the filter 'uppper', which Jinja does not have
  10 |     run: "echo {{ args.v | uppper }}"
     |                            ^
  hint: did you mean 'upper'?
"""


def found(text: str) -> List[str]:
    result = validate_document(load_bytes(text.encode(), "workflows/demo.yaml"), "demo")
    return [f"{d.code} {d.line}:{d.column} {d.message} | {d.hint}" for d in result.diagnostics]


def wfc(cwd: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wfc", *arguments], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("command", [["validate", "workflows/demo.yaml"], ["compile", "workflows"],
                                     ["plan", "workflows/demo.yaml"], ["run", "demo"]])
def test_every_command_reports_the_misspelt_filter_at_its_name(tmp_path: Path, command: List[str]) -> None:
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "demo.yaml").write_text(WORKFLOW)
    result = wfc(tmp_path, *command)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert EXPECTED in result.stdout + result.stderr
    assert not (tmp_path / "generated").exists()


def test_a_filter_in_a_block_scalar_is_found_on_its_own_line() -> None:
    text = WORKFLOW.replace('    run: "echo {{ args.v | uppper }}"\n',
                            "    run: |\n      echo one\n      echo {{ args.v|lowr }}\n")
    assert found(text) == ["WFC055 12:22 the template uses the filter 'lowr', which Jinja does not have | "
                           "did you mean 'lower'?"]


def test_tests_filter_blocks_and_names_given_to_map_and_select_are_checked() -> None:
    text = WORKFLOW.replace('"echo {{ args.v | uppper }}"',
                            "\"{% filter uper %}x{% endfilter %} {{ [args.v] | map('trimm') | select('od') | join }}\"")
    text = text.replace("    estimate: 1s\n", "    estimate: 1s\n    when: args.v is not strng\n")
    assert found(text) == [
        "WFC055 10:21 the template uses the filter 'uper', which Jinja does not have | did you mean 'upper'?",
        "WFC055 10:64 the template uses the filter 'trimm', which Jinja does not have | did you mean 'trim'?",
        "WFC055 10:82 the template uses the test 'od', which Jinja does not have | did you mean 'odd'?",
        "WFC055 12:25 the template uses the test 'strng', which Jinja does not have | did you mean 'string'?",
    ]


def test_a_name_nothing_resembles_gets_a_pointer_to_the_list_instead() -> None:
    text = WORKFLOW.replace("uppper", "zzqx")
    assert found(text) == ["WFC055 10:28 the template uses the filter 'zzqx', which Jinja does not have | "
                           "see the Jinja filters wfc templates can use (`| NAME`)"]


def test_known_filters_and_tests_pass() -> None:
    text = WORKFLOW.replace("uppper", "upper | replace('a', 'b')").replace(
        "    estimate: 1s\n", "    estimate: 1s\n    when: args.v is string and args.v is not none\n")
    assert found(text) == []
