"""Compensation of fan-outs: each instance that did its work is undone on its own, the last
finished first, with its own `item`, `index` and id (`STEP[ITEM]`, `STEP[INDEX]`), as the Workflow
script's saga does; a dynamic fan-out's instances included, and those a resumed run found done."""
from __future__ import annotations

import pickle
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from runtime_support import PYTHON, Workspace
from test_fan_out import listed
from wfc.runtime.journal import past_run, read_events

ON_BOTH_BACKENDS = True  # compensation is the client's, whatever runs the attempts

RUNNER = str(Path(__file__).resolve().parent / "runner.py")
ITEMS = ["api", "web", "two words", "db", "queue"]
IDS = ["review[api]", "review[web]", "review[2]", "review[db]", "review[queue]"]

DYNAMIC = """\
version: 1
title: Undo each
description: List the modules, review each, then ship; a failed ship undoes every review.
context: {{modules: {{description: The modules}}, notes: {{description: A review}}}}
steps:
  list: {{title: List, run: "printf '%s' '{listed}'", outputs: [modules], compensate: {{run: echo list >> marks/undo}}}}
  review:
    title: Review {{{{ item }}}}
    for_each: context.modules
    max_parallel: {width}
    run: "echo {{{{ item }}}} >> marks/reviewed; printf '%s' {{{{ index }}}}"
    outputs: [notes]
    compensate: {{run: "{undo}"}}
  ship: {{title: Ship, inputs: [notes], run: "{ship}"}}
"""
UNDO = "echo {{ index }}:{{ item }}:{{ step.id }} >> marks/undo"
FAIL = "echo refused >&2; exit 3"


def dynamic(width: int = 1, undo: str = UNDO, ship: str = FAIL) -> str:
    return DYNAMIC.format(listed=listed(ITEMS), width=width, undo=undo, ship=ship)


def compensations(events: List[Dict[str, Any]]) -> List[Tuple[str, str]]:
    return [(e["event"], e["step"]) for e in events
            if e["event"] in ("compensation_started", "step_compensated", "compensation_failed")]


def undone(ws: Workspace) -> List[str]:
    return (ws.root / "marks" / "undo").read_text().splitlines()


def undone_in_order(ids: List[str]) -> List[Tuple[str, str]]:
    return [pair for step in ids for pair in (("compensation_started", step), ("step_compensated", step))]


def test_each_instance_of_a_dynamic_fan_out_is_undone_with_its_own_item_the_last_finished_first(
        ws: Workspace) -> None:
    result = ws.run(ws.plan(dynamic()))
    assert (result.status, result.outcomes["ship"].error) == ("failed", "command exited with status 3: refused")
    events = ws.events(result)
    assert [e["step"] for e in events if e["event"] == "instance_finished"] == IDS  # one at a time, in item order
    assert compensations(events) == undone_in_order([*reversed(IDS), "list"])
    assert undone(ws) == ["4:queue:review[queue]", "3:db:review[db]", "2:two words:review[2]", "1:web:review[web]",
                          "0:api:review[api]", "list"]


def test_instances_run_together_are_undone_in_the_reverse_of_the_order_the_journal_has_them_finish(
        ws: Workspace) -> None:
    result = ws.run(ws.plan(dynamic(width=3, undo="echo {{ step.id }} >> marks/undo")))
    events = ws.events(result)
    finished = [e["step"] for e in events if e["event"] == "instance_finished"]
    assert sorted(finished) == sorted(IDS)
    assert compensations(events) == undone_in_order([*reversed(finished), "list"])
    assert undone(ws) == [*reversed(finished), "list"]


def test_a_failing_compensation_of_one_instance_does_not_stop_the_others(ws: Workspace) -> None:
    result = ws.run(ws.plan(dynamic(undo=UNDO + "; test {{ item }} != web")))
    assert compensations(ws.events(result)) == [
        *undone_in_order(["review[queue]", "review[db]", "review[2]"]),
        ("compensation_started", "review[web]"), ("compensation_failed", "review[web]"),
        *undone_in_order(["review[api]", "list"])]
    (failure,) = [e for e in ws.events(result) if e["event"] == "compensation_failed"]
    assert failure["error"] == "command exited with status 1: (no output)"
    assert len(undone(ws)) == 6


def test_instances_of_a_fan_out_that_failed_as_a_whole_are_undone_too(ws: Workspace) -> None:
    """As in the Workflow script: what an instance did stays done when a sibling fails."""
    text = dynamic().replace("echo {{ item }} >> marks/reviewed;", "test {{ item }} != db &&")
    result = ws.run(ws.plan(text))
    assert result.outcomes["review"].status == "failed"
    assert compensations(ws.events(result)) == undone_in_order(
        ["review[queue]", "review[2]", "review[web]", "review[api]", "list"])


