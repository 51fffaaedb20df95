"""Fan-out at run time: instances run for real, readers get their outputs as one list in item
order, one changed item misses the cache alone, and triggers and conditions on results decide
which steps run."""
from __future__ import annotations

import json

from runtime_support import Workspace

ON_BOTH_BACKENDS = True  # each `ws` test runs on threads and on an in-process Dask cluster

TWELVE = [f"m{n:02d}" for n in range(12)]

STATIC = """\
version: 1
title: Fan out
description: Twelve reviews, then a merge.
max_parallel: 4
context:
  findings: {{description: One review's finding}}
steps:
  review:
    title: Review {{{{ item }}}}
    for_each: {items}
    max_parallel: 3
    run: "printf '%s-%s' {{{{ item }}}} {{{{ index }}}}"
    outputs: [findings]
    estimate: 1m
  merge:
    title: Merge the findings
    run: "printf '%s' '{{{{ context.findings | tojson }}}}' > merged.json"
    inputs: [findings]
    estimate: 1m
"""


def test_a_static_fan_out_of_twelve_runs_each_instance_and_hands_the_reader_the_list_in_item_order(
        ws: Workspace) -> None:
    plan = ws.plan(STATIC.format(items=json.dumps(TWELVE)))
    result = ws.run(plan)
    assert result.status == "succeeded"
    assert sorted(step for _, step in ws.kinds(result, "step_finished")) == sorted(
        [f"review[{item}]" for item in TWELVE] + ["merge"])
    assert json.loads((ws.root / "merged.json").read_text()) == [f"{item}-{n}" for n, item in enumerate(TWELVE)]
    assert result.outputs["findings"] == [f"{item}-{n}" for n, item in enumerate(TWELVE)]
    order = [step for _, step in ws.kinds(result, "step_started")]
    assert order[-1] == "merge"  # it waited for all twelve


def test_a_fan_outs_max_parallel_holds_at_run_time(ws: Workspace) -> None:
    result = ws.run(ws.plan(STATIC.format(items=json.dumps(TWELVE))))
    running, most = 0, 0
    for event in ws.events(result):
        if event["event"] == "step_started" and event["step"].startswith("review["):
            running += 1
            most = max(most, running)
        elif event["event"] == "step_finished" and event["step"].startswith("review["):
            running -= 1
    assert most == 3


def test_changing_one_item_misses_the_cache_for_that_instance_alone(ws: Workspace) -> None:
    ws.run(ws.plan(STATIC.format(items=json.dumps(TWELVE))))
    changed = TWELVE[:5] + ["new"] + TWELVE[6:]
    result = ws.run(ws.plan(STATIC.format(items=json.dumps(changed))))
    assert [step for _, step in ws.kinds(result, "step_finished")] == ["review[new]", "merge"]
    assert len(ws.kinds(result, "step_cache_hit")) == 11
    assert (result.cache_hits, result.cache_misses) == (11, 1)


POLICY = """\
version: 1
title: Policy
description: Three instances, one of which fails.
context:
  out: {{description: An instance's output}}
steps:
  probe:
    title: Probe {{{{ item }}}}
    for_each: [a, bad, c]
    {policy}
    run: "test {{{{ item }}}} != bad && printf {{{{ item }}}}"
    outputs: [out]
  use:
    title: Use
    run: "printf '%s' '{{{{ context.out | tojson }}}}' > used.json"
    inputs: [out]
"""


def test_min_success_lets_the_reader_run_with_null_for_the_failed_instance(ws: Workspace) -> None:
    result = ws.run(ws.plan(POLICY.format(policy="min_success: 2")))
    assert result.status == "succeeded"
    assert json.loads((ws.root / "used.json").read_text()) == ["a", None, "c"]


def test_min_success_out_of_reach_fails_the_fan_out_and_the_run(ws: Workspace) -> None:
    result = ws.run(ws.plan(POLICY.format(policy="min_success: 3")))
    assert result.status == "failed"
    assert result.not_run == ("use",)
    (failed,) = [e for e in ws.events(result) if e["event"] == "step_failed"]
    assert (failed["step"], failed.get("continue_on_error")) == ("probe[bad]", None)


def test_without_a_policy_one_failed_instance_fails_the_run(ws: Workspace) -> None:
    result = ws.run(ws.plan(POLICY.format(policy="cache: false")))
    assert (result.status, result.not_run) == ("failed", ("use",))


CONDITIONS = """\
version: 1
title: Conditions
description: Tests, a fix only when they failed, a cleanup always.
steps:
  tests:
    title: Run the tests
    run: "{tests}"
  report-failure:
    title: Report the failure
    run: echo failed >> marks/log
    needs: [tests]
    trigger: always
    when: steps.tests.outcome == 'failed'
  deploy:
    title: Deploy
    run: echo deploy >> marks/log
    needs: [tests]
  cleanup:
    title: Clean up
    run: echo cleanup >> marks/log
    needs: [deploy]
    trigger: always
  on-failure:
    title: Page someone
    run: echo page >> marks/log
    needs: [tests]
    trigger: on_failure
"""


