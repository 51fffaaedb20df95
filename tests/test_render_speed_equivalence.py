"""The fast paths of the renderers print exactly what the straightforward code printed.

`indented_json` (orjson) stands in for `json.dumps(indent=2)`, the module embeds the plan file's
text instead of a dict literal, and `inert`/`command_text` skip their regexes when the text cannot
match: each is checked against the plain definition on generated data and on every shipped and
golden workflow.
"""
from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any, Dict, List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import Environment

from wfc.analysis import analyze
from wfc.analysis.cache_keys import _ENCODER, canonical_json
from wfc.model import Retry
from wfc.plan import Plan
from wfc.render import command_doc
from wfc.render.module import module_file_name, render_module
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

_plain_floats = st.floats(min_value=1e-4, max_value=1e300) | st.floats(min_value=-1e300, max_value=-1e-4) | st.just(0.0)
_plain_json = st.recursive(st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | _plain_floats | _text,
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
                           max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(_plain_json)
def test_indented_json_is_json_dumps_with_indent_2_but_for_floats_under_1e_minus_4(value: Any) -> None:
    assert indented_json(value) == json.dumps(value, indent=2, ensure_ascii=False)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_indented_json_reads_back_as_the_same_data(value: Any) -> None:
    assert json.loads(indented_json(value)) == value


def test_indented_json_spells_floats_under_1e_minus_4_as_orjson_does() -> None:
    assert indented_json([1e16, 1e-7, 9.999e-05, 1.5e300]) == "[\n  1e+16,\n  1e-7,\n  0.00009999,\n  1.5e+300\n]"


def test_what_orjson_refuses_takes_json_dumps_and_its_errors() -> None:
    value = {"big": 2**70, "k": ()}
    assert indented_json(value) == json.dumps(value, indent=2, ensure_ascii=False)
    with pytest.raises(TypeError, match="Object of type set is not JSON serializable"):
        indented_json({"a": {1}, "b": 2**70})


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.stem)
def test_plan_json_is_the_indented_encoding_of_its_own_data(path: Path) -> None:
    plan = plan_of(path)
    assert plan_to_json(plan) == json.dumps(plan_to_dict(plan), indent=2, ensure_ascii=False) + "\n"


# -- module ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.stem)
def test_module_embeds_the_plan_file_text_and_reads_back_its_data(path: Path) -> None:
    plan = plan_of(path)
    text = render_module(plan)
    assert plan_to_json(plan).replace("'", "\\u0027") in text
    namespace: Dict[str, Any] = {}
    exec(compile(text, module_file_name(plan.workflow), "exec"), namespace)
    assert namespace["PLAN"] == plan_to_dict(plan)


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


_MODULE_FRAGMENTS = ["'''", "'", '"""', "\\", "\\'''", "\u2028", "\x85", "\x00", "\r\n", "\ufeff", "\\u0027", "#", "\n"]
_hostile = st.lists(st.sampled_from(_MODULE_FRAGMENTS) | st.text(max_size=8), min_size=1, max_size=5).map("".join)


@settings(max_examples=60, deadline=None)
@given(strings=st.lists(_hostile, min_size=4, max_size=4))
def test_module_reads_back_any_title_prompt_or_command(strings: List[str]) -> None:
    base = plan_of(ROOT / "workflows/review-all.yaml").workflow
    title, description, prompt, command = strings
    steps = tuple(dataclasses.replace(step, title=title or "t", prompt=prompt if step.kind == "agent" else None,
                                      run=command if step.kind == "shell" else None, description=description)
                  for step in base.steps)
    plan = analyze(dataclasses.replace(base, title=title, description=description, steps=steps))
    namespace: Dict[str, Any] = {}
    exec(compile(render_module(plan), "module.py", "exec"), namespace)
    assert namespace["PLAN"] == plan_to_dict(plan)
    assert namespace["__doc__"] == f"{title}\n\n{description}\n\nRun it: python review_all.py --help\n"


# -- cache keys --------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(_plain_json, st.builds(Retry, st.integers(1, 9), st.just(0.0) | st.floats(1e-4, 1e10), st.floats(1, 1e9)))
def test_canonical_json_is_the_standard_sorted_compact_encoding(value: Any, retry: Retry) -> None:
    document = {"step": {"data": value, "retry": retry, "env": {"b": "1", "a": "é"}}, "dependencies": ["k"]}
    assert canonical_json(document) == _ENCODER.encode(document).encode("utf-8")


def test_canonical_json_spells_tiny_floats_as_orjson_does() -> None:
    assert canonical_json({"b": 1e-7, "a": Retry(backoff=5e-05)}) == (
        b'{"a":{"attempts":1,"backoff":0.00005,"factor":2.0,"max_backoff":null},"b":1e-7}')