def test_the_progress_lines_name_each_instance_undone(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    ws.run(ws.plan(dynamic()), progress="plain")
    lines = [re.sub(r"^\[\d/3\] +\d+\.\d\ds ", "", line) for line in capsys.readouterr().err.splitlines()]
    assert [line for line in lines if line.startswith("compensated")] == [
        f"compensated {step}" for step in [*reversed(IDS), "list"]]


STATIC = """\
version: 1
title: Static
description: d
max_parallel: 1
steps:
  review:
    title: Review {{ item }}
    for_each: [api, two words, db]
    run: "echo {{ item }} >> marks/reviewed"
    compensate: {run: "echo {{ index }}:{{ item }}:{{ step.id }} >> marks/undo"}
  ship: {title: Ship, needs: [review], run: "exit 3"}
"""


def test_each_instance_of_a_static_fan_out_is_undone_with_its_own_item(ws: Workspace) -> None:
    result = ws.run(ws.plan(STATIC))
    assert result.status == "failed"
    finished = [step for _, step in ws.kinds(result, "step_finished")]
    assert finished == ["review[1]", "review[api]", "review[db]"]  # one at a time, in the ready queue's id order
    assert compensations(ws.events(result)) == undone_in_order(["review[db]", "review[api]", "review[1]"])
    assert undone(ws) == ["2:db:review[db]", "0:api:review[api]", "1:two words:review[1]"]


# -- resumed runs: the journal carries each instance's item, and its compensation ------------------

def start(ws: Workspace, plan: object) -> "subprocess.Popen[str]":
    pickled = ws.root / "plan.pickle"
    pickled.write_bytes(pickle.dumps(plan))
    backend = [f"--{name}={value}" for name, value in ws.backend.items()]
    return subprocess.Popen([PYTHON, RUNNER, str(pickled), "--progress", "none", *backend], cwd=ws.root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def kill_when(ws: Workspace, process: "subprocess.Popen[str]", mark: str) -> None:
    while not (ws.root / "marks" / mark).exists():
        assert process.poll() is None, process.communicate()
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.communicate()


def test_a_resumed_run_that_fails_undoes_the_instances_the_earlier_session_finished(ws: Workspace) -> None:
    plan = ws.plan(dynamic(ship="test -e marks/shipping && exit 3; touch marks/shipping; sleep 30"))
    kill_when(ws, start(ws, plan), "shipping")  # killed while shipping: nothing was undone
    resumed = ws.run(plan, resume="")
    assert (resumed.status, resumed.outcomes["review"].status) == ("failed", "resumed")
    assert len((ws.root / "marks" / "reviewed").read_text().splitlines()) == 5  # no instance ran again
    assert compensations(ws.events(resumed)) == undone_in_order([*reversed(IDS), "list"])
    assert undone(ws) == ["4:queue:review[queue]", "3:db:review[db]", "2:two words:review[2]", "1:web:review[web]",
                          "0:api:review[api]", "list"]


def test_an_instance_undone_before_a_kill_is_not_undone_again_for_the_same_work(ws: Workspace) -> None:
    """Killed while undoing `review[db]`: its fan-out is no longer done, so the resumed run does it
    again (uncached: a cache hit would run nothing), then undoes each instance once, those the first
    session never undid included."""
    stall = "test {{ item }} = db && ! test -e marks/stalled && touch marks/stalled && sleep 30; true"
    plan = ws.plan(dynamic(undo=f"{UNDO}; {stall}").replace("    max_parallel:", "    cache: false\n    max_parallel:"))
    kill_when(ws, start(ws, plan), "stalled")
    first = read_events(next((ws.state / "runs").iterdir()) / "journal.jsonl")
    assert compensations(first) == [*undone_in_order(["review[queue]"]), ("compensation_started", "review[db]")]
    resumed = ws.run(plan, resume="")
    assert (resumed.status, resumed.outcomes["review"].status) == ("failed", "finished")
    again = ws.events(resumed)[len(first):]
    assert compensations(again) == undone_in_order([*reversed(IDS), "list"])
    assert undone(ws)[2:] == ["4:queue:review[queue]", "3:db:review[db]", "2:two words:review[2]",
                              "1:web:review[web]", "0:api:review[api]", "list"]


def test_the_journal_gives_each_instance_once_in_its_last_order_of_completion() -> None:
    def finished(step: str, index: int) -> Dict[str, Any]:
        return {"event": "instance_finished", "step": step, "map": "review", "index": index, "item": step[7:-1]}

    events = [{"event": "run_started", "workflow": "flow"}, {"event": "step_finished", "step": "list"},
              {"event": "map_expanded", "step": "review"}, finished("review[a]", 0), finished("review[b]", 1),
              {"event": "step_finished", "step": "review"}, {"event": "compensation_started", "step": "review[b]"},
              finished("review[b]", 1), finished("review[a]", 0), {"event": "step_finished", "step": "review"}]
    past = past_run("r", events)
    assert past.completed == ("list", "review[b]", "review[a]")
    assert (past.instances["review[a]"].item, past.instances["review[a]"].index) == ("a", 0)
    assert past_run("r", events[:7]).completed == ("list", "review[a]")
    assert "review" not in past_run("r", events[:7]).done  # an undone instance undoes its fan-out
