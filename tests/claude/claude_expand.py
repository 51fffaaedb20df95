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
import sys
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
LOGGER = """#!{python}
import json, sys
with open({log!r}, "a", encoding="utf-8") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
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
    expansions: Tuple[Expansion, ...]
    run: CliRun


def expand_commands(cli: ClaudeCli, docs: Mapping[str, str], calls: Sequence[Tuple[str, str]], *,
                    workdir: Path, extra_argv: Sequence[str] = ()) -> Batch:
    """Install each doc as `.claude/commands/NAME.md` of a fresh project in `workdir`, run every
    `/NAME raw-args` of `calls` in one process, and return what each became, in order."""
    project, home = workdir / "project", workdir / "home"
    commands = project / ".claude" / "commands"
    commands.mkdir(parents=True)
    for name, doc in {**docs, BOUNDARY: BOUNDARY_DOC}.items():
        (commands / f"{name}.md").write_text(doc, encoding="utf-8")
    log, logger = workdir / "shell.log", workdir / "shell-logger"
    logger.write_text(LOGGER.format(python=sys.executable, log=str(log)), encoding="utf-8")
    logger.chmod(0o755)
    prompts = []
    for name, raw in calls:
        prompts += [f"/{name} {raw}" if raw else f"/{name}", f"/{BOUNDARY}"]
    stdin = "".join(json.dumps({"type": "user", "message": {"role": "user", "content": prompt}}) + "\n"
                    for prompt in prompts)
    run = cli.run([*BATCH_ARGV, *extra_argv], cwd=project, home=home, stdin=stdin,
                  env={"CLAUDE_CODE_SHELL_PREFIX": str(logger)}, timeout=60 + 5 * len(calls))
    texts, errors, shells = _texts(run), _errors(run), _shell_groups(log)
    assert len(errors) == len(prompts), f"{len(prompts)} prompts, {len(errors)} results:\n{run.stdout[-3000:]}"
    assert len(texts) == len(shells) == len(calls), f"{len(calls)} calls, {len(texts)} texts, {len(shells)} logs"
    expansions = tuple(Expansion(texts[index], shells[index], errors[2 * index]) for index in range(len(calls)))
    return Batch(expansions, run)


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


def _shell_groups(log: Path) -> List[Tuple[str, ...]]:
    """The logged commands, cut into one group per invocation at each boundary command."""
    groups: List[Tuple[str, ...]] = []
    current: List[str] = []
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    for line in lines:
        command = _unwrap(" ".join(json.loads(line)))
        if command == BOUNDARY:
            groups.append(tuple(sorted(current)))
            current = []
        else:
            current.append(command)
    return groups


def _unwrap(wrapped: str) -> str:
    match = EVAL.search(wrapped)
    return " ".join(shlex.split(match.group(1))) if match else wrapped
