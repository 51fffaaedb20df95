"""The validated workflow: frozen dataclasses, defaults applied, durations in seconds.

Nothing after validation reads raw YAML: the graph, the analysis, the renderers and the runtime
all take these types. `to_dict` gives their canonical JSON form, which the cache keys hash.
"""
from __future__ import annotations

from collections import abc
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any, Dict, Mapping, Optional, Tuple, Union

from wfc.format.vocabulary import (
    AGENT_KEYS, DEFAULT_ARGUMENT_TYPE, DEFAULT_ATTEMPTS, DEFAULT_BACKOFF, DEFAULT_CACHE, DEFAULT_COMPENSATE,
    DEFAULT_CONTINUE_ON_ERROR, DEFAULT_ESTIMATE, DEFAULT_ESTIMATE_ITEMS, DEFAULT_FACTOR, DEFAULT_KEEP_GOING,
    DEFAULT_PROGRESS, DEFAULT_TRIGGER, DEFAULT_TTL,
)
from wfc.load.document import Position

__all__ = ["Action", "AgentDefinition", "Argument", "ContextEntry", "Docs", "FanOut", "Instance", "OnFailure",
           "Position", "Retry", "Step", "Workflow", "field_values", "to_dict"]


Command = Union[str, Tuple[str, ...]]  # a string goes to the shell, a tuple of arguments does not


@dataclass(frozen=True)
class Argument:
    name: str
    description: str = ""
    type: str = DEFAULT_ARGUMENT_TYPE
    default: Any = None
    required: bool = False
    enum: Optional[Tuple[Any, ...]] = None


@dataclass(frozen=True)
class ContextEntry:
    name: str
    description: str = ""
    ttl: float = DEFAULT_TTL
    schema: Mapping[str, Any] = field(default_factory=dict)  # a JSON schema for the value; empty: any text


@dataclass(frozen=True)
class AgentDefinition:
    """A subagent the workflow defines (`agents:`): a Claude Code subagent definition once compiled."""

    name: str
    description: str
    prompt: str  # the system prompt
    tools: Tuple[str, ...] = ()  # empty: every tool of the session
    disallowed_tools: Tuple[str, ...] = ()
    model: Optional[str] = None
    max_turns: Optional[int] = None
    permission_mode: Optional[str] = None

    def claude_fields(self) -> Dict[str, Any]:
        """The definition in Claude Code's own keys, set fields only, in a fixed order: the frontmatter
        of `agents/NAME.md` (with `prompt` as its body) and one entry of `claude --agents` JSON."""
        fields_: Dict[str, Any] = {}
        for key, claude_key in AGENT_KEYS.items():
            value = getattr(self, key)
            if value not in (None, ()):
                fields_[claude_key] = list(value) if isinstance(value, tuple) else value
        return fields_


