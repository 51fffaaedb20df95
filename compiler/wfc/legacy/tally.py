"""What an import amounts to, in figures: for the one-line summary `wfc import` prints and for the
tests and the issue's closing note, which quote the same numbers."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Tuple

from wfc.diagnostics.codes import IMPORT_UNKNOWN_AGENT
from wfc.legacy.records import PHASED

if TYPE_CHECKING:
    from wfc.legacy import ImportResult


@dataclass(frozen=True)
class Figures:
    shape: str
    phases: int
    steps: int
    agents: Tuple[str, ...]  # each step's agent in step order ("" for a step that names none)
    legacy_minutes: float
    makespan_minutes: float
    sequential_minutes: float
    arguments: Tuple[str, ...]
    parallel_groups: int
    dropped_lines: int
    unknown_agents: int

    @property
    def speedup(self) -> float:
        return round(self.sequential_minutes / self.makespan_minutes, 2) if self.makespan_minutes else 1.0


def figures(result: "ImportResult") -> Figures:
    command = result.command
    estimate = result.checked.plan.estimate if result.checked.plan else None
    return Figures(
        command.shape, len(command.phases) if command.shape == PHASED else 0, len(command.entries),
        tuple(entry.agent or command.frame.lead_agent for entry in command.entries), command.total_seconds / 60.0,
        estimate.makespan / 60.0 if estimate else 0.0, estimate.sequential / 60.0 if estimate else 0.0,
        tuple(argument.name for argument in command.arguments),
        sum(1 for phase in command.phases for unit in phase.units if len(unit.entries) > 1), len(command.dropped),
        sum(1 for d in result.warnings if d.code == IMPORT_UNKNOWN_AGENT.code))


def _plural(count: float, word: str) -> str:
    return f"{count:g} {word}{'' if count == 1 else 's'}"


def summary(result: "ImportResult") -> str:
    """`30 steps in 7 phases, 150 legacy minutes, makespan 150 min, ...`."""
    found = figures(result)
    where = f" in {_plural(found.phases, 'phase')}" if found.phases else f" ({found.shape})"
    legacy = f"{found.legacy_minutes:g} legacy minutes" if found.legacy_minutes else "no legacy time given"
    together = f", {_plural(found.parallel_groups, 'parallel group')}" if found.parallel_groups else ""
    warnings = len(result.warnings) + len(result.checked.diagnostics)
    return (f"{_plural(found.steps, 'step')}{where}, {legacy}, makespan {found.makespan_minutes:g} min{together}, "
            f"{_plural(len(found.arguments), 'argument')}, {_plural(found.dropped_lines, 'line')} dropped, "
            f"{_plural(warnings, 'warning')}")
