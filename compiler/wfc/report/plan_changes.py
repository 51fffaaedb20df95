"""What a change does to plans: per workflow, the steps added, removed and changed, and the change
to the critical path and the headline figures, as text, markdown (a pull request comment) and JSON.

It compares plan locks (`generated/NAME.plan.json`, format 2) as parsed JSON, so it needs no model:
either side may come from a file in git or from a compile in memory.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from wfc.format.durations import format_duration
from wfc.format.figures import ratio

Lock = Mapping[str, Any]
MARKER = "<!-- wfc plan diff -->"  # lets a CI job find and update its own pull request comment

# (key in the lock's `estimate`, label, how a value prints)
FIGURES: Tuple[Tuple[str, str, str], ...] = (
    ("critical_path", "critical path", "duration"),
    ("makespan", "makespan", "duration"),
    ("lower_bound", "lower bound", "duration"),
    ("speedup", "speedup", "ratio"),
    ("warm_makespan", "warm re-run", "duration"),
    ("worst_case", "worst case", "duration"),
)


@dataclass(frozen=True)
class FieldChange:
    key: str
    before: Any
    after: Any


@dataclass(frozen=True)
class StepChange:
    step: str
    fields: Tuple[FieldChange, ...]


@dataclass(frozen=True)
class FigureChange:
    key: str
    label: str
    kind: str
    before: Optional[float]
    after: Optional[float]

    @property
    def change(self) -> Optional[float]:
        return None if self.before is None or self.after is None else round(self.after - self.before, 6)


@dataclass(frozen=True)
class WorkflowChange:
    """One workflow's change; `status` is added, removed, changed or unchanged."""

    name: str
    status: str
    added: Tuple[str, ...] = ()
    removed: Tuple[str, ...] = ()
    changed: Tuple[StepChange, ...] = ()
    path_before: Tuple[str, ...] = ()
    path_after: Tuple[str, ...] = ()
    figures: Tuple[FigureChange, ...] = ()


def compare(name: str, before: Optional[Lock], after: Optional[Lock]) -> WorkflowChange:
    """The change from `before` to `after` (None: the workflow does not exist on that side)."""
    old_steps, new_steps = _steps(before), _steps(after)
    added = tuple(step for step in new_steps if step not in old_steps)
    removed = tuple(step for step in old_steps if step not in new_steps)
    changed = tuple(StepChange(step, fields) for step in new_steps if step in old_steps
                    for fields in [_field_changes(old_steps[step], new_steps[step])] if fields)
    figures = tuple(FigureChange(key, label, kind, _figure(before, key), _figure(after, key))
                    for key, label, kind in FIGURES)
    path_before, path_after = _path(before), _path(after)
    if before is None or after is None:
        status = "added" if before is None else "removed"
    else:
        moved = added or removed or changed or path_before != path_after or _rest(before) != _rest(after)
        status = "changed" if moved or any(f.before != f.after for f in figures) else "unchanged"
    return WorkflowChange(name, status, added, removed, changed, path_before, path_after, figures)


def _steps(lock: Optional[Lock]) -> Dict[str, Any]:
    return dict(lock["workflow"]["steps"]) if lock is not None else {}


def _rest(lock: Lock) -> Any:
    """The workflow less its steps: a changed argument, context entry or default is a change too."""
    return {key: value for key, value in lock["workflow"].items() if key != "steps"}


def _figure(lock: Optional[Lock], key: str) -> Optional[float]:
    value = lock["estimate"].get(key) if lock is not None else None
    return float(value) if isinstance(value, (int, float)) else None


def _path(lock: Optional[Lock]) -> Tuple[str, ...]:
    return tuple(lock["critical_path"]["steps"]) if lock is not None else ()


def _field_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> Tuple[FieldChange, ...]:
    keys = list(old) + [key for key in new if key not in old]
    return tuple(FieldChange(key, old.get(key), new.get(key)) for key in keys if old.get(key) != new.get(key))


# -- text and markdown ---------------------------------------------------------------------------

def _value(value: Any) -> str:
    """A step field as a reviewer reads it; long text is only said to have changed."""
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, str):
        return value if len(value) <= 40 and "\n" not in value else "(text)"
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def field_text(field: FieldChange) -> str:
    if isinstance(field.before, str) and isinstance(field.after, str) and _value(field.before) == "(text)":
        return f"{field.key} edited"
    return f"{field.key} {_value(field.before)} -> {_value(field.after)}"