@dataclass(frozen=True)
class Retry:
    """`attempts` counts every try, the first included; delays grow by `factor` up to `max_backoff`."""

    attempts: int = DEFAULT_ATTEMPTS
    backoff: float = DEFAULT_BACKOFF
    factor: float = DEFAULT_FACTOR
    max_backoff: Optional[float] = None

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before try number `attempt` (2 is the first retry)."""
        if attempt <= 1:
            return 0.0
        delay = self.backoff * self.factor ** (attempt - 2)
        return min(delay, self.max_backoff) if self.max_backoff is not None else delay


@dataclass(frozen=True)
class Action:
    """A compensation: exactly one of `run`, `call` or `prompt` is set."""

    kind: str  # "shell", "python" or "agent", as for steps
    run: Optional[Command] = None
    call: Optional[str] = None
    prompt: Optional[str] = None
    agent: Optional[str] = None
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Optional[str] = None


@dataclass(frozen=True)
class FanOut:
    """A step's `for_each` and the keys that shape it. `items` is the written list (a static fan-out,
    expanded into instances at compile time); `source` is `args.NAME` or `context.NAME` otherwise:
    the plan keeps one map node, planned with `estimate_items` items."""

    items: Optional[Tuple[Any, ...]] = None
    source: Optional[str] = None
    estimate_items: int = DEFAULT_ESTIMATE_ITEMS
    max_parallel: Optional[int] = None
    min_success: Optional[int] = None
    item_estimate: float = DEFAULT_ESTIMATE  # one instance's estimate; a map node's `estimate` covers all


@dataclass(frozen=True)
class Instance:
    """One instance of a static fan-out: `of` is the step as written, `item` its item."""

    of: str
    item: Any
    index: int


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    active: str
    kind: str  # one of wfc.format.vocabulary.STEP_KINDS
    description: str = ""
    # agent steps
    prompt: Optional[str] = None
    agent: Optional[str] = None
    model: Optional[str] = None
    tools: Tuple[str, ...] = ()
    max_turns: Optional[int] = None
    permission_mode: Optional[str] = None
    max_cost: Optional[float] = None  # USD an attempt may spend (`--max-budget-usd`)
    # shell steps
    run: Optional[Command] = None
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Optional[str] = None
    # python steps
    call: Optional[str] = None
    # dependencies and data
    needs: Tuple[str, ...] = ()
    inputs: Tuple[str, ...] = ()
    outputs: Tuple[str, ...] = ()
    files: Tuple[str, ...] = ()
    # time
    estimate: float = DEFAULT_ESTIMATE
    estimate_defaulted: bool = True
    cached_estimate: float = DEFAULT_ESTIMATE
    timeout: Optional[float] = None
    retry: Retry = field(default_factory=Retry)
    # execution
    resources: Mapping[str, int] = field(default_factory=dict)  # name -> units held
    cache: bool = DEFAULT_CACHE
    when: Optional[str] = None
    continue_on_error: bool = DEFAULT_CONTINUE_ON_ERROR
    compensate: Optional[Action] = None
    group: Optional[str] = None
    trigger: str = DEFAULT_TRIGGER
    fan_out: Optional[FanOut] = None  # a map node (dynamic list) or, with `instance`, one instance's fan-out
    instance: Optional[Instance] = None

    @property
    def written_id(self) -> str:
        """The id in the file: an instance's (`review[api]`) is its fan-out's (`review`)."""
        return self.instance.of if self.instance is not None else self.id


@dataclass(frozen=True)
class OnFailure:
    compensate: bool = DEFAULT_COMPENSATE
    keep_going: bool = DEFAULT_KEEP_GOING


@dataclass(frozen=True)
class Docs:
    purpose: str = ""
    usage: Tuple[str, ...] = ()
    success_criteria: Tuple[str, ...] = ()
    outputs: Tuple[str, ...] = ()
    legacy_minutes: Optional[float] = None  # how long the replaced command took, by `legacy_source`
    legacy_source: str = ""


@dataclass(frozen=True)
class Workflow:
    """One workflow file, validated. `steps` keeps the file's order; `source` is the path as given."""

    name: str
    source: str
    source_sha256: str
    title: str
    description: str
    steps: Tuple[Step, ...]
    version: int = 1
    arguments: Tuple[Argument, ...] = ()
    max_parallel: Optional[int] = None
    resources: Mapping[str, int] = field(default_factory=dict)
    context: Tuple[ContextEntry, ...] = ()
    on_failure: OnFailure = field(default_factory=OnFailure)
    docs: Docs = field(default_factory=Docs)
    progress: str = DEFAULT_PROGRESS
    model: Optional[str] = None  # the command doc's `model`, from defaults.model
    agents: Tuple[AgentDefinition, ...] = ()  # in the order the file defines them
    max_cost: Optional[float] = None  # USD the run's agent attempts may spend before no new agent step starts
    positions: Mapping[Tuple[Any, ...], Position] = field(
        default_factory=dict, compare=False, repr=False
    )
    # the workflow as its author wrote it (validated data): what the plan file locks
    definition: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def step(self, step_id: str) -> Step:
        return self._steps_index[step_id]

    def steps_by_id(self) -> Dict[str, Step]:
        return dict(self._steps_index)

    @cached_property
    def _steps_index(self) -> Dict[str, Step]:
        """Built once: renderers look steps up by id once per edge, so rebuilding it is quadratic."""
        return {step.id: step for step in self.steps}

    def agent_definition(self, name: str) -> Optional[AgentDefinition]:
        return next((agent for agent in self.agents if agent.name == name), None)

    def context_entry(self, name: str) -> ContextEntry:
        return self._context_index[name]

    @cached_property
    def _context_index(self) -> Dict[str, ContextEntry]:
        return {entry.name: entry for entry in self.context}

    def position_of(self, *yaml_path: Any) -> Position:
        """Where a node was written, falling back to its nearest written ancestor. An instance of
        a fan-out (`review[api]`) was written as its step (`review`)."""
        path = tuple(yaml_path)
        if len(path) > 1 and path[0] == "steps" and isinstance(path[1], str) and path[1].endswith("]"):
            path = (path[0], path[1].partition("[")[0]) + path[2:]
        while path and path not in self.positions:
            path = path[:-1]
        return self.positions.get(path, Position(1, 1))


# -- canonical JSON form ------------------------------------------------------------------------

_SCALARS = frozenset({str, int, float, bool, type(None)})


def to_dict(value: Any) -> Any:
    """Plain JSON data: dataclasses as dicts (positions dropped), tuples as lists, dict keys sorted."""
    if type(value) in _SCALARS:
        return value
    if hasattr(type(value), "__dataclass_fields__"):
        return {name: to_dict(item) for name, item in field_values(value).items()}
    if isinstance(value, (tuple, list)):
        return [to_dict(item) for item in value]
    if isinstance(value, abc.Mapping):
        return {str(key): to_dict(value[key]) for key in sorted(value)}
    return value


def field_values(value: Any) -> Dict[str, Any]:
    """A model object's fields (where it was written, and as what, dropped), nested values as they are."""
    return {f.name: getattr(value, f.name) for f in fields(value) if f.name not in _PROVENANCE}


_PROVENANCE = frozenset({"positions", "definition"})
