"""What the importer reads out of a command, before any of it becomes YAML.

Frozen and plain: the readers build these, `steps` turns them into workflow data, the report
counts them. Every item keeps the line it came from, so each figure can be traced to the text.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Tuple

from wfc.diagnostics import Diagnostic
from wfc.model import Docs  # the workflow's own docs fields: what a command's sections become

__all__ = ["Argument", "Docs", "ENTRIES", "Entry", "Frame", "LegacyCommand", "PHASED", "Phase", "SINGLE", "Unit"]

PHASED = "phased"  # phases, each a list of agent entries or one piece of work
ENTRIES = "entries"  # agent entries with no phases around them
SINGLE = "single-prompt"  # one prompt, no agents: the whole body is the work


@dataclass(frozen=True)
class Entry:
    """One piece of work: an agent entry, or a phase that names no agent."""

    agent: str  # "" when the text names none
    title: str  # one line, from the entry's own words
    text: str  # the entry's markdown, as the prompt's body
    line: int
    id_hint: str = ""  # a short title to name the step by ("Agent File Creation"), if the entry has one
    agent_led: bool = False  # the entry starts with its agent (`**agent** - ...`): the agent names the step
    seconds: Optional[float] = None  # the entry's own time, where it gives one
    outputs: Tuple[Tuple[str, str], ...] = ()  # declared context names and what they hold
    inputs: Tuple[str, ...] = ()  # context names it says it reads
    condition: str = ""  # the words that make it conditional, e.g. "(if applicable)"
    repeats: str = ""  # the words that repeat it over a list, e.g. "for each service"


@dataclass(frozen=True)
class Unit:
    """Entries that run one after another (one entry), or together (declared parallel)."""

    entries: Tuple[Entry, ...]
    parallel_line: int = 0  # where the text said they run together; 0 for a single entry


@dataclass(frozen=True)
class Phase:
    label: str  # "Phase 1: Evidence Collection"
    line: int
    time_text: str  # the words that gave its time, "" when none
    seconds: Optional[float]  # how long the text says it takes
    units: Tuple[Unit, ...]
    notes: str = ""  # the phase's own lines that are not entries (objective, deliverables, ...)

    @property
    def entries(self) -> Tuple[Entry, ...]:
        return tuple(entry for unit in self.units for entry in unit.entries)


@dataclass(frozen=True)
class Argument:
    """One input of the command, as a workflow argument."""

    name: str
    description: str
    type: str = "string"
    required: bool = False
    default: Any = None
    enum: Tuple[Any, ...] = ()
    flag: str = ""  # `--scope` for an option, "" for a positional or free-text argument
    line: int = 0  # where the text declared it


@dataclass(frozen=True)
class Frame:
    """The command's own fields: what it is called and says, and what Claude Code gave it."""

    source: str
    stem: str  # the command's name: `/stem`
    title: str
    description: str
    model: str = ""
    tools: Tuple[str, ...] = ()
    lead_agent: str = ""  # the agent the text puts in charge ("use the X agent to coordinate")
    lead_line: int = 0
    stated_seconds: Optional[float] = None  # the command's own claim of its total time
    stated_text: str = ""
    stated_line: int = 0
    named: Tuple[str, ...] = ()  # frontmatter `arguments:`, the words `$name` stands for
    intro: str = ""  # what the text says above its first section, for every step


@dataclass(frozen=True)
class LegacyCommand:
    frame: Frame
    shape: str  # PHASED, ENTRIES or SINGLE
    phases: Tuple[Phase, ...]
    arguments: Tuple[Argument, ...]
    docs: Docs
    dropped: Tuple[int, ...]  # every line of the file that went nowhere
    warnings: Tuple[Diagnostic, ...]

    @property
    def entries(self) -> Tuple[Entry, ...]:
        return tuple(entry for phase in self.phases for entry in phase.entries)

    @property
    def total_seconds(self) -> float:
        """The legacy total: the sum of the phases' times (one prompt's is the command's own claim)."""
        return sum(phase.seconds or 0.0 for phase in self.phases)
