"""What the real Claude Code makes of a slash command, observed offline.

Claude Code expands a command doc (argument placeholders, then the `!` shell executions) locally,
before its first API request, and records the expanded user message in the session transcript. So the
real binary shows, without a network or an account, exactly what text a command doc becomes for given
raw arguments and which shell commands loading it runs.

The shell commands are approved (`--allowedTools Bash`) but never run: CLAUDE_CODE_SHELL_PREFIX names
a logger that records the command line Claude Code hands it and exits 0 without running anything.
Many invocations share one process (`--input-format stream-json`); after each one a boundary command
runs a known shell command, so the log can be split per invocation.
"""
from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import List, Mapping, Optional, Sequence, Tuple

from claude_support import ClaudeCli, CliRun

BATCH_ARGV = ("-p", "--input-format", "stream-json", "--output-format", "stream-json", "--verbose",
              "--allowedTools", "Bash")
BOUNDARY = "wfc-expand-boundary"
BOUNDARY_DOC = f"---\ndescription: separates invocations in the shell log\n---\n!`{BOUNDARY}`\n"
# Claude Code hands the prefix `... && eval <command, shell-quoted> < /dev/null && pwd -P >| <file>`.
EVAL = re.compile(r"&& eval (.*) < /dev/null && pwd -P >\| \S+$", re.S)
# A shell script, not Python: it runs once per shell command, hundreds of times in a batch. Arguments end
# with the ASCII unit separator, invocations with the group separator.
LOGGER = """#!/bin/sh
for argument in "$@"; do printf '%s\\037' "$argument"; done >> '{log}'
printf '\\035' >> '{log}'
"""


@dataclass(frozen=True)
class Expansion:
    """One `/name raw-args` as the real CLI expanded it.

    `text` is the user message the command became (None when loading failed; `error` then holds the CLI's
    message, e.g. a refused shell command); `shell_commands` are the commands loading it ran, sorted
    (the CLI starts them concurrently).
    """

    text: Optional[str]
    shell_commands: Tuple[str, ...]
    error: Optional[str]


@dataclass(frozen=True)
class Batch:
    """The expansions in call order, every shell command the process ran (sorted), and the run itself."""

    expansions: Tuple[Expansion, ...]
    all_shell_commands: Tuple[str, ...]
    run: CliRun


def expand_commands(cli: ClaudeCli, docs: Mapping[str, str], calls: Sequence[Tuple[str, str]], *,
                    workdir: Path, extra_argv: Sequence[str] = (), attribute_shell: bool = True) -> Batch:
    """Install each doc as `.claude/commands/NAME.md` of a fresh project in `workdir`, run every
    `/NAME raw-args` of `calls` in one process, and return what each became, in order.

    Each prompt costs the CLI about 70 ms; `attribute_shell=False` saves the boundary prompts when only
    the batch's shell commands as a whole matter (each expansion's `shell_commands` is then empty).
    Attribution is exact only when no load in the batch failed: a failed load's other commands may
    still run, and land in the next group."""
    project, home = workdir / "project", workdir / "home"
    command_dir = project / ".claude" / "commands"
    command_dir.mkdir(parents=True)
    for name, doc in {**docs, BOUNDARY: BOUNDARY_DOC}.items():
        (command_dir / f"{name}.md").write_text(doc, encoding="utf-8")
    log, logger = workdir / "shell.log", workdir / "shell-logger"
    logger.write_text(LOGGER.format(log=str(log).replace("'", "'\\''")), encoding="utf-8")
    logger.chmod(0o755)
    prompts = []
    for name, raw in calls:
        prompts += [f"/{name} {raw}" if raw else f"/{name}", *([f"/{BOUNDARY}"] if attribute_shell else [])]
    stdin = "".join(json.dumps({"type": "user", "message": {"role": "user", "content": prompt}}) + "\n"
                    for prompt in prompts)
    run = cli.run([*BATCH_ARGV, *extra_argv], cwd=project, home=home, stdin=stdin,
                  env={"CLAUDE_CODE_SHELL_PREFIX": str(logger)}, timeout=60 + 5 * len(calls))
    commands = _logged(log)
    texts, errors = _texts(run) if attribute_shell else _plain_texts(run), _errors(run)
    shells = _shell_groups(commands) if attribute_shell else [()] * len(calls)
    assert len(errors) == len(prompts), f"{len(prompts)} prompts, {len(errors)} results:\n{run.stdout[-3000:]}"
    assert len(texts) == len(shells) == len(calls), f"{len(calls)} calls, {len(texts)} texts, {len(shells)} logs"
    step = 2 if attribute_shell else 1
    expansions = tuple(Expansion(texts[index], shells[index], errors[step * index]) for index in range(len(calls)))
    return Batch(expansions, tuple(sorted(command for command in commands if command != BOUNDARY)), run)


def expand_command(cli: ClaudeCli, doc: str, raw_args: str, *, workdir: Path, name: str = "demo") -> Expansion:
    """One doc, one invocation: `expand_commands` for a single call."""
    return expand_commands(cli, {name: doc}, [(name, raw_args)], workdir=workdir).expansions[0]


def _texts(run: CliRun) -> List[Optional[str]]:
    """Per invocation, the expanded text recorded after its own `<command-message>` entry, if any.

    The transcript's user entries are cut at each boundary's `<command-message>`; the entry after that
    marker is the boundary's own expansion. A failed or unknown command leaves no expansion."""
    texts: List[Optional[str]] = [None]
    previous = ""
    for text in run.user_texts():
        if text.startswith(f"<command-message>{BOUNDARY}</command-message>"):
            texts.append(None)
        elif previous.startswith("<command-message>") and BOUNDARY not in previous:
            texts[-1] = text
        previous = text
    return texts[:-1]


def _errors(run: CliRun) -> List[Optional[str]]:
    """Per prompt (one result message each), the CLI's message when loading the command failed."""
    errors: List[Optional[str]] = []
    failure: Optional[str] = None
    for message in run.lines():
        if message.get("local_command_outcome", {}).get("kind") == "failed":
            failure = str(message["message"]["content"][0]["text"])
        if message.get("type") == "result":
            errors.append(failure)
            failure = None
    return errors


def _plain_texts(run: CliRun) -> List[Optional[str]]:
    """Without boundaries: per prompt, the text after its `<command-message>` entry (an unknown or failed
    command leaves an entry of its own shape, recorded as None)."""
    texts: List[Optional[str]] = []
    previous = ""
    for text in run.user_texts():
        if text.startswith("<command-message>"):
            texts.append(None)
        elif previous.startswith("<command-message>"):
            texts[-1] = text
        elif not text.startswith("<local-command-caveat>"):
            texts.append(None)
        previous = text
    return texts


def _logged(log: Path) -> List[str]:
    records = log.read_text(encoding="utf-8").split("\x1d")[:-1] if log.exists() else []
    return [_unwrap(" ".join(record.split("\x1f")[:-1])) for record in records]


def _shell_groups(commands: List[str]) -> List[Tuple[str, ...]]:
    """The logged commands, cut into one group per invocation at each boundary command."""
    groups: List[Tuple[str, ...]] = []
    current: List[str] = []
    for command in commands:
        if command == BOUNDARY:
            groups.append(tuple(sorted(current)))
            current = []
        else:
            current.append(command)
    return groups


def _unwrap(wrapped: str) -> str:
    match = EVAL.search(wrapped)
    return " ".join(shlex.split(match.group(1))) if match else wrapped
