"""A Workflow script's dynamic fan-out (`for_each: args.NAME` or `context.NAME`), run in virtual
time: one agent per item found, the policy of `wfc run`'s map node (min_success,
continue_on_error, retries per instance), its messages word for word, compensation per instance,
and a stop that leaves the items not started."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import script_harness as harness
from test_workflow_script_behaviour import agent, compiled, in_tmp, prompts  # noqa: F401 (in_tmp: a fixture)
from wfc.model.fan_out import instance_ids

FIVE = ["a", "b", "c", "d", "e"]


def reviews(prompt: str = "Review {{ item }} ({{ index }}, {{ step.id }}).", **more: Any) -> Dict[str, Any]:
    """A list argument, one review per module (each its own agent), a merge of the notes."""
    return {"arguments": {"modules": {"type": "list", "required": True}}, "context": {"notes": {}}, "steps": {
        "review": agent(prompt, for_each="args.modules", outputs=["notes"], **more),
        "merge": agent("Merge {{ context.notes }}.", inputs=["notes"])}}


def times(items: List[Any], **more: float) -> Dict[str, float]:
    found = {made: 60.0 for made in instance_ids("review", items)}
    return {"merge": 60.0, **found, **more}


def labels(report: Dict[str, Any]) -> List[str]:
    return [a["label"] for a in report["agents"]]


def test_a_list_argument_given_as_words_between_commas_or_json_gives_one_agent_per_item(tmp_path: Path) -> None:
    plan, script = compiled(tmp_path, reviews())
    report = harness.run(script, plan, args="a,b,c,d,e", durations=times(FIVE))
    assert report["error"] is None and labels(report) == [f"review[{x}]" for x in FIVE] + ["merge"]
    assert prompts(report)["review[c]"] == "Review c (2, review[c])."
    assert prompts(report)["merge"] == "Merge " + str([f"result of review[{x}]" for x in FIVE]) + "."
    report = harness.run(script, plan, args={"modules": '["x", "y z", "7"]'}, durations=times(["x", "y z", "7"]))
    assert labels(report) == ["review[x]", "review[1]", "review[2]", "merge"]  # not plain, or read as an index
    assert prompts(report)["review[1]"] == "Review y z (1, review[1])."
    report = harness.run(script, plan, args={"modules": []}, durations=times([]))
    assert labels(report) == ["merge"] and prompts(report)["merge"] == "Merge []."


def test_an_item_ending_in_a_line_break_is_no_plain_item_in_the_script_or_in_wfc(tmp_path: Path) -> None:
    plan, script = compiled(tmp_path, reviews())
    items = ["ok", "api\n"]
    assert instance_ids("review", items) == ["review[ok]", "review[1]"]
    report = harness.run(script, plan, args={"modules": items}, durations=times(items))
    assert labels(report) == ["review[ok]", "review[1]", "merge"]


def test_min_success_lets_a_failed_instance_through_as_none_until_too_few_succeed(tmp_path: Path) -> None:
    plan, script = compiled(tmp_path, reviews(min_success=4))
    report = harness.run(script, plan, args="a,b,c,d,e", durations=times(FIVE), fail={"review[b]": -1})
    assert report["error"] is None
    assert prompts(report)["merge"] == ("Merge ['result of review[a]', None, 'result of review[c]', "
                                        "'result of review[d]', 'result of review[e]'].")
    assert report["log"][:1] == ["review[b] failed: the agent gave no result"]
    report = harness.run(script, plan, args="a,b,c,d,e", durations=times(FIVE), fail={"review[d]": -1, "review[b]": -1})
    assert report["error"] == ("demo failed: review: 2 of 5 instances failed (at least 4 had to succeed); the first: "
                               "the agent gave no result")
    assert "merge" not in labels(report)


def test_each_instance_retries_on_its_own(tmp_path: Path) -> None:
    plan, script = compiled(tmp_path, reviews(retry={"attempts": 3}, prompt="Try {{ step.attempt }} of {{ item }}."))
    report = harness.run(script, plan, args="a,b", durations=times(["a", "b"]), fail={"review[b]": 2})
    assert report["error"] is None
    assert [(a["label"], a["start"], a["prompt"]) for a in report["agents"]] == [
        ("review[a]", 0, "Try 1 of a."), ("review[b]", 0, "Try 1 of b."), ("review[b]", 60, "Try 2 of b."),
        ("review[b]", 120, "Try 3 of b."), ("merge", 180, "Merge ['result of review[a]', 'result of review[b]'].")]


def test_continue_on_error_hands_the_readers_what_the_instances_found(tmp_path: Path) -> None:
    plan, script = compiled(tmp_path, reviews(continue_on_error=True))
    report = harness.run(script, plan, args="a,b,c", durations=times(["a", "b", "c"]), fail={"review[b]": -1})
    assert report["error"] is None
    assert "review failed, and the workflow goes on: 1 of 3 instances failed; the first: the agent gave no result" \
        in report["log"]
    assert prompts(report)["merge"] == "Merge ['result of review[a]', None, 'result of review[c]']."


def listing(**review: Any) -> Dict[str, Any]:
    """A step that lists the modules, then one review per module it found."""
    return {"context": {"modules": {}, "notes": {}}, "steps": {
        "list": agent("List the modules as a JSON list.", outputs=["modules"]),
        "review": agent("Review {{ item }}.", for_each="context.modules", outputs=["notes"], **review),
        "merge": agent("Merge {{ context.notes }}.", inputs=["notes"])}}


def test_a_value_that_is_no_list_fails_the_step_saying_what_it_found(tmp_path: Path) -> None:
    plan, script = compiled(tmp_path, listing())
    said = {"api web": "the string 'api web'", '{"a": 1}': "a mapping", "3": "an integer (3)",
            "2.5": "a number (2.5)", "true": "true", "null": "nothing (null)",
            "x" * 45: "the string '" + "x" * 37 + "...'"}
    for value, words in said.items():
        report = harness.run(script, plan, results={"list": value}, durations={"list": 60})
        assert report["error"] == (f"demo failed: review: step 'review' fans out over context.modules, which is not "
                                   f"a list at run time but {words}: produce a JSON list, such as [\"a\", \"b\"]")
        assert labels(report) == ["list"]


def test_items_that_give_one_id_twice_fail_the_step(tmp_path: Path) -> None:
    plan, script = compiled(tmp_path, listing())
    report = harness.run(script, plan, results={"list": json.dumps(["api", "web", "api"])}, durations={"list": 60})
    assert report["error"] == ("demo failed: review: step 'review' fans out over context.modules, whose items 0 and 2 "
                               "both give the instance id 'review[api]': make the items distinct")


def test_each_instance_is_compensated_with_its_own_item_the_last_finished_first(tmp_path: Path) -> None:
    workflow = listing(compensate={"prompt": "Undo {{ item }} ({{ step.id }})."})
    workflow["steps"]["merge"]["compensate"] = {"prompt": "Undo the merge."}
    workflow["steps"]["ship"] = agent("Ship.", needs=["merge"])
    plan, script = compiled(tmp_path, workflow)
    durations = {"list": 60, "review[a]": 180, "review[b]": 60, "review[c]": 120, "merge": 60, "ship": 60,
                 **{f"compensate:{x}": 1 for x in ("review[a]", "review[b]", "review[c]", "merge")}}
    report = harness.run(script, plan, results={"list": '["a", "b", "c"]'}, durations=durations, fail={"ship": -1})
    assert report["error"] == "demo failed: ship: the agent gave no result"
    assert report["compensations"] == ["merge", "review[a]", "review[c]", "review[b]"]
    assert prompts(report)["compensate:review[c]"] == "Undo c (review[c])."


def test_a_stop_leaves_the_items_not_started_and_names_only_the_failure(tmp_path: Path) -> None:
    workflow = listing(max_parallel=1)
    workflow["steps"]["probe"] = agent("Probe.", needs=["list"])
    plan, script = compiled(tmp_path, workflow)
    durations = {"list": 60, "probe": 90, **times(FIVE)}
    report = harness.run(script, plan, results={"list": json.dumps(FIVE)}, durations=durations, fail={"probe": -1})
    assert report["error"] == "demo failed: probe: the agent gave no result"
    assert labels(report) == ["list", "probe", "review[a]", "review[b]"]  # b started at 120, before probe failed
    assert "review: 3 of its instances did not start: the run stopped" in report["log"]
