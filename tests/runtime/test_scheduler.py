"""Scheduling: dependency-driven starts, the plan's priority policy, caps and capacities."""
from __future__ import annotations

import sys
from typing import Any, List

from runtime_support import Workspace, intervals

ON_BOTH_BACKENDS = True  # each `ws` test runs on threads and on an in-process Dask cluster


def overlap_peak(events: List[dict], steps: List[str]) -> int:
    """The most of `steps` running at once, from journal order (start/end events)."""
    running = peak = 0
    for event in events:
        if event.get("step") not in steps:
            continue
        if event["event"] == "step_started":
            running += 1
            peak = max(peak, running)
        elif event["event"] in ("step_finished", "step_failed"):
            running -= 1
    return peak


def test_a_fast_chain_runs_past_a_slow_step(ws: Workspace) -> None:
    # The slow step waits until the chain's last step has run: a scheduler with level barriers
    # would hold c2 and c3 back behind it, and the slow step would time out instead.
    plan = ws.plan("""
        version: 1
        title: Slow beside chain
        description: d
        steps:
          slow:
            title: Wait for the chain
            run: "while [ ! -f marks/c3 ]; do sleep 0.01; done"
            timeout: 5s
            estimate: 10s
          c1: {title: One, run: "touch marks/c1", estimate: 1s}
          c2: {title: Two, run: "touch marks/c2", needs: [c1], estimate: 1s}
          c3: {title: Three, run: "touch marks/c3", needs: [c2], estimate: 1s}
    """)
    result = ws.run(plan)
    assert result.status == "succeeded"
    spans = intervals(ws.events(result))
    slow_end = spans["slow"][1]
    assert spans["c2"][0] < slow_end and spans["c3"][0] < slow_end


def test_max_parallel_and_capacities_are_never_exceeded(ws: Workspace) -> None:
    steps = "\n".join(
        f"  s{i}: {{title: Step {i}, run: 'sleep 0.05', estimate: 1s"
        + (", resources: [gpu]" if i % 2 == 0 else "") + "}" for i in range(8))
    plan = ws.plan("version: 1\ntitle: Caps\ndescription: d\nmax_parallel: 3\nresources: {gpu: 1}\nsteps:\n" + steps)
    result = ws.run(plan)
    events = ws.events(result)
    assert result.status == "succeeded"
    all_steps = [f"s{i}" for i in range(8)]
    assert overlap_peak(events, all_steps) == 3
    assert overlap_peak(events, [f"s{i}" for i in range(0, 8, 2)]) == 1
    first_wave = [e["step"] for e in events if e["event"] == "step_started"][:3]
    assert first_wave == ["s0", "s1", "s3"]  # s2 holds gpu like s0: passed over, not waited for


def test_max_parallel_option_overrides_the_workflow(ws: Workspace) -> None:
    plan = ws.plan("""
        version: 1
        title: Override
        description: d
        max_parallel: 4
        steps:
          a: {title: A, run: 'sleep 0.02', estimate: 1s}
          b: {title: B, run: 'sleep 0.02', estimate: 2s}
          c: {title: C, run: 'sleep 0.02', estimate: 3s}
    """)
    result = ws.run(plan, max_parallel=1)
    events = ws.events(result)
    assert overlap_peak(events, ["a", "b", "c"]) == 1
    assert [e["step"] for e in events if e["event"] == "step_started"] == ["c", "b", "a"]


def test_start_order_follows_the_plans_schedule(ws: Workspace) -> None:
    plan = ws.plan("""
        version: 1
        title: Priorities
        description: d
        max_parallel: 1
        steps:
          root: {title: Root, run: 'true', estimate: 1s}
          short: {title: Short, run: 'true', needs: [root], estimate: 1s}
          long: {title: Long, run: 'true', needs: [root], estimate: 5s}
          tail: {title: Tail, run: 'true', needs: [long], estimate: 1s}
          same_a: {title: Tie A, run: 'true', estimate: 1s}
          same_b: {title: Tie B, run: 'true', estimate: 1s}
    """)
    result = ws.run(plan)
    started = [e["step"] for e in ws.events(result) if e["event"] == "step_started"]
    assert started == [slot.step for slot in plan.schedule]
    assert started == ["root", "long", "same_a", "same_b", "short", "tail"]  # ties by id


def test_a_false_when_skips_and_dependents_still_run(ws: Workspace) -> None:
    plan = ws.plan("""
        version: 1
        title: When
        description: d
        arguments:
          deploy: {type: boolean, default: false, description: d}
        context:
          built: {description: b}
        steps:
          build: {title: Build, run: 'echo built', outputs: [built], when: args.deploy, estimate: 1s}
          report: {title: Report, run: ['echo', '{{ context.built }}'], inputs: [built], estimate: 1s}
    """)
    result = ws.run(plan, args={"deploy": False})
    assert result.status == "succeeded"
    assert [o.status for _, o in sorted(result.outcomes.items())] == ["skipped", "finished"]
    assert result.outputs == {"built": ""}  # what readers of a skipped step get (docs/running.md)
    assert ws.kinds(result, "step_skipped", "step_finished") == [("step_skipped", "build"), ("step_finished", "report")]


BRANCHES = """
    version: 1
    title: Branches
    description: d
    max_parallel: 1
    on_failure: {{keep_going: {keep}}}
    steps:
      broken: {{title: Break, run: 'echo nope >&2; exit 3', estimate: 9s}}
      after: {{title: After, run: 'touch marks/after', needs: [broken], estimate: 1s}}
      other: {{title: Other, run: 'touch marks/other', estimate: 1s}}
      other2: {{title: Other two, run: 'touch marks/other2', needs: [other], estimate: 1s}}
"""


