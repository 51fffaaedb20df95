"""Corrupt state is a warning and a miss, never a crash: cache entries that are torn, not UTF-8,
not JSON, another entry's, changed behind wfc's back or stamped with a timestamp that is not a
number; journal lines that are torn, not UTF-8 or not events. A torn last journal line is cut
before a resume appends to it."""
from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Callable, Dict

import pytest

from runtime_support import Workspace

ON_BOTH_BACKENDS = True  # each `ws` test runs on threads and on an in-process Dask cluster

FLOW = """
    version: 1
    title: State
    description: d
    context:
      word: {description: w}
      other: {description: o}
    steps:
      make: {title: Make, run: 'echo x >> marks/make; echo hello', outputs: [word]}
      more: {title: More, run: 'echo x >> marks/more; echo world', outputs: [other]}
"""


def entry_of(ws: Workspace, name: str) -> Path:
    (path,) = (ws.state / "cache" / name).glob("*.json")
    return path


def rewrite(field: str, value: str) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        entry = json.loads(data)
        text = json.dumps({**entry, field: "PLACEHOLDER"}, sort_keys=True)
        return text.replace('"PLACEHOLDER"', value).encode()
    return change


CORRUPTIONS: Dict[str, Callable[[bytes], bytes]] = {
    "truncated": lambda data: data[: data.index(b'"hello"') + 3],  # within a string, whatever the timestamp's digits
    "not UTF-8": lambda data: data.replace(b"hello", b"hel\xfflo"),
    "a JSON list": lambda data: b"[1, 2]",
    "nested too deeply": lambda data: b"[" * 100_000 + b"]" * 100_000,
    "value changed": lambda data: data.replace(b'"hello"', b'"HELLO"'),
    "no checksum": lambda data: json.dumps({k: v for k, v in json.loads(data).items() if k != "sha256"}).encode(),
    "NaN timestamp": rewrite("stored_at", "NaN"),
    "infinite timestamp": rewrite("stored_at", "Infinity"),
    "text timestamp": rewrite("stored_at", '"soon"'),
}


def expected_warning(kind: str, path: Path) -> str:
    reasons = {
        "truncated": "Unterminated string starting at: line 1 column",
        "not UTF-8": "byte 0xff at offset",
        "a JSON list": "not a JSON object",
        "nested too deeply": "nested too deeply",
        "value changed": "its value does not match its checksum",
        "no checksum": "no `sha256` field",
        "text timestamp": "could not convert string to float: 'soon'",
    }
    if kind in ("NaN timestamp", "infinite timestamp"):
        stamp = "nan" if kind == "NaN timestamp" else "inf"
        return f"cache entry for `word` expired (stored at {stamp}, ttl 3600s); running the step"
    return f"cache entry {path} is corrupt ({reasons[kind]}"


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_a_corrupt_cache_entry_is_a_warning_and_a_miss(ws: Workspace, kind: str) -> None:
    plan = ws.plan(FLOW)
    assert ws.run(plan).status == "succeeded"
    path = entry_of(ws, "word")
    path.write_bytes(CORRUPTIONS[kind](path.read_bytes()))
    result = ws.run(plan)
    assert result.status == "succeeded"
    assert result.outputs == {"word": "hello", "other": "world"}
    assert ws.markers() == {"make": 2, "more": 1}  # a miss for the corrupt entry only
    (warning,) = result.warnings
    assert warning.startswith(expected_warning(kind, path)) and warning.endswith("running the step"), warning
    again = ws.run(plan)  # the miss rewrote the entry: the next run hits
    assert (again.cache_hits, again.warnings, ws.markers()) == (2, (), {"make": 2, "more": 1})


def test_an_entry_of_another_wfc_format_is_a_quiet_miss(ws: Workspace) -> None:
    plan = ws.plan(FLOW)
    ws.run(plan)
    path = entry_of(ws, "word")
    path.write_text(json.dumps({**json.loads(path.read_text()), "format": 1}))
    result = ws.run(plan)
    assert (result.cache_hits, result.warnings, ws.markers()) == (1, (), {"make": 2, "more": 1})


def test_a_foreign_entry_under_this_key_is_a_warning_and_a_miss(ws: Workspace) -> None:
    plan = ws.plan(FLOW)
    ws.run(plan)
    word, other = entry_of(ws, "word"), entry_of(ws, "other")
    word.write_bytes(other.read_bytes())
    result = ws.run(plan)
    assert result.outputs["word"] == "hello"
    assert result.warnings == (f"cache entry {word} is corrupt (an entry for `other` under another key); "
                               "running the step",)


RESUMABLE = """
    version: 1
    title: Journal
    description: d
    max_parallel: 1
    steps:
      one: {title: One, run: 'echo x >> marks/one'}
      two: {title: Two, run: 'echo x >> marks/two', needs: [one]}
      three: {title: Three, run: 'echo x >> marks/three; test -f fixed', needs: [two]}
"""


