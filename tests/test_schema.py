"""The workflow JSON schema: well-formed, self-describing for editors, in step with the model, the
durations grammar and docs/format.md, usable by third-party validators, and printed by `wfc schema`
(tests/test_packaging.py holds the wheel to the same bytes)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from wfc import model
from wfc.format import vocabulary
from wfc.validate import schema_files
from wfc.cli import cli
from wfc.format.durations import DURATION_PATTERN, parse_duration

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "schema" / "workflow.schema.json"
FORMAT_DOC = ROOT / "docs" / "format.md"
SCHEMA: Dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA)

# Every object a user writes keys into; a typo in any of them must be an error, not ignored.
CLOSED_OBJECTS = {
    "#",
    "#/$defs/agentDefinition",
    "#/$defs/argument",
    "#/$defs/contextEntry",
    "#/$defs/retry",
    "#/$defs/defaults",
    "#/$defs/onFailure",
    "#/$defs/docs",
    "#/$defs/docs/properties/legacy",
    "#/$defs/action",
    "#/$defs/step",
}

FULL_WORKFLOW = """\
version: 1
name: full
title: Every key once
description: A workflow that uses every key of the format.
arguments:
  target: {description: Path to review, default: ".", type: path}
  depth: {description: How deep, enum: [quick, thorough], default: quick, required: false}
max_parallel: 3
max_cost: 5
resources: {network: 2, git: 1}
defaults:
  estimate: 2m
  timeout: 20m
  retry: {attempts: 2, backoff: 10s, factor: 1.5, max_backoff: 1m}
  agent: general-purpose
  model: sonnet
  tools: [Read, Grep]
  permission_mode: plan
  cache: true
agents:
  codebase-analyzer:
    description: Maps the codebase
    prompt: You map codebases.
    tools: [Read, Grep, Bash]
    disallowed_tools: [Write]
    model: haiku
    max_turns: 20
    permission_mode: dontAsk
  janitor: {description: Undoes work, prompt: You undo work., tools: "Read, Edit"}
context:
  codebase: {description: Languages and files, ttl: 1h30m}
  findings: {description: Issues found, schema: {type: array, items: {type: string}}}
steps:
  analyze:
    title: Analyze the codebase
    active: Analyzing the codebase
    description: Look around first.
    prompt: Describe {{ args.target }}.
    agent: codebase-analyzer
    model: opus
    tools: Read, Grep
    max_turns: 10
    max_cost: 0.5
    permission_mode: acceptEdits
    outputs: codebase
    files: ["src/**/*.py"]
    estimate: 90
    cached_estimate: 250ms
    group: Analysis
  lint:
    title: Lint
    run: [ruff, check, "."]
    env: {NO_COLOR: "1"}
    cwd: src
    inputs: [codebase]
    outputs: [findings]
    resources: {network: 2}
    retry: {attempts: 3}
    timeout: 5m
    continue_on_error: true
    cache: false
    when: "args.depth == 'thorough'"
    compensate: {run: git checkout -- src/, env: {A: b}, cwd: "."}
  rank:
    title: Rank findings
    call: reports.rank:rank_findings
    needs: [analyze, lint]
    inputs: findings
    resources: [git]
    compensate: {prompt: Undo the ranking., agent: janitor}
  review:
    title: Review {{ item }}
    prompt: Review {{ item }}, finding {{ index }} of the lint.
    for_each: context.findings
    estimate_items: 4
    max_parallel: 2
    min_success: 1
    trigger: always
