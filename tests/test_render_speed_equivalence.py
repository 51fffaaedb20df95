"""The fast paths of the renderers print exactly what the straightforward code printed.

`indented_json` stands in for `json.dumps(indent=2)`, `canonical` for a sorted JSON round trip,
and `inert`/`command_text` skip their regexes when the text cannot match: each is checked
against the plain definition on generated data and on every shipped and golden workflow.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import Environment

from wfc.analysis import analyze
from wfc.plan import Plan
from wfc.render import command_doc
from wfc.render.environment import render
from wfc.render.header import header_text
from wfc.render.module import canonical, module_file_name, render_module
from wfc.render.plan_json import indented_json, plan_to_dict, plan_to_json
from wfc.validate import load_workflow

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / "workflows").glob("*.yaml")) + sorted((ROOT / "tests/golden/workflows").glob("*.yaml"))

_text = st.lists(st.sampled_from(["a", "é", "\x00", "\n", '"', "\\", "\u2028", "$1", "!`", "{{", "`", " ", "😀"]),
                 max_size=6).map("".join)
_leaves = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | _text
_json = st.recursive(_leaves, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
                     max_leaves=30)


def plan_of(path: Path) -> Plan:
    return analyze(load_workflow(path.relative_to(ROOT)))


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


# -- indented_json -----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(_json)
def test_indented_json_is_json_dumps_with_indent_2(value: Any) -> None:
    assert indented_json(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_indented_json_handles_what_json_handles_beyond_plain_data() -> None:
    value = {1: (2, [3.5]), 1.5: {}, True: [], None: "x", "k": (), "\x00": ["\x00", {"\x00": [1]}]}
    assert indented_json(value) == json.dumps(value, indent=2, ensure_ascii=False)
    assert indented_json([math.nan, -math.inf]) == '[\n  NaN,\n  -Infinity\n]'


def test_indented_json_refuses_nan_when_told_to_like_json() -> None:
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        indented_json({"a": [math.inf]}, allow_nan=False)
    with pytest.raises(TypeError, match="Object of type set is not JSON serializable"):
        indented_json({"a": {1}})


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.stem)
def test_plan_json_is_the_indented_standard_encoding(path: Path) -> None:
    plan = plan_of(path)
    assert plan_to_json(plan) == json.dumps(plan_to_dict(plan), indent=2, ensure_ascii=False) + "\n"


# -- canonical ---------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(_json)
def test_canonical_is_the_sorted_json_round_trip(value: Any) -> None:
    assert repr(canonical(value)) == repr(json.loads(json.dumps(value, sort_keys=True, ensure_ascii=False)))


def test_canonical_turns_tuples_into_lists_as_the_round_trip_did() -> None:
    assert canonical({"b": (1, (2,)), "a": [{"d": 1, "c": (3,)}]}) == {"a": [{"c": [3], "d": 1}], "b": [1, [2]]}
    assert list(canonical({"b": 1, "a": 2})) == ["a", "b"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.stem)
def test_module_is_what_the_round_trip_gave(path: Path) -> None:
    plan = plan_of(path)
    workflow = plan.workflow
    docstring = f"{workflow.title}\n\n{workflow.description}\n\nRun it: python {module_file_name(workflow)} --help\n"
    sorted_plan = json.loads(json.dumps(plan_to_dict(plan), sort_keys=True, ensure_ascii=False))
    expected = render("module.py.j2", header=header_text(workflow), docstring=docstring, plan=sorted_plan)
    assert render_module(plan) == expected


# -- command doc -------------------------------------------------------------------------------

_CLAUDE = re.compile(r"\$(ARGUMENTS|\d+)")
_BANG = re.compile(r"!(?=`)")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "$", "1", "ARGUMENTS", "!", "`", "{", "}", " "]), max_size=8).map("".join))
def test_inert_skips_only_text_the_rewrites_leave_alone(text: str) -> None:
    assert command_doc.inert(text) == _BANG.sub("!\u200b", _CLAUDE.sub(lambda m: "${" + m.group(1) + "}", text))


def test_command_text_without_a_brace_is_only_made_inert() -> None:
    plan = plan_of(ROOT / "tests/golden/workflows/fan-out-fan-in.yaml")
    assert command_doc.command_text("cost $2 !`ls`", plan.workflow) == "cost ${2} !\u200b`ls`"
    assert command_doc.command_text("{{ args.topic }} $1", plan.workflow) == "$1 ${1}"


def test_placeholders_are_remembered_per_workflow_but_handed_out_as_copies() -> None:
    workflow = plan_of(ROOT / "tests/golden/workflows/fan-out-fan-in.yaml").workflow
    command_doc.placeholders(workflow)["topic"] = "changed"
    assert command_doc.placeholders(workflow) == {"topic": "$1", "depth": "$2"}


def test_view_keys_read_as_attributes_in_jinja_and_dict_methods_stay_methods() -> None:
    view = command_doc.View(title="T", kind="agent")
    assert Environment().from_string("{{ v.title }}/{{ v.kind }}/{{ v['title'] }}").render(v=view) == "T/agent/T"
    assert view == {"title": "T", "kind": "agent"} and callable(command_doc.View(items=1).items)
    with pytest.raises(AttributeError, match="missing"):
        getattr(view, "missing")