def journal_lines(ws: Workspace) -> list:
    (journal,) = (ws.state / "runs").glob("*/journal.jsonl")
    return journal.read_bytes().split(b"\n")


def finished_line(lines: list, step: str) -> int:
    wanted = f'"step": "{step}"'.encode()
    return next(index for index, line in enumerate(lines) if b'"step_finished"' in line and wanted in line)


@pytest.mark.parametrize("damage, reason", [
    (lambda line: line[:10] + b"\xff" + line[10:], "not a JSON event (byte 0xff at column 11 is not UTF-8)"),
    (lambda line: b"[" + line + b"]", "not a JSON object"),
    (lambda line: line[:-5], "not a JSON event (Expecting ',' delimiter)"),
], ids=["not UTF-8", "not an object", "cut short"])
def test_a_damaged_journal_line_is_a_warning_and_its_step_runs_again(ws: Workspace, damage, reason: str) -> None:
    plan = ws.plan(RESUMABLE)
    failed = ws.run(plan)
    assert failed.status == "failed"
    lines = journal_lines(ws)
    index = finished_line(lines, "two")
    lines[index] = damage(lines[index])
    journal = ws.state / "runs" / failed.run_id / "journal.jsonl"
    journal.write_bytes(b"\n".join(lines))
    (ws.root / "fixed").touch()
    resumed = ws.run(plan, resume="")
    assert resumed.status == "succeeded"
    assert ws.markers() == {"one": 1, "two": 2, "three": 2}
    assert resumed.notes[0] == f"warning: {journal}:{index + 1}: {reason}; skipped"


def test_a_torn_last_line_is_cut_before_resume_appends(ws: Workspace) -> None:
    plan = ws.plan(RESUMABLE)
    failed = ws.run(plan)
    journal = ws.state / "runs" / failed.run_id / "journal.jsonl"
    lines = journal.read_bytes().split(b"\n")[:-1]  # the last element is the empty tail
    torn = lines[-1][: len(lines[-1]) // 2]
    journal.write_bytes(b"\n".join(lines[:-1] + [torn]))  # the run_finished event, cut by a kill
    (ws.root / "fixed").touch()
    resumed = ws.run(plan, resume="")
    assert resumed.status == "succeeded"
    assert resumed.notes[0].startswith(f"warning: {journal}:{len(lines)}: a torn last line (")
    data = journal.read_bytes()
    assert data.endswith(b"\n")
    events = [json.loads(line) for line in data.decode().splitlines()]  # every line is whole again
    kinds = [event["event"] for event in events]
    assert (kinds.count("run_started"), kinds.count("run_finished")) == (2, 1)  # the torn one is gone
    assert ws.markers() == {"one": 1, "two": 1, "three": 2}


class FullDisk:
    """The journal module's `os`, with a disk that fills up after `room` writes."""

    def __init__(self, room: int) -> None:
        self.room = room

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)

    def write(self, fd: int, data: bytes) -> int:
        self.room -= 1
        if self.room < 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return os.write(fd, data)


@pytest.mark.threads_only
def test_a_full_disk_stops_the_journal_not_the_run(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    import wfc.runtime.journal as journal_module

    plan = ws.plan(RESUMABLE)
    (ws.root / "fixed").touch()
    monkeypatch.setattr(journal_module, "os", FullDisk(room=4))  # run_started; one's start, process, finish
    result = ws.run(plan)
    monkeypatch.setattr(journal_module, "os", os)  # the disk has room again
    assert result.status == "succeeded"
    journal = ws.state / "runs" / result.run_id / "journal.jsonl"
    assert result.warnings == (f"the journal {journal} stopped being written (No space left on device): "
                               "a --resume of this run runs again what it did not record",)
    recorded = [e["step"] for e in json_lines(journal) if e["event"] == "step_finished"]
    resumed = ws.run(plan, resume="")
    assert resumed.status == "succeeded" and resumed.warnings == ()
    assert ws.markers() == {step: 1 if step in recorded else 2 for step in ("one", "two", "three")}
    assert recorded == ["one"]


def json_lines(path: Path) -> list:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.threads_only
def test_a_full_disk_stops_the_steps_output_not_the_run(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    import wfc.runtime.step_logs as step_logs_module

    plan = ws.plan(RESUMABLE)
    (ws.root / "fixed").touch()
    monkeypatch.setattr(step_logs_module, "os", FullDisk(room=1))  # room for the first step's record
    result = ws.run(plan)
    monkeypatch.setattr(step_logs_module, "os", os)
    assert result.status == "succeeded"
    log = ws.state / "runs" / result.run_id / step_logs_module.LOG_FILE
    assert result.warnings == (f"the steps' output stopped being kept in {log} (No space left on device): "
                               "`wfc runs logs` shows what was kept before",)
    assert [record.step for record in step_logs_module.read_log(log.parent)] == ["one"]
