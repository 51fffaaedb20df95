"""`wfc runs` for people and for tools: the list of runs, one run's steps, one step's output.

Text is aligned columns, `-` where a figure is unknown (a shell step reports no cost); JSON has
the same figures unformatted (seconds, dollars, token counts, null where unknown), so a script
never parses the text.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Sequence, Tuple

from wfc.format.durations import format_duration
from wfc.format.figures import count, dollars, signed_percent
from wfc.report.history import RunRecord, StepRecord
from wfc.report.spending import USAGE_FIELDS, StepUsage
from wfc.report.run_logs import KeptAttempt

NUMERIC = {"steps", "sessions", "session", "duration", "cost", "attempts", "start", "estimate", "vs estimate", "tokens",
           "cache tokens"}


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> List[str]:
    """Columns two spaces apart, figures right-aligned, no trailing spaces."""
    widths = [max([len(header)] + [len(row[index]) for row in rows]) for index, header in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        parts = [cell.rjust(width) if header in NUMERIC else cell.ljust(width)
                 for header, cell, width in zip(headers, cells, widths)]
        return "  ".join(parts).rstrip()

    return [line(headers)] + [line(row) for row in rows]


def money(value: Optional[float]) -> str:
    return "-" if value is None else dollars(value)


def tokens(usage: StepUsage) -> str:
    """`12.3k/4.5k` (in/out), `-` when neither was reported."""
    return _pair(usage.tokens_in, usage.tokens_out)


def cache_tokens(usage: StepUsage) -> str:
    """`80.0k/1.2k`: the prompt cache's tokens (read from it/written to it), `-` when neither was reported."""
    return _pair(usage.tokens_cache_read, usage.tokens_cache_write)


def _pair(first: Optional[float], second: Optional[float]) -> str:
    if first is None and second is None:
        return "-"
    return "/".join("?" if value is None else count(value) for value in (first, second))


def seconds(value: Optional[float]) -> str:
    return "-" if value is None else format_duration(value)


def runs_text(runs: Sequence[RunRecord], where: str) -> str:
    if not runs:
        return f"no runs under {where} (`wfc run WORKFLOW` starts one)\n"
    headers = ("run", "workflow", "status", "steps", "sessions", "started (UTC)", "duration", "cost")
    rows = [(run.run_id, run.workflow, run.status, f"{run.done}/{len(run.steps)}", str(run.sessions),
             run.started or "-", seconds(run.duration), money(run.usage.cost_usd)) for run in runs]
    return "\n".join(table(headers, rows)) + "\n"


def run_text(run: RunRecord) -> str:
    sessions = f"{run.sessions} session{'s' if run.sessions != 1 else ''}"
    head = (f"run {run.run_id} of {run.workflow}: {run.status}, {run.done} of {len(run.steps)} steps done, "
            f"{sessions}, started {run.started or '-'} UTC, took {seconds(run.duration)}, "
            f"cost {money(run.usage.cost_usd)}, tokens {tokens(run.usage)}, cache tokens {cache_tokens(run.usage)}")
    headers = ["step", "status", "attempts", "start", "duration", "estimate", "vs estimate", "cost", "tokens",
               "cache tokens", "cache"]
    if run.sessions > 1:
        headers.insert(3, "session")
    rows = [_step_row(step, run.sessions > 1) for step in run.steps]
    errors = [f"  {step.step}: {_first_line(step.error)}" for step in run.steps if step.error]
    given = ", ".join(f"{name}={json.dumps(value, ensure_ascii=False)}" for name, value in sorted(run.args.items()))
    lines = [head, *([f"arguments: {given}"] if given else []), "", *table(headers, rows)]
    return "\n".join(lines + (["", "errors:", *errors] if errors else [])) + "\n"


def _step_row(step: StepRecord, sessions: bool) -> List[str]:
    row = [step.step, step.status, str(step.attempts) if step.attempts else "-",
           "-" if step.start is None else f"+{format_duration(step.start)}",
           seconds(step.duration), seconds(step.estimate), _versus(step),
           money(step.usage.cost_usd), tokens(step.usage), cache_tokens(step.usage),
           "hit" if step.status == "cached" else "-"]
    if sessions:
        row.insert(3, "-" if step.status == "pending" else str(step.session))
    return row