on_failure: {compensate: true, keep_going: false}
docs:
  purpose: Show every key.
  usage: [/full, /full src]
  success_criteria: [It validates]
  outputs: [nothing]
  legacy: {minutes: 60, source: the old command's own budget}
progress: tasks
"""


def _yaml(text: str) -> Any:
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True).load(text)


def _errors(document: Any) -> List[Tuple[str, str, str]]:
    """(validator keyword, instance path, schema path) of every error, sorted. Schema paths skip
    `$ref`s, as jsonschema reports them."""
    found = []
    for error in VALIDATOR.iter_errors(document):
        path = "/".join(str(part) for part in error.absolute_path)
        found.append((str(error.validator), path, "/".join(str(part) for part in error.absolute_schema_path)))
    return sorted(found)


_SCHEMA_MAPS = ("properties", "$defs", "patternProperties", "dependentSchemas")
_SCHEMA_VALUES = ("additionalProperties", "items", "propertyNames", "contains", "not", "if", "then", "else")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")


def _walk(schema: Dict[str, Any], pointer: str = "#") -> Iterator[Tuple[str, Dict[str, Any]]]:
    """Every subschema with its JSON pointer, following the keywords that hold subschemas (so a
    property named `default` or `enum` is a subschema, while the `default` keyword's value is not).
    Boolean subschemas (`"prompt": true` beside a `required`, for Ajv's strictRequired) hold nothing."""
    if not isinstance(schema, dict):
        return
    yield pointer, schema
    for keyword in _SCHEMA_MAPS:
        for name, sub in schema.get(keyword, {}).items():
            yield from _walk(sub, f"{pointer}/{keyword}/{name}")
    for keyword in _SCHEMA_VALUES:
        if isinstance(schema.get(keyword), dict):
            yield from _walk(schema[keyword], f"{pointer}/{keyword}")
    for keyword in _SCHEMA_LISTS:
        for index, sub in enumerate(schema.get(keyword, [])):
            yield from _walk(sub, f"{pointer}/{keyword}/{index}")


def _properties() -> Iterator[Tuple[str, str, Dict[str, Any]]]:
    """(pointer of the owning object, property name, property schema) for every property."""
    for pointer, schema in _walk(SCHEMA):
        for name, prop in schema.get("properties", {}).items():
            if isinstance(prop, dict):
                yield pointer, name, prop


# -- the schema as a document ---------------------------------------------------------------------


def test_schema_is_valid_draft_2020_12_with_its_id() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    # SchemaStore serves the schemas it hosts at https://json.schemastore.org/NAME.json and requires that $id
    assert SCHEMA["$id"] == "https://json.schemastore.org/wfc-workflow.json"
    assert SCHEMA["title"] and SCHEMA["description"]
    for name in ("plan", "report"):
        other = json.loads((ROOT / "schema" / f"{name}.schema.json").read_text(encoding="utf-8"))
        assert other["$id"] == f"https://json.schemastore.org/wfc-{name}.json"


# Constraints applied beside a schema's own keys: a title of theirs would be what editors show on hover
HELPERS = ("exactlyOneKind", "exactlyOneAction")


def test_helpers_carry_no_text_editors_would_show_instead_of_the_keys() -> None:
    for name in HELPERS:
        assert not {"title", "description", "$anchor"} & set(SCHEMA["$defs"][name]), name


def test_every_property_and_definition_has_title_and_description() -> None:
    missing = [f"{pointer}/properties/{name}" for pointer, name, prop in _properties()
               if not (prop.get("title") and prop.get("description"))]
    missing += [f"#/$defs/{name}" for name, sub in SCHEMA["$defs"].items()
                if not (sub.get("title") and sub.get("description")) and name not in HELPERS]
    assert missing == []
    assert sum(1 for _ in _properties()) == 90  # 15 top-level, 33 per step, 42 in nested objects


def test_every_object_with_properties_is_closed_against_typos() -> None:
    with_properties = {pointer for pointer, schema in _walk(SCHEMA)
                       if any(isinstance(prop, dict) for prop in schema.get("properties", {}).values())}
    assert with_properties == CLOSED_OBJECTS
    open_objects = [p for p in sorted(CLOSED_OBJECTS) if _resolve(p).get("additionalProperties") is not False]
    assert open_objects == []


def _resolve(pointer: str) -> Dict[str, Any]:
    node: Any = SCHEMA
    for part in pointer.split("/")[1:]:
        node = node[part]
    return node


def test_main_properties_carry_examples() -> None:
    top = SCHEMA["properties"]
    step = SCHEMA["$defs"]["step"]["properties"]
    lacking = [name for name in ("version", "name", "title", "description", "arguments", "max_parallel",
                                 "resources", "context", "steps", "progress") if not top[name].get("examples")]
    lacking += [f"step.{name}" for name in ("title", "prompt", "needs", "inputs", "outputs", "estimate")
                if not step[name].get("examples")]
    assert lacking == []


def test_every_example_and_default_is_valid_where_it_is_given() -> None:
    """Editors offer examples and defaults as completions; one that fails its own schema would teach
    users a mistake."""
    invalid = []
    checked = 0
    for pointer, schema in _walk(SCHEMA):
        values = list(schema.get("examples", [])) + ([schema["default"]] if "default" in schema else [])
        for value in values:
            checked += 1
            if any(True for _ in VALIDATOR.evolve(schema=schema).iter_errors(value)):
                invalid.append((pointer, value))
    assert invalid == []
    assert checked == 87


def test_duration_pattern_is_the_compilers() -> None:
    string_form = SCHEMA["$defs"]["duration"]["oneOf"][0]
    assert string_form == {"type": "string", "pattern": DURATION_PATTERN}


@pytest.mark.parametrize("text", ["90s", "5m", "1h30m", "1.5h", "250ms", "2d", " 10 s ", "30", "0"])
def test_durations_the_compiler_parses_the_schema_accepts(text: str) -> None:
    assert parse_duration(text) is not None
    assert _errors({**_minimal(), "defaults": {"timeout": text}}) == []


@pytest.mark.parametrize("value", ["5 minutes", "1h 30", "m5", "-5s", "", "1.s", True, -1, "\u0665m", "\u0661\u0660s",
                                   "\uff15m", "\u0665"])
def test_durations_the_compiler_rejects_the_schema_rejects(value: Any) -> None:
    assert parse_duration(value) is None
    expected = ("oneOf", "defaults/timeout", "properties/defaults/properties/timeout/oneOf")
    assert _errors({**_minimal(), "defaults": {"timeout": value}}) == [expected]


def test_the_schema_speaks_the_vocabulary() -> None:
    """Kinds, kind-only keys, template keys, enums and every `default` annotation: the schema
    editors read says what wfc.format.vocabulary (which the checks, model and runtime read) says."""
    defs = SCHEMA["$defs"]
    kinds = [branch["required"] for branch in defs["exactlyOneKind"]["oneOf"]]
    assert sorted(kinds) == sorted([key] for key in vocabulary.KIND_KEYS)
    assert sorted(branch["required"] for branch in defs["exactlyOneAction"]["oneOf"]) == sorted(kinds)
    step_keys = set(defs["step"]["properties"])
    assert {key for keys in vocabulary.KIND_ONLY_KEYS.values() for key in keys} <= step_keys
    assert set(vocabulary.TEMPLATE_KEYS) <= step_keys
    assert defs["argument"]["properties"]["type"]["enum"] == list(vocabulary.ARGUMENT_TYPES)
    assert SCHEMA["properties"]["progress"]["enum"] == list(vocabulary.PROGRESS_TOOLS)
    agent = defs["agentDefinition"]
    assert sorted(agent["properties"]) == sorted(vocabulary.AGENT_KEYS)
    assert agent["required"] == list(vocabulary.AGENT_REQUIRED_KEYS)
    assert SCHEMA["properties"]["agents"]["propertyNames"]["pattern"] == vocabulary.AGENT_NAME_PATTERN
    assert agent["properties"]["permission_mode"]["enum"] == list(vocabulary.AGENT_PERMISSION_MODES)
    for modes in (defs["step"]["properties"]["permission_mode"], defs["defaults"]["properties"]["permission_mode"]):
        assert modes["enum"] == list(vocabulary.PERMISSION_MODES)
    for pointer, expected in vocabulary.SCHEMA_DEFAULTS.items():
        node = SCHEMA
        for part in pointer.strip("/").split("/"):
            node = node[part]
        found = node["default"]
        assert (parse_duration(found) if isinstance(found, str) and isinstance(expected, float) else found) == expected
        assert type(found) is type(expected) or isinstance(expected, float), pointer
    annotated = {pointer for pointer in _default_pointers(SCHEMA) if "/examples" not in pointer}
    assert annotated == set(vocabulary.SCHEMA_DEFAULTS)


def _default_pointers(node: Any, pointer: str = "") -> List[str]:
    found = []
    if isinstance(node, dict):
        if "default" in node and not isinstance(node["default"], dict):
            found.append(pointer)
        for key, value in node.items():
            found += _default_pointers(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _default_pointers(value, f"{pointer}/{index}")
    return found


def test_step_properties_are_the_model_fields_a_user_writes() -> None:
    derived = {"id", "kind", "estimate_defaulted", "instance"}
    step_fields = {name for name in model.Step.__dataclass_fields__} - derived - {"fan_out"}
    fan_out_fields = {name for name in model.FanOut.__dataclass_fields__} - {"items", "source", "item_estimate"}
    assert fan_out_fields == set(vocabulary.FAN_OUT_KEYS[1:])  # `for_each` gives items or source
    assert set(SCHEMA["$defs"]["step"]["properties"]) == step_fields | set(vocabulary.FAN_OUT_KEYS)
    action_fields = set(model.Action.__dataclass_fields__) - {"kind"}
    assert set(SCHEMA["$defs"]["action"]["properties"]) == action_fields


# -- what the schema accepts and rejects ----------------------------------------------------------


def _minimal() -> Dict[str, Any]:
    return {"version": 1, "title": "T", "description": "D", "steps": {"a": {"title": "A", "run": "true"}}}


def _with_step(**step: Any) -> Dict[str, Any]:
    return {**_minimal(), "steps": {"a": {"title": "A", **step}}}


def test_a_workflow_using_every_key_is_valid() -> None:
    assert _errors(_yaml(FULL_WORKFLOW)) == []


def test_the_full_workflow_uses_every_property_of_the_schema() -> None:
    document = _yaml(FULL_WORKFLOW)
    used = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            used.update(node)
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(document)
    assert {name for _, name, _ in _properties()} - used == set()


STEP = "properties/steps/additionalProperties/"  # jsonschema skips the `$ref` to $defs/step
INVALID: List[Tuple[str, Any, Tuple[str, str, str]]] = [
    ("unknown top-level key", {**_minimal(), "titel": "x"},
     ("additionalProperties", "", "additionalProperties")),
    ("version 2", {**_minimal(), "version": 2},
     ("const", "version", "properties/version/const")),
    ("missing title", {k: v for k, v in _minimal().items() if k != "title"},
     ("required", "", "required")),
    ("title on two lines", {**_minimal(), "title": "a\nb"},
     ("pattern", "title", "properties/title/pattern")),
    ("title from a folded block, ending in a newline", {**_minimal(), "title": "Review\n"},
     ("pattern", "title", "properties/title/pattern")),
    ("step title on two lines", _with_step(run="x", title="A\nB"),
     ("pattern", "steps/a/title", STEP + "properties/title/pattern")),
    ("empty title", {**_minimal(), "title": ""},
     ("minLength", "title", "properties/title/minLength")),
    ("name with capitals", {**_minimal(), "name": "Review"},
     ("pattern", "name", "properties/name/pattern")),
    ("name with double hyphen", {**_minimal(), "name": "a--b"},
     ("pattern", "name", "properties/name/pattern")),
    ("name too long", {**_minimal(), "name": "a" * 65},
     ("maxLength", "name", "properties/name/maxLength")),
    ("no steps", {**_minimal(), "steps": {}},
     ("minProperties", "steps", "properties/steps/minProperties")),
    ("step id with capitals", {**_minimal(), "steps": {"Build": {"title": "B", "run": "x"}}},
     ("pattern", "steps", "properties/steps/propertyNames/pattern")),
    ("argument named with a hyphen", {**_minimal(), "arguments": {"dry-run": {}}},
     ("pattern", "arguments", "properties/arguments/propertyNames/pattern")),
    ("argument typo", {**_minimal(), "arguments": {"x": {"defualt": 1}}},
     ("additionalProperties", "arguments/x", "properties/arguments/additionalProperties/additionalProperties")),
    ("argument type", {**_minimal(), "arguments": {"x": {"type": "array"}}},
     ("enum", "arguments/x/type", "properties/arguments/additionalProperties/properties/type/enum")),
    ("empty enum", {**_minimal(), "arguments": {"x": {"enum": []}}},
     ("minItems", "arguments/x/enum", "properties/arguments/additionalProperties/properties/enum/minItems")),
    ("max_parallel 0", {**_minimal(), "max_parallel": 0},
     ("minimum", "max_parallel", "properties/max_parallel/minimum")),
    ("resource capacity 0", {**_minimal(), "resources": {"db": 0}},
     ("minimum", "resources/db", "properties/resources/additionalProperties/minimum")),
    ("context typo", {**_minimal(), "context": {"c": {"tll": "1h"}}},
     ("additionalProperties", "context/c", "properties/context/additionalProperties/additionalProperties")),
    ("defaults typo", {**_minimal(), "defaults": {"timout": "1m"}},
     ("additionalProperties", "defaults", "properties/defaults/additionalProperties")),
    ("on_failure typo", {**_minimal(), "on_failure": {"keepgoing": True}},
     ("additionalProperties", "on_failure", "properties/on_failure/additionalProperties")),
    ("docs usage not a list", {**_minimal(), "docs": {"usage": "/x"}},
     ("type", "docs/usage", "properties/docs/properties/usage/type")),
    ("progress", {**_minimal(), "progress": "todo"},
     ("enum", "progress", "properties/progress/enum")),
    ("step without kind", _with_step(),
     ("oneOf", "steps/a", STEP + "allOf/0/oneOf")),
    ("step with two kinds", _with_step(run="x", prompt="y"),
     ("oneOf", "steps/a", STEP + "allOf/0/oneOf")),
    ("step typo", _with_step(run="x", need=["b"]),
     ("additionalProperties", "steps/a", STEP + "additionalProperties")),
    ("empty run list", _with_step(run=[]),
     ("oneOf", "steps/a/run", STEP + "properties/run/oneOf")),
    ("bad call", _with_step(call="pkg.mod.func"),
     ("pattern", "steps/a/call", STEP + "properties/call/pattern")),
    ("needs duplicate", _with_step(run="x", needs=["b", "b"]),
     ("oneOf", "steps/a/needs", STEP + "properties/needs/oneOf")),
    ("env value a number", _with_step(run="x", env={"N": 1}),
     ("type", "steps/a/env/N", STEP + "properties/env/additionalProperties/type")),
    ("max_turns 0", _with_step(prompt="p", max_turns=0),
     ("minimum", "steps/a/max_turns", STEP + "properties/max_turns/minimum")),
    ("max_cost 0", {**_minimal(), "max_cost": 0},
     ("exclusiveMinimum", "max_cost", "properties/max_cost/exclusiveMinimum")),
    ("step max_cost negative", _with_step(prompt="p", max_cost=-1),
     ("exclusiveMinimum", "steps/a/max_cost", STEP + "properties/max_cost/exclusiveMinimum")),
    ("step max_cost a string", _with_step(prompt="p", max_cost="$1"),
     ("type", "steps/a/max_cost", STEP + "properties/max_cost/type")),
    ("retry typo", _with_step(run="x", retry={"attempt": 2}),
     ("additionalProperties", "steps/a/retry", STEP + "properties/retry/additionalProperties")),
    ("retry factor below 1", _with_step(run="x", retry={"factor": 0.5}),
     ("minimum", "steps/a/retry/factor", STEP + "properties/retry/properties/factor/minimum")),
    ("resource units 0", _with_step(run="x", resources={"db": 0}),
     ("oneOf", "steps/a/resources", STEP + "properties/resources/oneOf")),
    ("compensate with two actions", _with_step(run="x", compensate={"run": "a", "call": "m:f"}),
     ("oneOf", "steps/a/compensate", STEP + "properties/compensate/allOf/0/oneOf")),
    ("compensate typo", _with_step(run="x", compensate={"run": "a", "shell": "b"}),
     ("additionalProperties", "steps/a/compensate", STEP + "properties/compensate/additionalProperties")),
    ("continue_on_error a string", _with_step(run="x", continue_on_error="yes"),
     ("type", "steps/a/continue_on_error", STEP + "properties/continue_on_error/type")),
]


@pytest.mark.parametrize("document, expected", [(d, e) for _, d, e in INVALID], ids=[n for n, _, _ in INVALID])
def test_the_schema_rejects(document: Any, expected: Tuple[str, str, str]) -> None:
    assert _errors(document) == [expected]


def test_kind_errors_are_recognisable_by_their_subschema() -> None:
    """jsonschema elides `$ref` from schema paths, so `$defs/exactlyOneKind` never appears in one; the
    failing subschema itself (`error.schema`) is the definition (no `$anchor`: Ajv's strict mode
    rejects it as an unknown keyword)."""
    kind_error, action_error = sorted(
        VALIDATOR.iter_errors(_with_step(run="x", prompt="p", compensate={})), key=lambda e: len(e.path))
    defs = SCHEMA["$defs"]
    assert (list(kind_error.absolute_path), kind_error.schema) == (["steps", "a"], defs["exactlyOneKind"])
    assert (list(action_error.absolute_path), action_error.schema) == (["steps", "a", "compensate"],
                                                                       defs["exactlyOneAction"])
    assert "exactlyOneKind" not in [str(part) for part in kind_error.absolute_schema_path]


# -- the docs ------------------------------------------------------------------------------------


def test_every_schema_property_has_a_row_in_format_md() -> None:
    """Each key is the first cell of a table row (with its type and an example), not merely mentioned."""
    text = FORMAT_DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", text, re.MULTILINE))
    undocumented = sorted({name for _, name, _ in _properties()} - documented)
    assert undocumented == []


def test_the_complete_example_in_format_md_is_valid(tmp_path: Path) -> None:
    text = FORMAT_DOC.read_text(encoding="utf-8")
    example = next(block for block in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL) if "\nsteps:" in block)
    assert _errors(_yaml(example)) == []
    (tmp_path / "review.yaml").write_text(example, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "review.yaml")])
    assert (result.exit_code, result.exception) == (0, None), result.output


def test_the_full_workflow_passes_the_semantic_checks_too(tmp_path: Path) -> None:
    """Schema and semantic validator agree on a document that uses every key."""
    (tmp_path / "full.yaml").write_text(FULL_WORKFLOW, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "full.yaml")])
    assert (result.exit_code, result.exception) == (0, None), result.output


