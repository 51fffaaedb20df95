"""What a step hands on: a failed step's output tails, the value readers of a skipped step get,
and `call:` functions found in the project itself."""
from __future__ import annotations

import json

from runtime_support import Workspace
from test_resume import journal_of, start
from wfc.runtime.journal import read_events

ON_BOTH_BACKENDS = True  # each `ws` test runs on threads and on an in-process Dask cluster


def one_step(run: str) -> str:
    return f"version: 1\ntitle: T\ndescription: d\nsteps:\n  check: {{title: Check, run: '{run}'}}\n"


def test_a_failed_step_shows_the_tail_of_its_stdout_as_well_as_its_stderr(ws: Workspace) -> None:
    quiet = ws.run(ws.plan(one_step('echo "FAILED test_x - assert 1 == 2"; echo "1 failed in 0.1s"; exit 1')))
    assert quiet.outcomes["check"].error == (
        "command exited with status 1\nits stdout ends:\nFAILED test_x - assert 1 == 2\n1 failed in 0.1s")
    both = ws.run(ws.plan(one_step('echo collected 3 items; echo warning: slow >&2; exit 2')))
    assert both.outcomes["check"].error == (
        "command exited with status 2: warning: slow\nits stdout ends:\ncollected 3 items")
    silent = ws.run(ws.plan(one_step("exit 3")))
    assert silent.outcomes["check"].error == "command exited with status 3: (no output)"


def test_the_summary_prints_the_stdout_tail_of_a_failed_step(ws: Workspace) -> None:
    plan = ws.plan(one_step("seq 1 5000; exit 1"))
    process = start(ws, plan)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1
    lines = err.splitlines()
    assert lines[0] == "step check failed after 1 attempt(s): command exited with status 1"
    assert lines[1] == "its stdout ends:"
    assert lines[2].startswith("...") and lines[-2] == "5000"


SKIPPED = """
    version: 1
    title: Skip
    description: d
    arguments:
      ship: {description: s, type: boolean, default: false}
    context:
      url: {description: u}
      size: {description: s}
    steps:
      deploy: {title: Deploy, run: 'echo https://example.invalid', when: args.ship, outputs: [url]}
      announce:
        title: Announce
        run: ['sh', '-c', 'printf "[%s]" "$0" > marks/announce; test -f fixed', '{{ context.url }}']
        inputs: [url]
      count: {title: Count, call: 'project_steps:length', inputs: [url], outputs: [size]}
"""


def test_readers_of_a_step_skipped_by_when_get_the_empty_string_even_after_resume(ws: Workspace) -> None:
    (ws.root / "project_steps.py").write_text("def length(inputs, args):\n    return len(inputs['url'])\n")
    plan = ws.plan(SKIPPED)
    process = start(ws, plan)  # a subprocess, as `wfc run` is: the project root is not on its path
    process.communicate(timeout=60)
    assert process.returncode == 1
    assert (ws.root / "marks" / "announce").read_text() == "[]"
    (ws.root / "marks" / "announce").unlink()
    (ws.root / "fixed").touch()
    resumed = start(ws, plan, "--resume")
    _, err = resumed.communicate(timeout=60)
    assert resumed.returncode == 0, err
    assert (ws.root / "marks" / "announce").read_text() == "[]"
    events = read_events(journal_of(ws))
    assert [e["outputs"] for e in events if e["event"] == "step_finished" and e["step"] == "count"] == [{"size": 0}]
    assert [json.dumps(e.get("outputs")) for e in events if e["event"] == "step_skipped"] == ["null"]


WHEN_PLAN = """
    version: 1
    title: Rehearse
    description: d
    max_parallel: 1
    arguments:
      deep: {description: d, type: boolean, default: false}
    steps:
      x: {title: X, run: 'echo x > marks/x', estimate: 1s}
      y: {title: Y, run: 'echo x > marks/y', estimate: 3s}
      w: {title: W, run: 'echo x > marks/w', needs: [x], estimate: 5s, when: args.deep}
      z: {title: Z, run: 'echo x > marks/z', estimate: 2s, when: args.deep.upper()}
"""


def test_dry_run_evaluates_when(ws: Workspace) -> None:
    from test_progress import run_module

    plan = ws.plan(WHEN_PLAN)
    shallow = run_module(ws, plan, "--dry-run")
    assert shallow.returncode == 0, shallow.stderr
    assert shallow.stdout == ("step     start    finish\n"
                              "x           0s        1s\n"
                              "w     skipped: `when` is false\n"
                              "y           1s        4s\n"
                              "z           4s        6s\n"
                              "makespan 11s (critical path 6s, sequential 11s, speedup 1x)\n"
                              "with `when` evaluated: 1 step(s) skipped, makespan 6s\n"
                              "step z would fail: when 'args.deep.upper()' does not evaluate: "
                              "'bool object' has no attribute 'upper'\n")
    deep = run_module(ws, plan, "--dry-run", "--deep")
    assert deep.stdout.splitlines()[1:5] == ["x           0s        1s", "w           1s        6s",
                                             "y           6s        9s", "z           9s       11s"]
    assert deep.stdout.splitlines()[5:] == [
        "makespan 11s (critical path 6s, sequential 11s, speedup 1x)",
        "step z would fail: when 'args.deep.upper()' does not evaluate: 'bool object' has no attribute 'upper'"]
    assert ws.markers() == {} and not ws.state.exists()


LOOP = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"


def test_a_looping_template_obeys_the_steps_timeout(ws: Workspace) -> None:
    plan = ws.plan(f"""
        version: 1
        title: Loop
        description: d
        steps:
          spin: {{title: Spin, run: 'echo {LOOP}done', timeout: 1s}}
          prompt: {{title: Ask, prompt: '{LOOP}Say hi', timeout: 1s}}
          after: {{title: After, run: 'echo x >> marks/after', needs: [spin]}}
    """)
    result = ws.run(plan, agent_command="false")
    assert result.outcomes["spin"].error == "rendering the command template timed out after 1s"
    assert result.outcomes["prompt"].error == "rendering the prompt template timed out after 1s"
    assert result.status == "failed" and ws.markers() == {}


def test_ctrl_c_stops_a_looping_template(ws: Workspace) -> None:
    import signal
    import time

    plan = ws.plan(f"""
        version: 1
        title: Loop
        description: d
        steps:
          first: {{title: First, run: 'touch marks/first'}}
          spin: {{title: Spin, run: 'echo {LOOP}done', needs: [first]}}
    """)
    process = start(ws, plan)
    while not (ws.state / "runs").is_dir() or not any(
            e["event"] == "step_started" and e["step"] == "spin" for e in read_events(journal_of(ws))):
        assert process.poll() is None
        time.sleep(0.01)
    time.sleep(0.2)  # well into the loop
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    kinds = [(e["event"], e.get("step")) for e in read_events(journal_of(ws)) if e["event"].startswith("step_c")]
    assert kinds == [("step_cancelled", "spin")]