def _versus(step: StepRecord) -> str:
    if step.duration is None or not step.estimate:
        return "-"
    return signed_percent((step.duration - step.estimate) / step.estimate * 100)


def _first_line(text: str) -> str:
    lines = text.strip().splitlines() or [""]
    return lines[0] + (" …" if len(lines) > 1 else "")


def logs_text(run: RunRecord, step: StepRecord, attempts: Sequence[KeptAttempt]) -> str:
    """Each kept attempt: a header line, then its result (if it has one) or stdout, then stderr."""
    if not attempts:
        return _nothing_kept(run, step) + "\n"
    parts = [f"step {step.step} of run {run.run_id}: {step.status}, "
             f"{len(attempts)} attempt{'s' if len(attempts) != 1 else ''} kept"]
    for kept in attempts:
        parts.append(f"=== attempt {kept.number} ({'succeeded' if kept.ok else 'failed'})")
        for name in ("result" if "result" in kept.streams else "stdout", "stderr"):
            parts += _stream_text(kept, name)
    return "\n".join(parts) + "\n"


def _stream_text(kept: KeptAttempt, name: str) -> List[str]:
    stream = kept.stream(name)
    if stream is None:
        return []
    cut = f", {stream.cut:,} cut" if stream.cut else ""
    head = f"--- {name} ({stream.size:,} byte{'s' if stream.size != 1 else ''}{cut})"
    return [head, stream.text.rstrip("\n")] if stream.text else [head]


def _nothing_kept(run: RunRecord, step: StepRecord) -> str:
    why = {"cached": "it was a cache hit, so nothing ran", "skipped": "its `when` was false, so it did not run",
           "not run": "a step it needs failed, so it did not run", "pending": "it never started",
           "running": "its first attempt has not ended"}.get(step.status, "no attempt of it kept any")
    said = f"; its outputs: {json.dumps(dict(step.outputs), sort_keys=True)}" if step.outputs else ""
    return f"step {step.step} of run {run.run_id} has no output to show: {why}{said}"


def _usage_json(usage: StepUsage) -> Dict[str, Optional[float]]:
    return {name: getattr(usage, name) for name in USAGE_FIELDS}  # cost_usd, tokens_in, ... tokens_cache_write


def run_json(run: RunRecord, with_steps: bool) -> Dict[str, Any]:
    data: Dict[str, Any] = {"run_id": run.run_id, "workflow": run.workflow, "status": run.status,
                            "sessions": run.sessions, "started": run.started, "duration": run.duration,
                            "steps_done": run.done, "steps_total": len(run.steps), **_usage_json(run.usage),
                            "args": dict(run.args)}
    if with_steps:
        data["steps"] = [_step_json(step) for step in run.steps]
    return data


def _step_json(step: StepRecord) -> Dict[str, Any]:
    return {"step": step.step, "status": step.status, "attempts": step.attempts, "session": step.session,
            "start": step.start, "duration": step.duration, "estimate": step.estimate,
            "cache_hit": step.status == "cached", **_usage_json(step.usage), "error": step.error or None,
            "outputs": dict(step.outputs)}


def logs_json(run: RunRecord, step: StepRecord, attempts: Sequence[KeptAttempt]) -> Dict[str, Any]:
    return {"run_id": run.run_id, "step": step.step, "status": step.status,
            "attempts": [{"number": kept.number, "attempt": kept.attempt, "ok": kept.ok,
                          **{name: {"text": stream.text, "bytes": stream.size, "cut": stream.cut}
                             for name, stream in kept.streams.items()}} for kept in attempts]}


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def pruned_text(removed: Sequence[Tuple[str, str]], busy: Sequence[str], kept: int) -> str:
    lines = [f"removed run {run_id} ({status})" for run_id, status in removed]
    lines += [f"kept run {run_id}: it is still running" for run_id in busy]
    return "\n".join(lines + [f"kept {kept} run{'s' if kept != 1 else ''}, removed {len(removed)}"]) + "\n"