def test_after_a_failure_only_the_failure_steps_and_the_always_cleanup_run(ws: Workspace) -> None:
    result = ws.run(ws.plan(CONDITIONS.format(tests="false")))
    assert (result.status, result.not_run) == ("failed", ("deploy",))
    ran = [step for _, step in ws.kinds(result, "step_finished")]
    assert sorted(ran) == ["cleanup", "on-failure", "report-failure"]
    assert sorted((ws.root / "marks" / "log").read_text().split()) == ["cleanup", "failed", "page"]


def test_after_a_success_the_failure_steps_are_skipped_and_cleanup_runs_after_deploy(ws: Workspace) -> None:
    result = ws.run(ws.plan(CONDITIONS.format(tests="true")))
    assert result.status == "succeeded"
    assert sorted(step for _, step in ws.kinds(result, "step_skipped")) == ["on-failure", "report-failure"]
    assert (ws.root / "marks" / "log").read_text().split() == ["deploy", "cleanup"]


DYNAMIC = """\
version: 1
title: Dynamic
description: List the modules, review each, merge.
context:
  modules: {{description: The modules as a JSON list}}
  notes: {{description: One review's notes}}
steps:
  list:
    title: List the modules
    run: "printf '%s' '{listed}'"
    outputs: [modules]
  review:
    title: Review {{{{ item }}}}
    for_each: context.modules
    estimate_items: 4
    max_parallel: 2
    run: "printf '%s:%s' '{{{{ item }}}}' {{{{ index }}}}"
    outputs: [notes]
  merge:
    title: Merge
    run: "printf '%s' '{{{{ context.notes | tojson }}}}' > merged.json"
    inputs: [notes]
"""


def listed(items: object) -> str:
    """A JSON list as the `list` step's command prints it, inside YAML double quotes."""
    return json.dumps(items).replace('"', '\\"')


def test_a_dynamic_fan_out_over_five_items_runs_five_instances_and_journals_the_count(ws: Workspace) -> None:
    plan = ws.plan(DYNAMIC.format(listed=listed(["api", "web", "two words", "db", "queue"])))
    assert [step.id for step in plan.steps] == ["list", "review", "merge"]  # one map node
    result = ws.run(plan)
    assert result.status == "succeeded"
    (expanded,) = [e for e in ws.events(result) if e["event"] == "map_expanded"]
    assert (expanded["items"], expanded["estimate_items"]) == (5, 4)
    assert expanded["instances"] == ["review[api]", "review[web]", "review[2]", "review[db]", "review[queue]"]
    finished = sorted(e["step"] for e in ws.events(result) if e["event"] == "instance_finished")
    assert finished == sorted(expanded["instances"])
    assert json.loads((ws.root / "merged.json").read_text()) == ["api:0", "web:1", "two words:2", "db:3", "queue:4"]


def test_a_dynamic_fan_out_over_something_not_a_list_fails_its_step_saying_what_it_found(ws: Workspace) -> None:
    result = ws.run(ws.plan(DYNAMIC.format(listed="api web")))
    assert (result.status, result.not_run) == ("failed", ("merge",))
    assert result.outcomes["review"].error == (
        "step 'review' fans out over context.modules, which is not a list at run time but the string "
        "'api web': produce a JSON list, such as [\"a\", \"b\"]")


def test_a_dynamic_fan_out_whose_items_repeat_an_id_fails_its_step(ws: Workspace) -> None:
    result = ws.run(ws.plan(DYNAMIC.format(listed=listed(["api", "web", "api"]))))
    assert result.outcomes["review"].error == (
        "step 'review' fans out over context.modules, whose items 0 and 2 both give the instance id "
        "'review[api]': make the items distinct")


def test_the_report_holds_the_items_found_against_the_plans_estimate(ws: Workspace) -> None:
    from click.testing import CliRunner

    from wfc.cli import cli

    ws.run(ws.plan(DYNAMIC.format(listed=listed(["a", "b", "c", "d", "e"]))))
    shown = CliRunner().invoke(cli, ["report", "workflows/flow.yaml", "--format", "md"])
    assert shown.exit_code == 0, shown.output
    assert "Fan-out `review`: planned with 4 items, found 5 at run time (median of 1 run)." in shown.output.splitlines()


def test_a_dynamic_fan_out_runs_within_the_workflows_max_parallel_too(ws: Workspace) -> None:
    """The plan times a map node at min(its max_parallel, the workflow's) instances at once; the run
    holds the same width (an instance that finds another's directory there marks an overlap)."""
    text = DYNAMIC.format(listed=listed(["api", "web", "db", "queue"]))
    text = text.replace("steps:\n", "max_parallel: 1\nsteps:\n", 1)
    busy = "mkdir busy 2>/dev/null || touch overlap; sleep 0.1; rmdir busy; "
    result = ws.run(ws.plan(text.replace("run: \"printf '%s:%s'", f"run: \"{busy}printf '%s:%s'")))
    assert result.status == "succeeded"
    assert not (ws.root / "overlap").exists()
    assert json.loads((ws.root / "merged.json").read_text()) == ["api:0", "web:1", "db:2", "queue:3"]