def test_format_md_documents_the_duration_units_and_defaults() -> None:
    text = FORMAT_DOC.read_text(encoding="utf-8")
    for phrase in ("`ms`", "`s`", "`m`", "`h`", "`d`", "`1h`", "`todowrite`", "`tasks`", "exactlyOneKind"):
        assert phrase in text, phrase


# -- third-party validators ----------------------------------------------------------------------


def _check_jsonschema(*files: Path) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("check-jsonschema")
    assert executable, "check-jsonschema is a test dependency; pip install -e '.[test]'"
    return subprocess.run([executable, "--schemafile", str(SCHEMA_FILE), *map(str, files)],
                          capture_output=True, text=True, timeout=120)


def test_check_jsonschema_accepts_valid_and_shipped_workflows(tmp_path: Path) -> None:
    valid = tmp_path / "full.yaml"
    valid.write_text(FULL_WORKFLOW, encoding="utf-8")
    shipped = sorted((ROOT / "workflows").glob("*.yaml"))
    result = _check_jsonschema(valid, *shipped)
    assert (result.returncode, result.stderr) == (0, "")
    assert "ok -- validation done" in result.stdout


def test_check_jsonschema_rejects_a_title_with_a_trailing_newline_as_wfc_does(tmp_path: Path) -> None:
    """`$` in Python's re also matches before a final newline, in ECMA-262 (editors) it does not;
    the pattern's `(?!\\n)` makes both reject a title written as a folded `>` block."""
    folded = tmp_path / "folded.yaml"
    folded.write_text(FULL_WORKFLOW.replace("title: Every key once", "title: >\n  Every key once"), encoding="utf-8")
    assert _yaml(folded.read_text(encoding="utf-8"))["title"] == "Every key once\n"
    result = _check_jsonschema(folded)
    assert result.returncode == 1
    assert f"{folded}::$.title: 'Every key once\\n' does not match" in result.stdout
    assert _errors(_yaml(folded.read_text(encoding="utf-8"))) == [("pattern", "title", "properties/title/pattern")]


