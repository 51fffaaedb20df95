"""The workflow format's vocabulary, defined once: the kinds of step, which keys belong to which
kind, the argument types, the progress tools, and every default the format promises.

The JSON schema (`schema/workflow.schema.json`) is written by hand for editors; a test holds it
equal to this module (kinds, keys, enums and `default` annotations). The semantic checks, the
model, the build and the runtime read these names instead of spelling them again. The duration
grammar is `wfc.format.durations.DURATION_PATTERN`.
"""
from __future__ import annotations

from typing import Dict, Tuple

# The key that says what a step (or a compensation) does -> the step's kind. Exactly one is present.
KIND_KEYS: Dict[str, str] = {"prompt": "agent", "run": "shell", "call": "python"}
STEP_KINDS: Tuple[str, ...] = tuple(KIND_KEYS.values())

# Keys that only a step of one kind may carry.
KIND_ONLY_KEYS: Dict[str, Tuple[str, ...]] = {
    "agent": ("agent", "model", "tools", "max_turns", "permission_mode", "max_cost"),
    "shell": ("env", "cwd"),
}

# Keys that hold a budget in US dollars: the workflow's (the run's) and an agent step's (one attempt's).
BUDGET_KEY = "max_cost"

# Step keys whose strings are Jinja templates.
TEMPLATE_KEYS: Tuple[str, ...] = ("prompt", "title", "active", "run")

# Keys that hold durations, and the retry keys that do.
DURATION_KEYS: Tuple[str, ...] = ("estimate", "cached_estimate", "timeout", "ttl")
BACKOFF_KEYS: Tuple[str, ...] = ("backoff", "max_backoff")

# Argument type -> the Python types its values may have.
ARGUMENT_TYPES: Dict[str, Tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,), "path": (str,),
    "list": (list,),
}

PROGRESS_TOOLS: Tuple[str, ...] = ("todowrite", "tasks")

# -- fan-out: one step run once per item of a list (docs/format.md, "Fan-out") ----------------------

# The step keys that shape a fan-out; the model gathers them into one `FanOut` (its `fan_out` field).
FAN_OUT_KEYS: Tuple[str, ...] = ("for_each", "estimate_items", "max_parallel", "min_success")
# What a fan-out's templates see besides args, context and step.
LOOP_NAMES: Tuple[str, ...] = ("item", "index")
# When a step runs, given how the steps it waits for ended.
TRIGGERS: Tuple[str, ...] = ("on_success", "always", "on_failure")
# How a step ended, as `when: steps.X.outcome == '...'` reads it.
OUTCOMES: Tuple[str, ...] = ("succeeded", "failed", "skipped", "not_run")
# An item becomes part of an instance id (`review[api]`) when it is a short plain string.
PLAIN_ITEM_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"

# -- agents: the `agents:` map and what Claude Code calls each key --------------------------------

# An `agents:` entry's key -> the frontmatter key of a Claude Code subagent definition (and of the
# `--agents` JSON); `prompt` is the definition's body, its system prompt.
AGENT_KEYS: Dict[str, str] = {
    "description": "description", "tools": "tools", "disallowed_tools": "disallowedTools", "model": "model",
    "max_turns": "maxTurns", "permission_mode": "permissionMode", "prompt": "prompt",
}
AGENT_REQUIRED_KEYS: Tuple[str, ...] = ("description", "prompt")
AGENT_NAME_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
# Claude Code's own agents, which need no definition (REFERENCE.md, "Subagents").
BUILT_IN_AGENTS: Tuple[str, ...] = ("general-purpose", "Explore", "Plan", "claude", "statusline-setup")
DEFAULT_AGENT = "general-purpose"  # what an agent step that names none runs
# `--permission-mode` values Claude Code 2.1.332 takes (a step's and the defaults' `permission_mode`),
# and the `permissionMode` values a subagent definition takes (an agent's): `default` there, `manual` here.
PERMISSION_MODES: Tuple[str, ...] = ("acceptEdits", "auto", "bypassPermissions", "manual", "dontAsk", "plan")
AGENT_PERMISSION_MODES: Tuple[str, ...] = ("acceptEdits", "auto", "bypassPermissions", "default", "dontAsk", "plan")
# Bash rules that pre-approve far more than they seem to: an interpreter running any text, or a
# recursive delete of any path. `wfc validate` warns on each (WFC071).
BROAD_BASH_PREFIXES: Tuple[str, ...] = (
    "sh -c", "bash -c", "zsh -c", "python -c", "python3 -c", "node -e", "perl -e", "ruby -e", "eval",
    "rm -rf", "rm -fr", "rm -r", "sudo",
)

# -- defaults: what a workflow gets for what it leaves out ----------------------------------------

DEFAULT_ESTIMATE = 60.0  # seconds, marked as defaulted in the plan (warning WFC303)
DEFAULT_TTL = 3600.0  # seconds a context entry stays fresh in the cache
DEFAULT_ARGUMENT_TYPE = "string"
DEFAULT_PROGRESS = "todowrite"
DEFAULT_ATTEMPTS = 1  # every try counts, the first included
DEFAULT_BACKOFF = 0.0
DEFAULT_FACTOR = 2.0
DEFAULT_CACHE = True
DEFAULT_CONTINUE_ON_ERROR = False
DEFAULT_COMPENSATE = True  # on failure, undo completed steps
DEFAULT_KEEP_GOING = False  # on failure, let independent branches finish
DEFAULT_TRIGGER = "on_success"
DEFAULT_ESTIMATE_ITEMS = 10  # the items a list known only at run time is planned with

# The schema's `default` annotations, by the JSON pointer of the property that carries them.
SCHEMA_DEFAULTS: Dict[str, object] = {
    "/properties/progress": DEFAULT_PROGRESS,
    "/$defs/argument/properties/type": DEFAULT_ARGUMENT_TYPE,
    "/$defs/argument/properties/required": False,
    "/$defs/contextEntry/properties/ttl": DEFAULT_TTL,
    "/$defs/retry/properties/attempts": DEFAULT_ATTEMPTS,
    "/$defs/retry/properties/backoff": 0,
    "/$defs/retry/properties/factor": 2,
    "/$defs/defaults/properties/cache": DEFAULT_CACHE,
    "/$defs/onFailure/properties/compensate": DEFAULT_COMPENSATE,
    "/$defs/onFailure/properties/keep_going": DEFAULT_KEEP_GOING,
    "/$defs/step/properties/continue_on_error": DEFAULT_CONTINUE_ON_ERROR,
    "/$defs/step/properties/trigger": DEFAULT_TRIGGER,
    "/$defs/step/properties/estimate_items": DEFAULT_ESTIMATE_ITEMS,
}
