"""wfc's headless agent calls, run on the real Claude Code 2.1.332 offline.

For every agent step of every shipped workflow, the argv `wfc run` builds (wfc.runtime.headless),
with the prompt on stdin and the step's definition wfc generated in the project's `.claude/agents/`,
gets past option parsing and agent resolution: it ends with the offline run's "Not logged in"
result on stdout, never `unknown option` or `not found`. wfc reads that output back as the
permanent failure it is. Identical argvs run once (92 distinct calls for the 633 steps).
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

from claude_support import Job, RunCache
from wfc.model import Step, Workflow
from wfc.runtime.headless import claude_argv, read_reply, result_message
from wfc.validate import validate_file

ROOT = Path(__file__).resolve().parents[2]
OFFLINE = "Not logged in \u00b7 Please run /login"


def shipped_agent_steps() -> List[Tuple[Workflow, Step]]:
    found = []
    for path in sorted((ROOT / "workflows").glob("*.yaml")):
        workflow = validate_file(path).workflow
        assert workflow is not None
        found.extend((workflow, step) for step in workflow.steps if step.kind == "agent")
    return found


def job_for(workflow: Workflow, step: Step) -> Job:
    """The call with the CLI's own program left off (the test runs the pinned binary)."""
    definition = workflow.agent_definition(step.agent or "")
    argv = claude_argv((), step, definition, 0.5)  # the budget a `max_cost` adds: --max-budget-usd
    files = {}
    if definition is not None:
        generated = ROOT / "generated" / "agents" / f"{definition.name}.md"
        files[f".claude/agents/{definition.name}.md"] = generated.read_text(encoding="utf-8")
    return Job(tuple(argv), stdin=step.prompt or "", files=files)


def test_every_shipped_agent_steps_call_reaches_the_api(real_runs: RunCache) -> None:
    steps = shipped_agent_steps()
    jobs: Dict[str, Job] = {}
    by_step: Dict[str, str] = {}
    for workflow, step in steps:
        job = job_for(workflow, step)
        key = repr((job.argv, sorted(job.files)))
        jobs.setdefault(key, job)
        by_step[f"{workflow.name}/{step.id}"] = key
    done = real_runs.run(jobs)
    resolved = {name for name, key in by_step.items()
                if done[key].returncode == 1 and done[key].stderr == "" and done[key].json()["result"] == OFFLINE}
    assert (len(steps), len(jobs), len(resolved)) == (633, 92, 633), {
        name: done[key].stderr for name, key in by_step.items() if name not in resolved}
    reply = read_reply(1, done[by_step["review-all/security"]].stdout, "")
    assert (reply.ok, reply.error, reply.permanent) == (False, f"agent reported an error: {OFFLINE}", True)


def test_a_prompt_wfc_passes_may_start_with_a_dash_and_outgrow_an_argument(real_runs: RunCache) -> None:
    step = Step(id="s", title="S", active="S", kind="agent", prompt="p")
    argv = tuple(claude_argv((), step, None))
    done = real_runs.run({"dash": Job(argv, stdin="-x " + "y" * 140_000),
                          "verbose": Job((*argv, "--verbose"), stdin="hi")})
    assert (done["dash"].returncode, done["dash"].stderr, done["dash"].json()["result"]) == (1, "", OFFLINE)
    verbose = result_message(done["verbose"].stdout)  # the `--verbose` array: its last message is the result
    assert isinstance(done["verbose"].json(), list) and verbose is not None and verbose["result"] == OFFLINE
