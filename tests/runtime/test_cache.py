"""The context store: hits on an unchanged re-run, exact misses for changed arguments or files,
expired, corrupt and unreadable entries as misses with warnings."""
from __future__ import annotations

import json
from pathlib import Path
from typing import List

from runtime_support import Workspace

ON_BOTH_BACKENDS = True  # compensation and the cache are the client's, whatever runs the attempts

FLOW = """
    version: 1
    title: Cache
    description: d
    arguments:
      a: {description: a, default: "1"}
      b: {description: b, default: "1"}
    context:
      from_a: {description: x}
      from_b: {description: x}
      from_files: {description: x, ttl: 1h}
      joined: {description: x}
      fresh: {description: x}
    steps:
      use_a: {title: Use a, run: 'echo a={{ args.a }} >> marks/use_a; echo {{ args.a }}', outputs: [from_a]}
      use_b: {title: Use b, run: 'echo b >> marks/use_b; echo {{ args.b }}', outputs: [from_b]}
      read_files:
        title: Read files
        run: 'echo r >> marks/read_files; cat data/*.txt'
        files: ["data/*.txt"]
        outputs: [from_files]
      join:
        title: Join
        run: ['sh', '-c', 'echo j >> marks/join; echo "$0 $1"', '{{ context.from_a }}', '{{ context.from_files }}']
        inputs: [from_a, from_files]
        outputs: [joined]
      always: {title: Always, run: 'echo x >> marks/always; echo now', outputs: [fresh], cache: false}
      side_effect: {title: Side effect, run: 'echo s >> marks/side_effect'}
"""
CACHEABLE = ["join", "read_files", "use_a", "use_b"]


def setup(ws: Workspace):
    (ws.root / "data").mkdir()
    (ws.root / "data" / "one.txt").write_text("one\n")
    (ws.root / "data" / "two.txt").write_text("two\n")
    return ws.plan(FLOW)


def hits(ws: Workspace, result) -> List[str]:
    return sorted(step for _, step in ws.kinds(result, "step_cache_hit"))


def test_an_unchanged_rerun_hits_every_cacheable_step(ws: Workspace) -> None:
    plan = setup(ws)
    first = ws.run(plan)
    assert (first.cache_hits, first.cache_misses) == (0, 4)
    second = ws.run(plan)
    assert (second.cache_hits, second.cache_misses) == (4, 0)
    assert hits(ws, second) == CACHEABLE
    assert second.outputs == first.outputs
    assert second.outputs["joined"] == "1 one\ntwo"
    assert ws.markers() == {"always": 2, "join": 1, "read_files": 1, "side_effect": 2, "use_a": 1, "use_b": 1}


def test_changing_one_argument_misses_exactly_its_steps_and_their_dependents(ws: Workspace) -> None:
    plan = setup(ws)
    ws.run(plan)
    result = ws.run(plan, args={"a": "2"})
    assert hits(ws, result) == ["read_files", "use_b"]
    assert result.outputs["joined"] == "2 one\ntwo"


def test_changing_one_file_misses_exactly_its_steps_and_their_dependents(ws: Workspace) -> None:
    plan = setup(ws)
    ws.run(plan)
    (ws.root / "data" / "two.txt").write_text("TWO\n")
    result = ws.run(plan)
    assert hits(ws, result) == ["use_a", "use_b"]
    assert result.outputs["joined"] == "1 one\nTWO"


def entry(ws: Workspace, name: str) -> Path:
    (path,) = (ws.state / "cache" / name).glob("*.json")
    return path


def test_an_expired_entry_is_a_miss_with_a_warning(ws: Workspace) -> None:
    plan = setup(ws)
    ws.run(plan)
    path = entry(ws, "from_b")
    data = json.loads(path.read_text())
    data["stored_at"] -= 3601  # default ttl is 1h
    path.write_text(json.dumps(data))
    result = ws.run(plan)
    assert hits(ws, result) == ["join", "read_files", "use_a"]
    assert result.warnings == ("cache entry for `from_b` expired (3601s old, ttl 3600s); running the step",)


def test_corrupt_and_unreadable_entries_are_misses_not_crashes(ws: Workspace) -> None:
    plan = setup(ws)
    ws.run(plan)
    entry(ws, "from_a").write_text("{not json")
    unreadable = entry(ws, "from_b")
    unreadable.unlink()
    unreadable.mkdir()  # reading it fails with an OSError, even for root
    result = ws.run(plan)
    assert result.status == "succeeded"
    # join's key depends on its inputs' keys, not on where use_a's value came from: still a hit
    assert hits(ws, result) == ["join", "read_files"]
    assert sorted(result.warnings) == sorted([
        f"cache entry {entry(ws, 'from_a')} is corrupt (Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1)); running the step",
        f"cache entry {unreadable} is unreadable (Is a directory); running the step",
        f"could not cache `from_b` at {unreadable} (it is a directory, not a file wfc may write)"])


def test_no_cache_and_refresh(ws: Workspace) -> None:
    plan = setup(ws)
    first = ws.run(plan, no_cache=True)
    assert (first.cache_hits, first.cache_misses) == (0, 0)
    assert not (ws.state / "cache").exists()
    ws.run(plan)
    refreshed = ws.run(plan, refresh=True)
    assert hits(ws, refreshed) == []
    assert ws.markers()["use_a"] == 3
    assert hits(ws, ws.run(plan)) == CACHEABLE