def figure_value(kind: str, value: Optional[float]) -> str:
    if value is None:
        return "-"
    return format_duration(value) if kind == "duration" else ratio(value)


def figure_change(figure: FigureChange) -> str:
    change = figure.change
    if change is None or change == 0:
        return "-" if change is None else "0"
    sign = "+" if change > 0 else "-"
    return sign + (format_duration(abs(change)) if figure.kind == "duration" else ratio(abs(change)))


def _path_text(steps: Sequence[str]) -> str:
    return " -> ".join(steps) if steps else "(none)"


def _step_lines(change: WorkflowChange) -> List[str]:
    lines = [f"  steps added: {', '.join(change.added)}" if change.added else "",
             f"  steps removed: {', '.join(change.removed)}" if change.removed else ""]
    lines += [f"  step {item.step}: " + "; ".join(field_text(field) for field in item.fields)
              for item in change.changed]
    return [line for line in lines if line]


def render_text(changes: Sequence[WorkflowChange], base: str) -> str:
    shown = [change for change in changes if change.status != "unchanged"]
    if not shown:
        return f"no plan changes against {base} ({_count(len(changes))} compared)\n"
    lines: List[str] = []
    for change in shown:
        lines += [f"{change.name}: {change.status}", *_step_lines(change)]
        if change.path_before != change.path_after:
            lines.append(f"  critical path: {_path_text(change.path_before)}  =>  {_path_text(change.path_after)}")
        width = max(len(figure.label) for figure in change.figures)
        lines += [f"  {figure.label:<{width}}  {figure_value(figure.kind, figure.before):>7} -> "
                  f"{figure_value(figure.kind, figure.after):<7} {figure_change(figure)}" for figure in change.figures]
        lines.append("")
    unchanged = len(changes) - len(shown)
    lines.append(f"{_count(len(shown))} changed, {unchanged} unchanged against {base}")
    return "\n".join(lines) + "\n"


def _count(number: int) -> str:
    return f"{number} workflow{'' if number == 1 else 's'}"


def _markdown_steps(change: WorkflowChange) -> List[str]:
    lines = [f"- steps added: {', '.join(f'`{step}`' for step in change.added)}" if change.added else "",
             f"- steps removed: {', '.join(f'`{step}`' for step in change.removed)}" if change.removed else ""]
    lines += [f"- `{item.step}`: " + "; ".join(_code(field_text(field)) for field in item.fields)
              for item in change.changed]
    if change.path_before != change.path_after:
        lines.append(f"- critical path: {_code(_path_text(change.path_before))} → "
                     f"{_code(_path_text(change.path_after))}")
    return [line for line in lines if line]


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def render_markdown(changes: Sequence[WorkflowChange], base: str) -> str:
    shown = [change for change in changes if change.status != "unchanged"]
    lines = [MARKER, f"### Plan changes against `{base}`", ""]
    if not shown:
        return "\n".join(lines + [f"No plan changes ({_count(len(changes))} compared).", ""])
    for change in shown:
        lines += [f"#### `{change.name}` ({change.status})", "", *_markdown_steps(change), "",
                  "| figure | before | after | change |", "| --- | ---: | ---: | ---: |"]
        lines += [f"| {figure.label} | {figure_value(figure.kind, figure.before)} | "
                  f"{figure_value(figure.kind, figure.after)} | {figure_change(figure)} |" for figure in change.figures]
        lines.append("")
    lines.append(f"{_count(len(shown))} changed, {len(changes) - len(shown)} unchanged. Figures are estimates "
                 "from the steps' `estimate`s (wfc diff).")
    return "\n".join(lines) + "\n"


def render_json(changes: Sequence[WorkflowChange], base: str) -> str:
    workflows = [{
        "name": change.name, "status": change.status,
        "steps": {"added": list(change.added), "removed": list(change.removed),
                  "changed": {item.step: {field.key: {"before": field.before, "after": field.after}
                                          for field in item.fields} for item in change.changed}},
        "critical_path": {"before": list(change.path_before), "after": list(change.path_after)},
        "figures": {figure.key: {"before": figure.before, "after": figure.after, "change": figure.change}
                    for figure in change.figures},
    } for change in changes]
    return json.dumps({"base": base, "workflows": workflows}, indent=2, ensure_ascii=False) + "\n"


RENDERERS: Dict[str, Callable[[Sequence[WorkflowChange], str], str]] = {
    "text": render_text, "markdown": render_markdown, "json": render_json}
