"""The fake CLI's steering: `fake-claude: VERB ARGS` lines in the prompt decide how the run ends.

Verbs (any number, one per line, anywhere in the prompt):
  result TEXT           the result text (default: the prompt itself, so tests see what the agent was asked)
  fail [TEXT]           subtype error_during_execution, errors [TEXT]
  subtype NAME [TEXT]   that error subtype (error_max_turns, error_max_budget_usd, ...), errors [TEXT or
                        the real CLI's text]
  turns N               the run took N turns; more than --max-turns M ends as the real one does:
                        error_max_turns, num_turns M+1, errors ["Reached maximum number of turns (M)"]
  cost X                total_cost_usd X; at or over --max-budget-usd B: error_max_budget_usd,
                        errors ["Reached maximum budget ($B)"]
  tokens IN OUT [CACHE_READ [CACHE_WRITE]]   usage and the main model's modelUsage tokens
  subagent MODEL IN OUT COST                 one more modelUsage entry (subagents count there too)
  deny TOOL [ARG...]    a permission denial (Write/Edit/Read/NotebookEdit: file_path ARG made absolute
                        against the working directory; Bash: command ARG)
  api-error KIND        overloaded (529), server (500), rate_limit (429), invalid_request (400), auth (401),
                        network (connection_failed), not-logged-in: the real result texts, is_error true
  structured JSON       structured_output (with --json-schema) and the result text
  sleep SECONDS | mark FILE | stderr TEXT | exit N | garbage   (side effects; exit N prints nothing,
                        garbage prints a line that is not JSON)
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Optional

from claude_fake_session import API_ERRORS, ERROR_TEXTS, Outcome, js_number_text, model_usage_entry, resolve_model

PREFIX = "fake-claude:"
FILE_TOOLS = ("Write", "Edit", "Read", "NotebookEdit")


class DirectiveError(Exception):
    """A directive the fake cannot follow: a mistake in the test that wrote the prompt."""


@dataclass
class Effects:
    """Side effects asked for: done before the run's output, in the order they were written."""

    exit_code: Optional[int] = None
    garbage: bool = False
    stderr: List[str] = field(default_factory=list)


def directives(prompt: str) -> List[List[str]]:
    found = []
    for line in prompt.splitlines():
        stripped = line.strip()
        if stripped.startswith(PREFIX):
            words = stripped[len(PREFIX):].strip().split(" ", 1)
            found.append([words[0], words[1] if len(words) > 1 else ""])
    return found


def steer(prompt: str, max_turns: Optional[float], budget: Optional[float]) -> "tuple[Outcome, Effects]":
    outcome, effects = Outcome(result=prompt), Effects()
    for verb, rest in directives(prompt):
        handler = HANDLERS.get(verb)
        if handler is None:
            raise DirectiveError(f"fake-claude: unknown directive {verb!r} "
                                 "(see tests/claude/claude_fake_directives.py)")
        handler(outcome, effects, rest)
    _apply_limits(outcome, max_turns, budget)
    return outcome, effects


def _apply_limits(outcome: Outcome, max_turns: Optional[float], budget: Optional[float]) -> None:
    if outcome.is_error:
        return
    if max_turns is not None and max_turns > 0 and outcome.num_turns > max_turns:
        limit = js_number_text(max_turns)
        outcome.subtype, outcome.num_turns = "error_max_turns", int(max_turns) + 1
        outcome.errors = [f"Reached maximum number of turns ({limit})"]
    elif budget is not None and outcome.cost >= budget:
        outcome.subtype = "error_max_budget_usd"
        outcome.errors = [f"Reached maximum budget (${js_number_text(budget)})"]


def _result(outcome: Outcome, effects: Effects, rest: str) -> None:
    outcome.result = rest


def _fail(outcome: Outcome, effects: Effects, rest: str) -> None:
    _subtype(outcome, effects, f"error_during_execution {rest}".strip())


def _subtype(outcome: Outcome, effects: Effects, rest: str) -> None:
    name, _, text = rest.partition(" ")
    outcome.subtype = name
    outcome.errors = [text or ERROR_TEXTS.get(name, f"fake-claude: {name} as asked")]


def _turns(outcome: Outcome, effects: Effects, rest: str) -> None:
    outcome.num_turns = int(rest)


def _cost(outcome: Outcome, effects: Effects, rest: str) -> None:
    outcome.cost = float(rest)


def _tokens(outcome: Outcome, effects: Effects, rest: str) -> None:
    numbers = [int(word) for word in rest.split()]
    outcome.tokens = (numbers + [0, 0, 0, 0])[:4]


def _subagent(outcome: Outcome, effects: Effects, rest: str) -> None:
    model, tokens_in, tokens_out, cost = rest.split()
    name = resolve_model(model)
    outcome.extra_models[name] = model_usage_entry(name, [int(tokens_in), int(tokens_out), 0, 0], float(cost))


def _deny(outcome: Outcome, effects: Effects, rest: str) -> None:
    tool, _, argument = rest.partition(" ")
    if tool in FILE_TOOLS:
        tool_input: Any = {"file_path": os.path.join(os.getcwd(), argument)}  # shown absolute, as the real CLI does
    else:
        tool_input = {"command": argument} if tool == "Bash" else {}
    outcome.denials.append({"tool_name": tool, "tool_use_id": f"toolu_fake_{len(outcome.denials) + 1}",
                            "tool_input": tool_input})


def _api_error(outcome: Outcome, effects: Effects, rest: str) -> None:
    if rest not in API_ERRORS:
        raise DirectiveError(f"fake-claude: api-error takes one of {', '.join(API_ERRORS)}, not {rest!r}")
    outcome.api_error, outcome.result, outcome.cost = rest, API_ERRORS[rest][3], 0.0
    outcome.tokens = [0, 0, 0, 0]


def _structured(outcome: Outcome, effects: Effects, rest: str) -> None:
    outcome.structured = json.loads(rest)
    outcome.result = json.dumps(outcome.structured, separators=(",", ":"))
    outcome.num_turns = max(outcome.num_turns, 2)


def _sleep(outcome: Outcome, effects: Effects, rest: str) -> None:
    time.sleep(float(rest))


def _mark(outcome: Outcome, effects: Effects, rest: str) -> None:
    with Path(rest).open("a", encoding="utf-8") as handle:
        handle.write("ran\n")


def _stderr(outcome: Outcome, effects: Effects, rest: str) -> None:
    effects.stderr.append(rest)


def _exit(outcome: Outcome, effects: Effects, rest: str) -> None:
    effects.exit_code = int(rest)


def _garbage(outcome: Outcome, effects: Effects, rest: str) -> None:
    effects.garbage = True


HANDLERS = {"result": _result, "fail": _fail, "subtype": _subtype, "turns": _turns, "cost": _cost,
            "tokens": _tokens, "subagent": _subagent, "deny": _deny, "api-error": _api_error,
            "structured": _structured, "sleep": _sleep, "mark": _mark, "stderr": _stderr, "exit": _exit,
            "garbage": _garbage}
