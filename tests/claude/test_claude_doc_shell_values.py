"""A shell step of the command doc, filled in by Claude Code's rules and run by Bash, does what
`wfc run` runs: an argument Claude Code pastes as typed stays one literal word or string wherever the
command prints it (outside quotes, inside double quotes, inside `$'...'`), and an instance's item,
known when the doc is written, is quoted as `wfc run` quotes it."""
from __future__ import annotations

import re
import subprocess
import textwrap
from pathlib import Path
from typing import Dict

from claude_rules import expand
from wfc.analysis import analyze
from wfc.format.templating import render_command
from wfc.render.command_doc import render_command_doc
from wfc.validate import load_workflow

FLOW = r"""
version: 1
title: Quote
description: Each value printed where the shell would read it.
arguments:
  name: {description: A word that looks like shell}
  other: {description: A plain word}
steps:
  plain: {title: Plain, run: "printf '[%s]\\n' {{ args.name }} {{ args.other }}.txt > out"}
  double: {title: Double, run: "printf '[%s]\\n' \"hello {{ args.name }}!\" > out"}
  ansi: {title: Ansi, run: "printf '[%s]\\n' $'<{{ args.name }}>' > out"}
  each:
    title: Each
    for_each: ["two words", "x;y", "$(touch pwned)"]
    run: "printf '[%s]\\n' {{ item }} \"{{ item }}\" > out"
"""
HOSTILE = 'two words; touch pwned $(touch pwned2) `touch pwned3` "q" \\ *'
RAW = "'" + HOSTILE + "' plain"


def blocks(text: str) -> Dict[str, str]:
    """Each step's shell block in the filled-in doc, by step id."""
    found = re.findall(r"^### \d+\. .*? \(`(.+?)`\)\n.*?^```sh\n(.*?)\n```$", text, re.M | re.S)
    return dict(found)


def ran(command: str, where: Path) -> str:
    where.mkdir()
    subprocess.run(["bash", "-c", command], cwd=where, check=True, capture_output=True)
    assert sorted(path.name for path in where.iterdir()) == ["out"]  # nothing else ran
    return (where / "out").read_text()


def test_a_filled_in_shell_step_runs_what_wfc_run_runs(tmp_path: Path) -> None:
    source = tmp_path / "workflows" / "quote.yaml"
    source.parent.mkdir()
    source.write_text(textwrap.dedent(FLOW), encoding="utf-8")
    workflow = load_workflow(source)
    shown = blocks(expand(render_command_doc(analyze(workflow)), RAW).text)
    assert sorted(shown) == ["ansi", "double", "each[0]", "each[1]", "each[2]", "plain"]
    args = {"name": HOSTILE, "other": "plain"}
    for step in workflow.steps:
        assert step.run is not None
        data = {"args": args, "step": {"id": step.id, "title": step.title, "attempt": 1},
                **({"item": step.instance.item, "index": step.instance.index} if step.instance else {})}
        expected = render_command(step.run, data)
        assert isinstance(expected, str)
        name = step.id.replace(" ", "-")
        assert ran(shown[step.id], tmp_path / f"doc-{name}") == ran(expected, tmp_path / f"run-{name}"), step.id
    assert ran(shown["plain"], tmp_path / "again") == f"[{HOSTILE}]\n[plain.txt]\n"


def test_the_placeholder_stands_between_single_quotes_closing_the_quotes_it_is_in(tmp_path: Path) -> None:
    source = tmp_path / "workflows" / "quote.yaml"
    source.parent.mkdir()
    source.write_text(textwrap.dedent(FLOW), encoding="utf-8")
    shown = blocks(render_command_doc(analyze(load_workflow(source))))
    assert shown["plain"] == "printf '[%s]\\n' '$name' '$other'.txt > out"
    assert shown["double"] == "printf '[%s]\\n' \"hello \"'$name'\"!\" > out"
    assert shown["ansi"] == "printf '[%s]\\n' $'<''$name'$'>' > out"
    assert shown["each[1]"] == "printf '[%s]\\n' 'x;y' \"x;y\" > out"
    assert shown["each[0]"] == "printf '[%s]\\n' 'two words' \"two words\" > out"
    assert shown["each[2]"] == "printf '[%s]\\n' '$(touch pwned)' \"\\$(touch pwned)\" > out"
