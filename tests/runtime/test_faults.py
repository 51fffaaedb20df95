"""Fault injection: SIGKILL, SIGTERM and SIGINT at seeded random points of runs of parallel shell
steps. After each: no step process outlives wfc, no step ever runs twice at once, a step the
journal recorded as finished never runs again, and `--resume` runs every other step exactly once.

A step's processes are found by a token the test puts in wfc's environment (every step inherits
it), not by anything wfc reports; "twice at once" is caught by `flock -n` on a per-step lock file,
which only a live holder keeps."""
from __future__ import annotations

import os
import random
import secrets
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

from runtime_support import Workspace
from test_resume import start
from wfc.runtime.journal import read_events

POINTS = 20
STEPS = 6
JOURNAL_LINES = 2 + 3 * STEPS  # run_started, started/process/finished per step, run_finished


def parallel_flow() -> str:
    """Two layers of three, every step a shell with a child and a grandchild."""
    lines = ["version: 1", "title: Faults", "description: d", "max_parallel: 3", "steps:"]
    for i in range(STEPS):
        needs = f", needs: [s{i - 3}, s{(i - 3) // 3 * 3 + (i + 1) % 3}]" if i >= 3 else ""
        body = (f"flock -n marks/s{i}.lock sh -c \"echo start >> marks/s{i}; sleep 0.3; echo end >> marks/s{i}\""
                f" || echo s{i} >> marks/overlaps")
        lines.append(f"  s{i}: {{title: S{i}, run: '{body}', estimate: 1s{needs}}}")
    return "\n".join(lines) + "\n"


def carriers(token: str) -> List[int]:
    wanted = f"FAULT_TOKEN={token}".encode()
    found = []
    for entry in os.listdir("/proc"):
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes().split(b"\0")
            state = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()[0]
        except (OSError, IndexError):
            continue
        if wanted in environ and state != "Z":
            found.append(int(entry))
    return found


def survivors(token: str, patience: float = 5.0) -> List[int]:
    """The token's processes still alive once `patience` is up: the guard kills asynchronously, and
    after a clean end wfc does not wait for the guard itself (it carries the token too) to exit."""
    deadline = time.monotonic() + patience
    while carriers(token) and time.monotonic() < deadline:
        time.sleep(0.02)
    return carriers(token)


def starts(root: Path) -> Dict[str, int]:
    return {f"s{i}": (root / "marks" / f"s{i}").read_text().count("start") if (root / "marks" / f"s{i}").exists()
            else 0 for i in range(STEPS)}


def journal_lines(root: Path) -> int:
    runs = root / ".wfc" / "runs"
    journals = list(runs.glob("*/journal.jsonl")) if runs.is_dir() else []
    return journals[0].read_bytes().count(b"\n") if journals else 0


def inject(root: Path, plan: object, signum: int, point: int, pause: float) -> Dict[str, object]:
    ws = Workspace(root)
    (root / "marks").mkdir()
    token = secrets.token_hex(8)
    env = {**os.environ, "FAULT_TOKEN": token}
    process = start(ws, plan, env=env)
    while process.poll() is None and journal_lines(root) < point:
        time.sleep(0.002)
    time.sleep(pause)
    process.send_signal(signum)
    process.communicate(timeout=60)
    left = survivors(token)
    (journal,) = (root / ".wfc" / "runs").glob("*/journal.jsonl")
    finished = {e["step"] for e in read_events(journal) if e["event"] == "step_finished"}
    before = starts(root)
    ended = [e.get("status") for e in read_events(journal) if e["event"] == "run_finished"]
    resumed = start(ws, plan, "--resume", env=env)
    _, err = resumed.communicate(timeout=60)
    return {"rc": process.returncode, "ended": ended, "left": left, "finished": finished, "before": before,
            "after": starts(root), "resume_rc": resumed.returncode, "err": err,
            "left_after_resume": survivors(token), "overlaps": (root / "marks" / "overlaps").exists()}


EXPECTED_RC = {signal.SIGKILL: -signal.SIGKILL, signal.SIGTERM: 128 + signal.SIGTERM,
               signal.SIGINT: 128 + signal.SIGINT}


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_a_signal_at_any_point_then_resume_runs_every_step_exactly_once(tmp_path: Path, signum: signal.Signals) -> None:
    rng = random.Random(f"faults-{signum.name}")
    # Points before the last layer's finishes, and steps long enough (0.3 s) that the signal lands
    # inside the run on a fast machine as well as a loaded one.
    points: List[Tuple[int, float]] = [(rng.randint(1, JOURNAL_LINES - 5), rng.uniform(0, 0.08)) for _ in range(POINTS)]
    plan = Workspace(tmp_path).plan(parallel_flow())
    roots = [tmp_path / f"point{index}" for index in range(POINTS)]
    for root in roots:
        root.mkdir()
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda item: inject(item[0], plan, signum, *item[1]), zip(roots, points)))
    interrupted = 0
    for (point, pause), outcome in zip(points, outcomes):
        where = (signum.name, point, round(pause, 3), outcome["err"])
        finished: Set[str] = outcome["finished"]  # type: ignore[assignment]
        before: Dict[str, int] = outcome["before"]  # type: ignore[assignment]
        after: Dict[str, int] = outcome["after"]  # type: ignore[assignment]
        interrupted += outcome["rc"] == EXPECTED_RC[signum]
        if outcome["rc"] != EXPECTED_RC[signum]:  # the signal came after the run: it had nothing to stop
            assert outcome["ended"] == ["succeeded"] and outcome["rc"] in (0, -signum), where
        assert outcome["left"] == [], where
        assert outcome["resume_rc"] == 0, where
        assert not outcome["overlaps"] and outcome["left_after_resume"] == [], where
        for step in sorted(after):
            if step in finished:
                assert before[step] == after[step] == 1, (where, step)
            else:
                assert after[step] == before[step] + 1, (where, step)
    assert interrupted >= POINTS * 3 // 4
