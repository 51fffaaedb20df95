"""The live block's cost so far: every attempt paid for, failed ones too, counted once."""
from __future__ import annotations

import io
from typing import Any, Dict, List

from runtime_support import Workspace
from wfc.runtime.progress import LiveProgress

FLOW = """
    version: 1
    title: Costs
    description: d
    steps:
      a: {title: A, prompt: p, estimate: 1m}
      b: {title: B, prompt: p, estimate: 1m}
"""


def cost_after(ws: Workspace, records: List[Dict[str, Any]]) -> str:
    display = LiveProgress(ws.plan(FLOW), io.StringIO())
    try:
        for record in [{"event": "run_started", "t": 0.0}, *records]:
            display(record)
        return display.lines(display.began, 80, 24)[0][0].split(" · ")[2]
    finally:
        display.close()


def test_each_steps_total_counts_failed_steps_too(ws: Workspace) -> None:
    assert cost_after(ws, [{"event": "step_started", "step": "a", "t": 0}, {"event": "step_finished", "step": "a",
                           "t": 1, "cost_usd": 0.25}, {"event": "step_started", "step": "b", "t": 1},
                           {"event": "step_failed", "step": "b", "t": 2, "cost_usd": 1.5}]) == "$1.75"


def test_agent_attempts_count_once_where_the_runtime_journals_them(ws: Workspace) -> None:
    assert cost_after(ws, [{"event": "step_started", "step": "a", "t": 0},
                           {"event": "agent_attempt", "step": "a", "t": 1, "cost_usd": 0.5},
                           {"event": "step_retried", "step": "a", "t": 1, "attempt": 2},
                           {"event": "agent_attempt", "step": "a", "t": 2, "cost_usd": 0.75},
                           {"event": "step_finished", "step": "a", "t": 2, "cost_usd": 1.25}]) == "$1.25"
