"""A program that does not exist fails its step at once, with a hint, and is not retried."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

WORKFLOW = """\
version: 1
title: Missing programs
description: Steps whose programs are not installed.
on_failure: {keep_going: true}
steps:
  ask:
    title: Ask an agent
    prompt: Say hello.
    retry: {attempts: 3, backoff: 5s}
  build:
    title: Build it
    run: [definitely-not-a-program-wfc, --flag]
    retry: {attempts: 3, backoff: 5s}
"""


def run(tmp_path: Path, *extra: str) -> tuple:
    (tmp_path / "w.yaml").write_text(WORKFLOW)
    done = subprocess.run([sys.executable, "-m", "wfc", "run", "w.yaml", "--progress", "none", "--max-parallel", "1",
                           "--agent-command", "/nonexistent/agent-runner", *extra],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    journal = next((tmp_path / ".wfc" / "runs").glob("*/journal.jsonl"))
    return done, [json.loads(line) for line in journal.read_text().splitlines()]


def test_missing_programs_fail_once_with_a_hint(tmp_path: Path) -> None:
    done, events = run(tmp_path, "--events", "jsonl")
    assert done.returncode == 1
    assert not [e for e in events if e["event"] == "step_retried"]
    failures = {e["step"]: e["error"] for e in events if e["event"] == "step_failed"}
    assert failures["ask"] == ("cannot start `/nonexistent/agent-runner`: No such file or directory (install Claude "
                               "Code so that `claude` is on PATH, or name another agent runner with --agent-command "
                               "or WFC_AGENT_COMMAND)")
    assert failures["build"] == ("cannot start `definitely-not-a-program-wfc`: No such file or directory "
                                 "(check the command's name and PATH)")
