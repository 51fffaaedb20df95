"""Hostile text in every field a user writes still gives a Workflow script that parses, keeps
`meta` a pure literal, runs, and hands each agent exactly the text Jinja renders (property test)."""
from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path
from typing import Any, Dict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import script_harness as harness
from wfc.render.workflow_script import render_workflow_script
from wfc.format.templating import render, render_command

PIECES = ['"', "'", "`", "${", "}", "$", "\\", "</script>", "*/", "/*", "//", "\n", "\r\n", "\r", "\u2028", "\u2029",
          "```!", "!`x`", "$ARGUMENTS", "$0", "é", "😀", " ", "-", "a", "]", "[", "<!--", "\t", "%", "#"]
hostile = st.lists(st.sampled_from(PIECES), min_size=1, max_size=8).map("".join)
one_line = hostile.map(lambda text: text.replace("\n", " ").replace("\r", " ")).filter(str.strip)
def plain(text: str) -> bool:
    """No template syntax: prompts, commands and titles are templates, and this text is their literal part."""
    return not any(opener in text for opener in ("{{", "{%", "{#"))


literal = hostile.filter(plain)
stem = st.lists(st.sampled_from(["a", "'", '"', "`", "$", "{", "}", " ", "é", "*", "-", "\u2028"]), min_size=1,
                max_size=6).map(lambda parts: "w" + "".join(parts))


def workflow(text: Dict[str, str]) -> Dict[str, Any]:
    """A workflow whose every free-text field holds hostile text, templates included."""
    return {
        "version": 1, "title": text["title"], "description": text["description"],
        "arguments": {"a": {"description": text["description"], "default": text["value"],
                            "enum": [text["value"], text["other"]]}},
        "context": {"notes": {"description": text["description"]}},
        "steps": {
            "first": {"title": text["title"], "group": text["group"], "agent": text["agent"], "model": text["model"],
                      "prompt": text["literal"] + " {{ args.a }} " + text["literal"], "estimate": "1m",
                      "outputs": ["notes"], "compensate": {"prompt": text["literal"] + " {{ args.a }}"}},
            "second": {"title": text["title"], "group": text["other_group"], "needs": ["first"], "estimate": "2m",
                       # no `#`: a value after one lands in a shell comment, where a line break is refused
                       "run": text["literal"].replace("#", "") + " {{ args.a }}", "env": {"X": text["value"]},
                       "cwd": text["value"],
                       "compensate": {"run": [text["literal"], "{{ args.a }}"]}},
            "third": {"title": text["title"], "group": text["group"], "inputs": ["notes"], "estimate": "1m",
                      "prompt": "{{ context.notes }}" + text["literal"],
                      "when": "args.a != " + json.dumps(text["other"], ensure_ascii=False)},
        },
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=stem, title=one_line.filter(plain), description=hostile, value=hostile, other=hostile, group=one_line,
       other_group=one_line, agent=one_line, model=one_line, literal=literal)
def test_hostile_text_in_every_field_yields_a_script_that_parses_and_runs(tmp_path: Path, name: str,
                                                                           **text: str) -> None:
    if text["value"] == text["other"]:
        text["other"] += "x"
    os.chdir(tmp_path)
    source = Path("workflows") / "hostile.yaml"
    source.parent.mkdir(exist_ok=True)
    source.write_text(yaml_text(workflow(text)), encoding="utf-8")
    # Validation refuses such a file name (WFC057); the renderer must still be safe for any name
    plan = harness.plan_of(source)
    plan = dataclasses.replace(plan, workflow=dataclasses.replace(plan.workflow, name=name))
    script = tmp_path / "script.js"
    script.write_bytes(render_workflow_script(plan).encode("utf-8"))
    assert harness.node_check(script).returncode == 0
    (check,) = harness.meta_checks([script])
    assert check["pure"] and check["forbidden"] == []
    assert check["meta"]["name"] == name
    assert check["meta"]["description"] == (text["description"].strip() or text["title"])
    assert {phase["title"] for phase in check["meta"]["phases"]} == {text["group"], text["other_group"]}
    report = harness.run(script, plan, fail={"third": -1})
    assert report["problems"] == [] and report["error"] == f"{name} failed: third: the agent gave no result"
    sent = {agent["label"]: agent for agent in report["agents"]}
    args = {"a": text["value"]}
    assert sent["first"]["prompt"] == render(plan.workflow.step("first").prompt or "", {"args": args})
    assert sent["first"]["agentType"] == text["agent"] and sent["first"]["model"] == text["model"]
    steps = plan.workflow.steps_by_id()
    assert command_in(sent["second"]["prompt"]) == render_command(steps["second"].run or "", {"args": args})
    assert sent["third"]["prompt"] == render(steps["third"].prompt or "", {"context": {"notes": "result of first"}})
    undo, undo_first = plan.workflow.step("second").compensate, plan.workflow.step("first").compensate
    assert command_in(sent["compensate:second"]["prompt"]) == " ".join(
        harness_quoted(word) for word in render_command(undo.run or (), {"args": args}))  # type: ignore[union-attr]
    assert sent["compensate:first"]["prompt"] == render(undo_first.prompt or "", {"args": args})  # type: ignore[union-attr]
    assert report["compensations"] == ["second", "first"]


def yaml_text(data: Any) -> str:
    """JSON, which is YAML, written in ASCII; a character past U+FFFF as YAML's `\\U` escape (YAML
    refuses JSON's surrogate pairs)."""
    def astral(match: "re.Match[str]") -> str:
        high, low = int(match[1], 16), int(match[2], 16)
        return f"\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08x}"

    return re.sub(r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", astral, json.dumps(data))


def command_in(prompt: str) -> Any:
    """The command a shell prompt hands over, decoded from its JSON string."""
    start = prompt.index("The command, as a JSON string: ") + len("The command, as a JSON string: ")
    return json.JSONDecoder().raw_decode(prompt, start)[0]


def harness_quoted(word: str) -> str:
    import shlex

    return shlex.quote(word)