def test_a_failure_stops_new_launches_by_default(ws: Workspace) -> None:
    result = ws.run(ws.plan(BRANCHES.format(keep="false")))
    assert result.status == "failed" and result.exit_code == 1
    assert result.outcomes["broken"].error == "command exited with status 3: nope"
    assert result.not_run == ("after", "other", "other2")
    assert ws.markers() == {}


def test_keep_going_lets_independent_branches_finish(ws: Workspace) -> None:
    result = ws.run(ws.plan(BRANCHES.format(keep="true")))
    assert result.status == "failed"
    assert result.not_run == ("after",)
    assert ws.markers() == {"other": 0, "other2": 0}
    assert ws.kinds(result, "step_not_run") == [("step_not_run", "after")]


class RecordingHooks:
    """Scheduler hooks whose steps finish at once, recording what finished; tests override one part."""

    def __init__(self) -> None:
        self.done: set = set()

    def immediate(self, step_id: str) -> None:
        return None

    def started(self, step_id: str) -> None:
        pass

    def work(self, step_id: str) -> Any:
        from wfc.runtime.outcome import FINISHED, StepOutcome

        return StepOutcome(FINISHED)

    def finished(self, step_id: str, outcome: Any) -> None:
        self.done.add(step_id)

    def cancel(self) -> None:
        pass

    def crashed(self, step_id: str, message: str) -> Any:
        raise AssertionError(message)


def test_a_bug_in_bookkeeping_on_a_worker_reaches_the_caller_instead_of_hanging() -> None:
    import pytest

    from wfc.runtime.scheduler import Node, Scheduler

    class Hooks(RecordingHooks):
        def finished(self, step_id: str, outcome: Any) -> None:
            raise KeyError(f"bookkeeping bug at {step_id}")

    nodes = {"a": Node("a", (), ("b",), 2.0, {}), "b": Node("b", ("a",), (), 1.0, {})}
    scheduler = Scheduler(nodes, Hooks(), max_parallel=2, capacities={}, keep_going=False)
    with pytest.raises(KeyError, match="bookkeeping bug at a"):
        scheduler.run()


def test_racing_workers_lose_no_completion_and_keep_the_cap() -> None:
    # Workers hand in completions without waiting for the lock; one lost would hang the run or
    # leave steps unstarted. Quick steps on a few workers make those hand-ins race constantly.
    from wfc.runtime.scheduler import Node

    class Hooks(RecordingHooks):
        def __init__(self) -> None:
            super().__init__()
            self.running, self.peak, self.order_errors = 0, 0, []

        def started(self, step_id: str) -> None:
            self.running += 1
            self.peak = max(self.peak, self.running)
            self.order_errors += [(step_id, need) for need in nodes[step_id].dependencies if need not in self.done]

        def finished(self, step_id: str, outcome: Any) -> None:
            self.running -= 1
            self.done.add(step_id)

    edges = {"root": ()}
    edges.update({f"f{i}": ("root",) for i in range(1500)})
    edges.update({f"c{i}": ((f"c{i - 1}",) if i else ("f7",)) for i in range(500)})
    dependents: dict = {step: [] for step in edges}
    for step, needs in edges.items():
        for need in needs:
            dependents[need].append(step)
    nodes = {step: Node(step, needs, tuple(dependents[step]), float(len(edges) - n), {})
             for n, (step, needs) in enumerate(edges.items())}
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: the hand-ins race
    try:
        for limit in (2, 3):
            hooks = Hooks()
            run_racing(nodes, hooks, limit)
            assert hooks.running == 0 and hooks.peak == limit and hooks.order_errors == []
    finally:
        sys.setswitchinterval(interval)


def run_racing(nodes: dict, hooks: Any, limit: int, scheduler: Any = None) -> None:
    """Runs to the end on another thread, so that a lost completion fails the test instead of hanging it."""
    import threading

    from wfc.runtime.scheduler import Scheduler

    scheduler = scheduler or Scheduler(nodes, hooks, max_parallel=limit, capacities={}, keep_going=False)
    summary: list = []
    runner = threading.Thread(target=lambda: summary.append(scheduler.run()), daemon=True)
    runner.start()
    runner.join(60)
    assert summary, f"the run hung with max_parallel {limit}"
    assert summary[0].not_run == () and not summary[0].failed
    assert hooks.done == set(nodes)


def test_a_completion_handed_in_while_the_lock_is_held_is_settled_by_the_holder() -> None:
    # The section settling a leaf holds the lock, past its last look at the hand-ins, until the
    # other leaf's worker has handed it in and gone back to the pool: nobody but the holder is
    # left to settle it, or the run never ends.
    import time

    from wfc.runtime.scheduler import Node, Scheduler

    class SlowBatch:
        """The end of the first leaf's section: the batch is released after the section's last
        look at the hand-ins."""

        def __init__(self) -> None:
            self.waited = False

        def hold(self) -> None:
            pass

        def release(self) -> None:
            if len(hooks.done) == 2 and not self.waited:
                self.waited = True
                deadline = time.monotonic() + 5
                while not scheduler.done and time.monotonic() < deadline:
                    time.sleep(0.001)
                time.sleep(0.05)  # the other worker finds the lock taken and returns to the pool

    nodes = {"root": Node("root", (), ("a", "b"), 3.0, {}), "a": Node("a", ("root",), (), 1.0, {}),
             "b": Node("b", ("root",), (), 1.0, {})}
    hooks = RecordingHooks()
    scheduler = Scheduler(nodes, hooks, max_parallel=2, capacities={}, keep_going=False, batch=SlowBatch())
    run_racing(nodes, hooks, 2, scheduler)