def test_check_jsonschema_rejects_an_unknown_key_and_names_it(tmp_path: Path) -> None:
    invalid = tmp_path / "typo.yaml"
    invalid.write_text(FULL_WORKFLOW.replace("    max_turns: 10\n", "    max_turn: 10\n"), encoding="utf-8")
    result = _check_jsonschema(invalid)
    assert result.returncode == 1
    assert f"{invalid}::$.steps.analyze: Additional properties are not allowed ('max_turn' was unexpected)" \
        in result.stdout


# -- packaging and the command -------------------------------------------------------------------


def test_wfc_schema_prints_the_file_unchanged() -> None:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0
    assert result.stdout_bytes == SCHEMA_FILE.read_bytes()


def test_wfc_schema_plan_prints_the_plan_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    packaged = tmp_path / "schema"
    packaged.mkdir()
    (packaged / "plan.schema.json").write_bytes(b'{"title": "plan"}\n')
    monkeypatch.setattr(schema_files, "_PACKAGED", packaged)
    result = CliRunner().invoke(cli, ["schema", "--plan"])
    assert (result.exit_code, result.stdout_bytes) == (0, b'{"title": "plan"}\n')


def test_wfc_schema_without_the_file_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schema_files, "_PACKAGED", tmp_path / "nowhere")
    monkeypatch.setattr(schema_files, "_REPOSITORY", tmp_path / "schema")
    result = CliRunner().invoke(cli, ["schema", "--plan"])
    assert result.exit_code == 1
    assert result.stderr == (
        "error: wfc is installed without its schema plan.schema.json (looked at "
        f"{tmp_path / 'schema' / 'plan.schema.json'}); reinstall it: pip install --force-reinstall wfc-compiler\n")
    assert result.stdout_bytes == b""


def test_schema_path_prefers_the_packaged_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert schema_files.schema_path() == SCHEMA_FILE
    (tmp_path / "workflow.schema.json").write_text("{}", encoding="utf-8")
    monkeypatch.setattr(schema_files, "_PACKAGED", tmp_path)
    assert schema_files.schema_path() == tmp_path / "workflow.schema.json"


def test_load_schema_returns_independent_copies() -> None:
    first = schema_files.load_schema()
    first["title"] = "changed"
    assert schema_files.load_schema() == SCHEMA
