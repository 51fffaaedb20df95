"""Journal and resume: SIGKILL a run at many points; `--resume` completes it and never runs a step
again that the journal recorded as finished. Ctrl-C cancels cleanly with exit code 130."""
from __future__ import annotations

import pickle
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, Set

from runtime_support import PYTHON, Workspace
from wfc.runtime.journal import read_events

ON_BOTH_BACKENDS = True  # each `ws` test runs on threads and on an in-process Dask cluster

RUNNER = str(Path(__file__).resolve().parent / "runner.py")


def chain_and_fan(count: int) -> str:
    lines = ["version: 1", "title: Kill me", "description: d", "max_parallel: 2", "steps:"]
    for i in range(count):
        needs = f", needs: [s{i - 1}]" if i % 3 else (f", needs: [s{i - 2}]" if i > 1 else "")
        lines.append(f"  s{i}: {{title: Step {i}, run: 'echo x >> marks/s{i}; sleep 0.02', estimate: 1s{needs}}}")
    return "\n".join(lines) + "\n"


def start(ws: Workspace, plan, *args: str, **popen) -> subprocess.Popen:
    pickled = ws.root / "plan.pickle"
    pickled.write_bytes(pickle.dumps(plan))
    return subprocess.Popen([PYTHON, RUNNER, str(pickled), "--progress", "none", *args], cwd=ws.root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def journal_of(ws: Workspace) -> Path:
    (run,) = (ws.state / "runs").iterdir()
    return run / "journal.jsonl"


def wait_for_events(ws: Workspace, process: subprocess.Popen, count: int) -> None:
    journal = None
    while process.poll() is None:
        if journal is None and (ws.state / "runs").is_dir():
            journal = next((run / "journal.jsonl" for run in (ws.state / "runs").iterdir()), None)
        if journal is not None and journal.exists() and journal.read_bytes().count(b"\n") >= count:
            return
        time.sleep(0.005)


def finished_steps(ws: Workspace) -> Set[str]:
    return {e["step"] for e in read_events(journal_of(ws)) if e["event"] == "step_finished"}


def kill_and_resume(root: Path, kill_after: int, plan: object) -> Dict[str, object]:
    ws = Workspace(root)
    (root / "marks").mkdir()
    process = start(ws, plan)
    wait_for_events(ws, process, kill_after)
    process.kill()
    process.communicate()
    time.sleep(0.05)  # steps run in their own sessions: let an orphaned `sleep 0.02` end
    done = finished_steps(ws)
    before = ws.markers()
    resumed = start(ws, plan, "--resume")
    _, err = resumed.communicate(timeout=30)
    after = ws.markers()
    return {"rc": resumed.returncode, "err": err, "done": done, "before": before, "after": after,
            "events": read_events(journal_of(ws))}


def test_sigkill_at_any_point_then_resume_runs_no_finished_step_again(tmp_path: Path) -> None:
    points = list(range(1, 24, 2))  # 12 kill points: after 1, 3, ..., 23 journal events
    roots = [tmp_path / f"kill{point}" for point in points]
    for root in roots:
        root.mkdir()
    plan = Workspace(tmp_path).plan(chain_and_fan(12))
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(kill_and_resume, roots, points, [plan] * len(points)))
    killed_with_work_done = 0
    for point, outcome in zip(points, outcomes):
        assert outcome["rc"] == 0, (point, outcome["err"])
        for step in outcome["done"]:
            assert outcome["after"][step] == outcome["before"][step] == 1, (point, step)
        assert sorted(outcome["after"]) == sorted(f"s{i}" for i in range(12))
        final = [e for e in outcome["events"] if e["event"] == "run_finished"]
        assert final[-1]["status"] == "succeeded"
        resumed = {e["step"] for e in outcome["events"] if e["event"] == "step_resumed"}
        assert resumed == outcome["done"]
        killed_with_work_done += 0 < len(outcome["done"]) < 12
    assert killed_with_work_done >= 10


def test_resume_after_a_failure_runs_only_what_did_not_finish(ws: Workspace) -> None:
    flow = """
        version: 1
        title: Fix and resume
        description: d
        context:
          first: {description: f}
        steps:
          first: {title: First, run: 'echo x >> marks/first; echo one', outputs: [first], cache: false}
          second: {title: Second, inputs: [first],
                   run: ['sh', '-c', 'echo x >> marks/second; test -f fixed && echo "$0"', '{{ context.first }}']}
    """
    plan = ws.plan(flow)
    failed = ws.run(plan)
    assert failed.status == "failed"
    (ws.root / "fixed").touch()
    resumed = ws.run(plan, resume="")
    assert resumed.status == "succeeded" and resumed.run_id == failed.run_id
    assert ws.markers() == {"first": 1, "second": 2}
    assert resumed.outputs == {"first": "one"}
    assert resumed.outcomes["first"].status == "resumed"


def test_resuming_nothing_is_a_clear_usage_error(ws: Workspace) -> None:
    import pytest

    from wfc.diagnostics.errors import UsageError

    plan = ws.plan("version: 1\ntitle: T\ndescription: d\nsteps:\n  a: {title: A, run: 'true'}\n")
    with pytest.raises(UsageError) as caught:
        ws.run(plan, resume="nope")
    assert caught.value.message == f"no run nope to resume under {ws.state / 'runs'} (runs: none)"


def test_ctrl_c_kills_running_steps_compensates_and_exits_130(ws: Workspace) -> None:
    plan = ws.plan("""
        version: 1
        title: Cancel
        description: d
        steps:
          done: {title: Done, run: 'true', compensate: {run: 'echo undone >> marks/undo'}}
          hang: {title: Hang, run: 'echo $$ > marks/hang.pid; sleep 30', needs: [done]}
          never: {title: Never, run: 'touch marks/never', needs: [hang]}
    """)
    process = start(ws, plan)
    while not (ws.root / "marks" / "hang.pid").exists() or not (ws.root / "marks" / "hang.pid").read_text():
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=10)
    assert process.returncode == 130, err
    pid = int((ws.root / "marks" / "hang.pid").read_text())
    assert not Path(f"/proc/{pid}").exists() or "State:\tZ" in Path(f"/proc/{pid}/status").read_text()
    kinds = [(e["event"], e.get("step")) for e in read_events(journal_of(ws))
             if e["event"] not in ("step_started", "step_process")]
    assert kinds == [("run_started", None), ("step_finished", "done"), ("step_cancelled", "hang"),
                     ("step_not_run", "never"), ("compensation_started", "done"), ("step_compensated", "done"),
                     ("run_finished", None)]
    assert (ws.root / "marks" / "undo").read_text() == "undone\n"
    assert not (ws.root / "marks" / "never").exists()
