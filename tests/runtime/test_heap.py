"""A run sets the objects that outlive it aside from the cyclic collector, and only for the run."""
from __future__ import annotations

import gc

from runtime_support import Workspace

FLOW = """
    version: 1
    title: Heap
    description: d
    steps:
      a: {title: A, run: "true"}
      b: {title: B, run: "true", needs: [a]}
"""


class FreezeProbe:
    """Records the collector's freeze count while a step runs (run by the Python executor)."""

    seen: list = []


def probe(inputs: object = None, args: object = None) -> None:
    FreezeProbe.seen.append(gc.get_freeze_count())


def test_the_heap_is_frozen_during_the_run_and_thawed_after(ws: Workspace) -> None:
    FreezeProbe.seen.clear()
    plan = ws.plan(FLOW.replace('run: "true", needs', f'call: "{__name__}:probe", needs'))
    assert gc.get_freeze_count() == 0
    result = ws.run(plan)
    assert result.status == "succeeded", result.outcomes
    assert len(FreezeProbe.seen) == 1 and FreezeProbe.seen[0] > 0
    assert gc.get_freeze_count() == 0


def test_a_heap_the_caller_froze_stays_frozen(ws: Workspace) -> None:
    plan = ws.plan(FLOW)
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert ws.run(plan).status == "succeeded"
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()
