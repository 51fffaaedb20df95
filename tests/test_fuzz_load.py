"""Whatever a file holds, the front half answers with a model or with diagnostics, never with a
traceback: arbitrary text (control characters, odd unicode, YAML punctuation), arbitrary bytes, and
arbitrary YAML trees, some shaped almost like workflows so they reach the semantic checks."""
from __future__ import annotations

import io
import json
import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from wfc.diagnostics import Diagnostic
from wfc.load import load_bytes, load_text
from wfc.validate import ValidationResult, validate_document

def fuzz(examples: int) -> settings:
    """Example counts add up to 2,300; no deadline, since CI machines vary in speed."""
    return settings(max_examples=examples, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

STEP_KEYS = ["title", "active", "description", "prompt", "agent", "model", "tools", "max_turns", "run", "env",
             "cwd", "call", "needs", "inputs", "outputs", "files", "estimate", "cached_estimate", "timeout",
             "retry", "resources", "cache", "when", "continue_on_error", "compensate", "group", "neds"]
TOP_KEYS = ["version", "name", "title", "description", "arguments", "max_parallel", "resources", "defaults",
            "context", "steps", "on_failure", "docs", "progress"]
NAMES = ["a", "b", "c", "analyze", "codebase", "gpu", "network", "target", "Bad Name", ""]
YAML_BITS = [":", "- ", "? ", "{", "}", "[", "]", ",", "&a ", "*a", "!!str ", "!tag ", "---\n", "...\n", "#",
             "\n", "  ", "\t", "'", '"', "|\n  ", ">-\n  ", "{{ args.x }}", "{% if %}", "\x00", "\ufeff", "\u2028",
             "1h30m", "5m", ".inf", ".nan", "0o7", "0x1F", "-1", "1e400", "~", "true", "version: 1\n", "steps:\n"]


def check(result: ValidationResult) -> None:
    """Exactly one of: a model and no error, or no model and at least one positioned error."""
    errors = [d for d in result.diagnostics if d.is_error]
    assert (result.workflow is None) == bool(errors)
    for diagnostic in result.diagnostics:
        assert isinstance(diagnostic, Diagnostic)
        assert diagnostic.line >= 1 and diagnostic.column >= 1
        assert diagnostic.code.startswith("WFC") and diagnostic.message


def validate_text(text: str) -> ValidationResult:
    return validate_document(load_text(text, "workflows/fuzz.yaml"), "fuzz")


yaml_like_text = st.lists(st.one_of(st.sampled_from(YAML_BITS), st.text(max_size=8)), max_size=40).map("".join)


@fuzz(600)
@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=300))
def test_arbitrary_text(text: str) -> None:
    """Any text a file can hold; lone surrogates cannot be encoded in one (see the test below)."""
    check(validate_text(text))


def test_text_with_a_lone_surrogate_is_a_diagnostic() -> None:
    """Only load_text's callers can pass such a str (files are decoded strictly); it should still
    be a WFC003-style diagnostic rather than a UnicodeEncodeError."""
    check(validate_text("title: \ud800\n"))


@fuzz(400)
@given(yaml_like_text)
def test_text_made_of_yaml_punctuation(text: str) -> None:
    check(validate_text(text))


@fuzz(300)
@given(st.binary(max_size=300))
def test_arbitrary_bytes(raw: bytes) -> None:
    check(validate_document(load_bytes(raw, "workflows/fuzz.yaml"), "fuzz"))


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10 ** 20), max_value=10 ** 20),
    st.floats(allow_nan=False), st.text(max_size=20), st.sampled_from(NAMES + ["5m", "1h30m", "90", "{{ x }}",
                                                                               "{{ args.target }}", "{%"]),
)
keys = st.one_of(st.sampled_from(NAMES + STEP_KEYS + TOP_KEYS), st.text(min_size=1, max_size=10))
trees = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(keys, inner, max_size=5)), max_leaves=25)
# small values keep generation cheap: the shape of the whole document is where the variety matters
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                        st.dictionaries(keys, inner, max_size=3)), max_leaves=5)
steps = st.dictionaries(st.sampled_from(NAMES), st.dictionaries(st.sampled_from(STEP_KEYS), values, max_size=6),
                        max_size=4)
workflows = st.fixed_dictionaries(
    {"version": st.sampled_from([1, 1, 2, "1"]), "title": st.sampled_from(["Demo", "", "A {{ args.x }}"]),
     "description": st.just("Fuzzed."), "steps": steps},
    optional={key: values for key in ("arguments", "context", "resources", "defaults", "max_parallel", "name")},
)

# plausible values per step key, so that many documents are valid and reach the model builder
PLAUSIBLE = {
    "estimate": st.sampled_from(["5m", "1h30m", 90, 0.5, "250ms", "2d", "soon", -1]),
    "timeout": st.sampled_from(["20m", 30, "1.5h"]),
    "needs": st.sampled_from(["a", ["a", "b"], [], "c", ["zzz"]]),
    "inputs": st.sampled_from(["codebase", ["codebase"], []]),
    "outputs": st.sampled_from(["codebase", ["codebase"], ["codebase", "codebase"]]),
    "retry": st.sampled_from([{"attempts": 3}, {"attempts": 2, "backoff": "10s", "factor": 1.5}, {}, {"attempts": 0}]),
    "resources": st.sampled_from([["gpu"], {"gpu": 2}, {"gpu": 5}, ["network"]]),
    "cache": st.booleans(),
    "when": st.sampled_from(["args.target", "args.target == 'x'", "nope", "("]),
    "compensate": st.sampled_from([{"run": "undo"}, {"call": "m.n:f"}, {"run": "a", "prompt": "b"}]),
    "active": st.sampled_from(["Reviewing code quality", "Running {{ args.target }}", "x\ny"]),
    "group": st.text(max_size=5),
}
near_valid_step = st.fixed_dictionaries(
    {"title": st.just("Do it"), "run": st.sampled_from(["echo {{ args.target }}", ["make", "x"], "{{ bad"])},
    optional=PLAUSIBLE)
near_valid = st.fixed_dictionaries({
    "version": st.just(1), "title": st.just("Demo"), "description": st.just("Near valid."),
    "arguments": st.just({"target": {"default": "."}}), "resources": st.just({"gpu": 2}),
    "context": st.just({"codebase": {"ttl": "1h"}}),
    "steps": st.dictionaries(st.sampled_from(["a", "b", "c"]), near_valid_step, min_size=1, max_size=3),
})


def dump_yaml(tree: Any) -> str:
    stream = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.dump(tree, stream)
    return stream.getvalue()


@fuzz(400)
@given(trees)
def test_arbitrary_yaml_trees(tree: Any) -> None:
    check(validate_text(dump_yaml(tree)))


@fuzz(600)
@given(st.one_of(workflows, near_valid), st.booleans())
def test_trees_shaped_like_workflows(tree: Any, as_json: bool) -> None:
    text = json.dumps(tree) if as_json else dump_yaml(tree)
    result = validate_text(text)
    check(result)
    if result.workflow is not None:
        assert all(math.isfinite(step.estimate) for step in result.workflow.steps)
