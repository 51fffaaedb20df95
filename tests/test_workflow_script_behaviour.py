"""What a Workflow script does with each feature of the format, run in virtual time: shell and
Python steps, conditions, retries, continue_on_error, keep_going, schemas, the agent cap,
arguments, templates it cannot carry, and the calls the runtime forbids."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Tuple

import pytest

import script_harness as harness
from wfc.compiler import CompileOptions, compile_paths
from wfc.analysis.plan import Plan


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # sources are named as users name them: workflows/demo.yaml


def compiled(tmp_path: Path, workflow: Dict[str, Any], name: str = "demo") -> Tuple[Plan, Path]:
    """The plan and the script of `workflow` (written as JSON, which is YAML)."""
    source = Path("workflows") / f"{name}.yaml"
    source.parent.mkdir(parents=True, exist_ok=True)
    data = {"version": 1, "title": "Demo", "description": "A demo.", **workflow}
    source.write_text(json.dumps(data), encoding="utf-8")
    plan = harness.plan_of(source)
    return plan, harness.write_script(plan, tmp_path)


def agent(prompt: str, estimate: str = "1m", **more: Any) -> Dict[str, Any]:
    return {"title": "A step", "prompt": prompt, "estimate": estimate, **more}


def prompts(report: Dict[str, Any]) -> Dict[str, str]:
    return {a["label"]: a["prompt"] for a in report["agents"]}


def test_a_shell_step_is_an_agent_told_to_run_exactly_its_command(tmp_path: Path) -> None:
    plan, script = compiled(tmp_path, {
        "arguments": {"target": {"default": "src dir"}},
        "context": {"listing": {}},
        "steps": {
            "list": {"title": "List", "run": ["ls", "-l", "{{ args.target }}"], "cwd": "docs", "env": {"LC_ALL": "C"},
                     "timeout": "2m", "estimate": "10s", "outputs": ["listing"]},
            "count": {"title": "Count", "run": "wc -l < {{ args.target }} && echo done", "estimate": "5s"},
            "read": agent("Files: {{ context.listing }}", inputs=["listing"]),
        }})
    report = harness.run(script, plan, results={"list": {"exit_status": 0, "stdout": "a.txt\nb.txt\n\n"}})
    assert report["error"] is None
    sent = prompts(report)
    assert sent["list"] == ("Run exactly this shell command with the Bash tool, once, in the directory \"docs\", "
                            "with LC_ALL=\"C\" in its environment, stopping it after 2m (then report exit status 124), "
                            "and do nothing else. The command, as a JSON string: \"ls -l 'src dir'\". Report its exit "
                            "status and its standard output.")
    assert "The command, as a JSON string: \"wc -l < 'src dir' && echo done\"." in sent["count"]
    assert sent["read"] == "Files: a.txt\nb.txt"  # stdout without its trailing newlines, as `wfc run` keeps it
    schema = {"type": "object", "properties": {"exit_status": {"type": "integer"}, "stdout": {"type": "string"}},
              "required": ["exit_status", "stdout"]}
    assert {a["label"]: a["schema"] for a in report["agents"]} == {"list": schema, "count": schema, "read": None}


def test_a_non_zero_exit_status_fails_the_shell_step(tmp_path: Path) -> None:
    plan, script = compiled(tmp_path, {"steps": {
        "build": {"title": "Build", "run": "make", "estimate": "1m", "retry": {"attempts": 2, "backoff": "1m"}},
        "ship": agent("Ship it.", needs=["build"])}})
    report = harness.run(script, plan, results={"build": {"exit_status": 2, "stdout": ""}})
    assert report["error"] == "demo failed: build: the command exited with status 2"
    assert [a["label"] for a in report["agents"]] == ["build", "build"]  # retried at once: no clock to wait on
    assert [(a["start"], a["finish"]) for a in report["agents"]] == [(0, 60), (60, 120)]


def test_a_python_step_fails_the_script_before_any_agent_starts(tmp_path: Path) -> None:
    plan, script = compiled(tmp_path, {"steps": {
        "fetch": agent("Fetch."), "rank": {"title": "Rank", "call": "reports.rank:rank", "estimate": "1m"}}})
    report = harness.run(script, plan)
    assert report["agents"] == []
    assert report["error"] == ("step rank calls Python (reports.rank:rank), which a Claude Code workflow cannot run: "
                               "run this workflow with `wfc run workflows/demo.yaml` instead")


def test_a_false_condition_skips_the_step_and_its_readers_see_none(tmp_path: Path) -> None:
    plan, script = compiled(tmp_path, {
        "arguments": {"deep": {"type": "boolean", "default": False}, "env": {"default": "prod"}},
        "context": {"extra": {}},
        "steps": {
            "probe": agent("Probe.", when="args.deep or args.env in ['dev', 'staging']", outputs=["extra"]),
            "use": agent("Extra: {{ context.extra }}; {% if context.extra %}deep{% else %}shallow{% endif %}",
                         inputs=["extra"])}})
    report = harness.run(script, plan)
    assert [a["label"] for a in report["agents"]] == ["use"] and report["agents"][0]["start"] == 0
    assert prompts(report)["use"] == "Extra: None; shallow"
    assert report["log"][0] == "probe: skipped (its condition is false)"
    assert [a["label"] for a in harness.run(script, plan, args={"env": "dev"})["agents"]] == ["probe", "use"]
    assert [a["label"] for a in harness.run(script, plan, args="yes")["agents"]] == ["probe", "use"]


def test_a_retry_runs_the_step_again_and_succeeds(tmp_path: Path) -> None:
    plan, script = compiled(tmp_path, {"steps": {
        "flaky": agent("Try {{ step.attempt }} of {{ step.id }}.", retry={"attempts": 3}),
        "after": agent("After.", needs=["flaky"])}})
    report = harness.run(script, plan, fail={"flaky": 2})
    assert report["error"] is None
    assert [(a["label"], a["start"], a["prompt"]) for a in report["agents"]] == [
        ("flaky", 0, "Try 1 of flaky."), ("flaky", 60, "Try 2 of flaky."), ("flaky", 120, "Try 3 of flaky."),
        ("after", 180, "After.")]


def test_continue_on_error_hands_none_on_and_compensates_nothing(tmp_path: Path) -> None:
    plan, script = compiled(tmp_path, {"context": {"notes": {}}, "steps": {
        "notes": agent("Notes.", continue_on_error=True, outputs=["notes"], compensate={"run": "rm notes"}),
        "write": agent("Notes were {{ context.notes }}.", inputs=["notes"])}})
    report = harness.run(script, plan, fail={"notes": -1})
    assert report["error"] is None and report["compensations"] == []
    assert prompts(report)["write"] == "Notes were None."


def test_keep_going_finishes_independent_steps_then_compensates(tmp_path: Path) -> None:
    plan, script = compiled(tmp_path, {"on_failure": {"keep_going": True}, "steps": {
        "a": agent("A.", "1m", compensate={"prompt": "Undo A for {{ step.id }}."}),
        "b": agent("B.", "2m"), "c": agent("C.", "3m", needs=["b"]),
        "d": agent("D.", "5m", compensate={"run": "undo d"}), "e": agent("E.", "1m", needs=["d"])}})
    report = harness.run(script, plan, fail={"b": -1})
    assert sorted(a["label"] for a in harness.step_agents(report)) == ["a", "b", "d", "e"]
    assert report["compensations"] == ["d", "a"]
    assert prompts(report)["compensate:a"] == "Undo A for a."
    assert harness.run(script, plan, fail={"b": -1}) == report  # deterministic to the last field


def test_without_keep_going_nothing_new_starts_after_a_failure(tmp_path: Path) -> None:
    plan, script = compiled(tmp_path, {"max_parallel": 2, "on_failure": {"compensate": False}, "steps": {
        "a": agent("A.", "1m"), "b": agent("B.", "3m", compensate={"run": "undo b"}), "c": agent("C.", "1m")}})
    report = harness.run(script, plan, fail={"a": -1})
    assert [a["label"] for a in report["agents"]] == ["b", "a"]  # c never starts; b runs out; no saga
    assert report["error"] == "demo failed: a: the agent gave no result" and report["compensations"] == []


def test_a_context_entry_with_a_schema_is_asked_for_with_agent_schema(tmp_path: Path) -> None:
    findings = {"type": "array", "items": {"type": "object", "properties": {"file": {"type": "string"}}}}
    plan, script = compiled(tmp_path, {
        "context": {"findings": {"schema": findings}, "summary": {}},
        "steps": {
            "review": agent("Review.", outputs=["findings", "summary"]),
            "fix": agent("Fix {{ context.findings | tojson }} ({{ context.findings | length }}): {{ context.summary }}",
                         inputs=["findings", "summary"])}})
    report = harness.run(script, plan)
    review, fix = report["agents"]
    assert review["schema"] == {"type": "object", "properties": {"findings": findings, "summary": {"type": "string"}},
                                "required": ["findings", "summary"]}
    assert fix["prompt"] == 'Fix [{"file": "review.findings[0].file"}] (1): review.summary'


def test_the_script_caps_itself_at_16_agents_and_reaches_the_plans_figure(tmp_path: Path) -> None:
    plan, script = compiled(tmp_path, {"steps": {f"s{i:02}": agent(f"Part {i}.") for i in range(20)}})
    assert plan.estimate.makespan == 60 and plan.estimate.claude_code_makespan == 120
    report = harness.run(script, plan)
    assert report["peak"] == 16 and harness.makespan(report) == plan.estimate.claude_code_makespan
    smaller = harness.run(script, plan, cap=4)  # a 6-CPU machine: the runtime queues the rest
    assert smaller["peak"] == 4 and harness.makespan(smaller) == 300 and smaller["error"] is None


def test_arguments_come_from_args_typed_as_wfc_run_types_them(tmp_path: Path) -> None:
    plan, script = compiled(tmp_path, {
        "arguments": {"env": {"enum": ["dev", "prod"], "default": "dev"}, "days": {"type": "integer", "default": 7},
                      "ticket": {"required": True}},
        "steps": {"go": agent("{{ args.ticket }} in {{ args.env }} over {{ args.days }}d")}})
    assert prompts(harness.run(script, plan, args="prod 30 T-1"))["go"] == "T-1 in prod over 30d"  # declared order
    assert prompts(harness.run(script, plan, args={"ticket": "T-2"}))["go"] == "T-2 in dev over 7d"
    assert harness.run(script, plan, args={})["error"] == "argument ticket is required"
    assert harness.run(script, plan, args={"ticket": "x", "envv": "dev"})["error"] == \
        "unknown argument envv; the arguments are: env, days, ticket"
    assert harness.run(script, plan, args="staging")["error"] == "argument env must be one of dev, prod; got staging"
    assert harness.run(script, plan, args={"ticket": "x", "days": "soon"})["error"] == \
        "argument days must be an integer; got soon"


def test_a_template_it_cannot_carry_is_a_warning_and_a_step_that_refuses(tmp_path: Path) -> None:
    plan, script = compiled(tmp_path, {"arguments": {"n": {"type": "integer", "default": 2}}, "steps": {
        "fine": agent("Fine."), "math": agent("Take {{ args.n * 2 }} steps.")}})
    report = harness.run(script, plan)
    assert report["agents"] == []
    assert report["error"] == ("the template of step math uses arithmetic (`*`), which this script cannot render "
                               "as wfc does: run this workflow with `wfc run workflows/demo.yaml` instead")
    result = compile_paths([str(tmp_path / "workflows")], CompileOptions(out_dir=tmp_path / "generated"))
    (warning,) = [d for d in result.diagnostics if d.code == "WFC320"]
    column = (tmp_path / "workflows" / "demo.yaml").read_text(encoding="utf-8").index('"Take {{') + 1
    assert (warning.severity, warning.line, warning.column, warning.yaml_path) == \
        ("warning", 1, column, ("steps", "math", "prompt"))
    assert warning.message == ("the Workflow script cannot carry the template of step 'math': it uses arithmetic "
                               "(`*`), which has no faithful JavaScript translation, so the script refuses to run "
                               "this step")
    written = tmp_path / "generated" / "workflows" / "demo.js"
    assert written.read_text(encoding="utf-8") == script.read_text(encoding="utf-8")


@pytest.mark.parametrize("call, message", [
    ("Date.now()", "Date.now() is not available in a workflow script: it would break resume"),
    ("Math.random()", "Math.random() is not available in a workflow script: it would break resume"),
    ("new Date()", "new Date() is not available in a workflow script: it would break resume"),
])
def test_the_harness_forbids_what_the_runtime_forbids(tmp_path: Path, call: str, message: str) -> None:
    script = tmp_path / "clock.js"
    meta = 'export const meta = {name: "clock", description: "d"};'
    script.write_text(f"{meta}\nlog(new Date(0).getTime());\n{call};\n", encoding="utf-8")
    report = harness.run(script, None)
    assert report["error"] == message and report["log"] == ["0"]
