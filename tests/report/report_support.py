"""Fixtures for report tests: plans built from models (deterministic sources and hashes), a
workflow with hostile step names, a journal in the runtime's exact format, and the external tools
(headless Chromium, mermaid under node) that check what the report draws."""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from factories import make_step, make_workflow, review_all  # noqa: E402
from wfc.analysis import analyze  # noqa: E402
from wfc.model import Docs, Workflow  # noqa: E402
from wfc.analysis.plan import Plan  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
NODE_DIR = HERE / ".node"
MERMAID_PACKAGES = ("mermaid@11.17.2", "jsdom@29.1.1")  # the widths the charts are sized by were measured with these

HOSTILE_TITLES = {
    "end": "Step: one # two; three %% four",
    "section": "section cleanup: remove things",
    "o": "title Fake title",
    "x": "`rm -rf /` ``` fence",
    "click": '<script>alert("x")</script> & co',
    "style": "dateFormat YYYY-MM-DD",
    "graph": "a --> b ; c",
    "subgraph": "Ünïcödé ✓ 100% done",
    "crit": "crit, done, after end",
    "default": "   ",
}


def hostile_workflow() -> Workflow:
    """Step ids that are mermaid keywords and titles that try to break every output format."""
    ids = list(HOSTILE_TITLES)
    steps = [make_step(ids[0], estimate=90, title=HOSTILE_TITLES[ids[0]])]
    for index, step_id in enumerate(ids[1:], start=1):
        needs = [ids[(index - 1) // 2]]
        steps.append(make_step(step_id, estimate=30 * (index % 4 + 1), needs=needs,
                               title=HOSTILE_TITLES[step_id]))
    return make_workflow(steps, name="hostile", title='Hostile <b>"names"</b> | pipes & `ticks`',
                         docs=Docs(purpose="Some text.", legacy_minutes=12.5,
                                   legacy_source="a <b>claim</b> | elsewhere"))


def model_plans() -> List[Plan]:
    """The seed's /review-all (with its legacy figure) and a capped variant, and the hostile one."""
    seed = review_all()
    seed = replace(seed, docs=Docs(legacy_minutes=60.0, legacy_source="the seed document's claim"))
    capped = make_workflow(review_all().steps, name="review-capped", max_parallel=3)
    return [analyze(seed), analyze(capped), analyze(hostile_workflow())]


@pytest.fixture
def plans() -> List[Plan]:
    return model_plans()


def journal_events(run_id: str, workflow: str, durations: Dict[str, float], elapsed: float) -> List[Dict[str, Any]]:
    """A one-session successful run in the shape wfc.runtime.engine journals it (steps back to back)."""
    events: List[Dict[str, Any]] = [{"args": {}, "estimate": 0.0, "event": "run_started", "resumed": False,
                                     "run_id": run_id, "steps": len(durations), "t": 0.0,
                                     "workflow": workflow}]
    clock = 0.0
    for step, seconds in durations.items():
        events.append({"attempt": 1, "event": "step_started", "step": step, "t": clock})
        clock += seconds
        events.append({"attempt": 1, "duration": seconds, "event": "step_finished", "step": step, "t": clock})
    events.append({"cache_hits": 0, "cache_misses": 0, "event": "run_finished", "not_run": [],
                   "status": "succeeded", "t": elapsed})
    return events


def write_journal(runs_dir: Path, run_id: str, events: List[Dict[str, Any]]) -> None:
    path = runs_dir / run_id / "journal.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(e, sort_keys=True) + "\n" for e in events), encoding="utf-8")


def chromium_binary() -> Optional[str]:
    """Debian's chromium, installed with apt-get when running as root and missing."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    subprocess.run(["apt-get", "update"], check=False, timeout=600, **quiet)
    subprocess.run(["apt-get", "install", "-y", "chromium"], check=False, timeout=900, **quiet)
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium() -> str:
    binary = chromium_binary()
    if binary is None:
        pytest.skip("headless Chromium is not installed (`apt-get install chromium`) and this test "
                    "is not running as root, so it cannot install it")
    return binary


@pytest.fixture(scope="session")
def mermaid_node_dir() -> Path:
    """mermaid and jsdom from the npm registry, installed once into tests/report/.node."""
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("node and npm are needed to run mermaid's own parser")
    if not (NODE_DIR / "node_modules" / "mermaid" / "package.json").exists() or \
            not (NODE_DIR / "node_modules" / "jsdom" / "package.json").exists():
        NODE_DIR.mkdir(exist_ok=True)
        (NODE_DIR / "package.json").write_text('{"name": "wfc-report-mermaid-check", "private": true}\n')
        done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", *MERMAID_PACKAGES],
                              cwd=NODE_DIR, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, f"npm install {' '.join(MERMAID_PACKAGES)} failed:\n{done.stderr[-2000:]}"
    return NODE_DIR


def mermaid_errors(node_dir: Path, diagrams: List[str], tmp_path: Path) -> List[Optional[str]]:
    listing = tmp_path / "diagrams.json"
    listing.write_text(json.dumps(diagrams), encoding="utf-8")
    done = subprocess.run(["node", str(HERE / "mermaid_check.mjs"), str(node_dir), str(listing)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def chromium_args(binary: str, tmp_path: Path, width: int = 1600, height: int = 1200) -> List[str]:
    return [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={width},{height}"]


RESULT = re.compile(r'<pre id="wfc-result">(.*?)</pre>', re.DOTALL)


def page_result(chromium: str, page: Path, tmp_path: Path, width: int = 1600,
                env: Optional[Dict[str, str]] = None) -> Any:
    """What the script in `page` wrote into <pre id="wfc-result">, as JSON: the page runs in
    headless Chromium until its scripts are idle (virtual time lets async rendering finish)."""
    done = subprocess.run([*chromium_args(chromium, tmp_path, width), "--virtual-time-budget=120000",
                           "--dump-dom", page.as_uri()],
                          capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stderr[-2000:]
    found = RESULT.search(done.stdout)
    assert found and found.group(1) != "pending", done.stdout[-2000:]
    return json.loads(html.unescape(found.group(1)))


def mermaid_rendered(chromium: str, node_dir: Path, diagrams: Dict[str, str], tmp_path: Path,
                     timezone: str = "UTC") -> Dict[str, Dict[str, Any]]:
    """Each diagram as the real mermaid draws it in Chromium, under the time zone `timezone`."""
    library = node_dir / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
    page = tmp_path / f"mermaid-{timezone.replace('/', '-')}.html"
    data = json.dumps(diagrams).replace("</", "<\\/")
    page.write_text(f'<!doctype html><html><head><meta charset="utf-8"><script src="{library.as_uri()}"></script>'
                    f'</head><body><pre id="wfc-result">pending</pre><script>window.WFC_DIAGRAMS = {data};</script>'
                    f'<script src="{(HERE / "mermaid_render.js").as_uri()}"></script></body></html>',
                    encoding="utf-8")
    return page_result(chromium, page, tmp_path, env={"TZ": timezone})
