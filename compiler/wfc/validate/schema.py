"""JSON schema errors as findings a person can act on.

jsonschema reports in the schema's terms ("Additional properties are not allowed"); users need
ours: which key, in which step, what was expected, what was found, and the likely fix. Every error
is collected; for a `oneOf` (or `anyOf`) the alternatives are folded into one "expected X or Y" message.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterator, List, Mapping, Tuple

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from wfc.format.durations import DURATION_PATTERN
from wfc.format.vocabulary import BUDGET_KEY
from wfc.validate.finding import Finding, suggest
from wfc.validate.schema_files import load_schema
from wfc.diagnostics.wording import describe, dotted, where  # noqa: F401  (describe is part of this module's API)
from wfc.diagnostics import codes

# the semantic checks explain these better (with the step's keys), so schema errors from them are dropped
SEMANTIC_SUBSCHEMAS = ("exactlyOneKind", "exactlyOneAction")
_TYPE_NAMES = {"object": "a mapping", "array": "a list", "string": "a string", "integer": "an integer",
               "number": "a number", "boolean": "true or false", "null": "nothing"}


@lru_cache(maxsize=1)
def validator() -> Draft202012Validator:
    """Built once per process: compiling the schema costs more than validating a workflow."""
    return Draft202012Validator(load_schema())


@dataclass(frozen=True)
class SchemaError:
    """jsonschema's error as this module reads it: which rule (`validator`, its `value` in the
    schema), what it judged (`instance`), where (`path` in the document, `depth` below the error
    that holds it) and, for a combinator, why each branch failed (`context`)."""

    validator: str
    value: Any
    instance: Any
    schema: Mapping[str, Any]
    schema_path: Tuple[Any, ...]
    path: Tuple[Any, ...]
    depth: int
    context: Tuple["SchemaError", ...]

    message: str

    @classmethod
    def of(cls, error: ValidationError) -> "SchemaError":
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        return cls(str(error.validator), error.validator_value, error.instance, schema, tuple(error.schema_path),
                   tuple(error.absolute_path), len(error.path), tuple(cls.of(sub) for sub in error.context or ()),
                   error.message)


def schema_findings(data: Any) -> List[Finding]:
    """Every schema error, explained; those of the subschemas the semantic checks word better
    (with the step's keys) are dropped."""
    findings: List[Finding] = []
    schema = validator().schema
    definitions = schema["$defs"] if isinstance(schema, Mapping) else {}
    semantic = [definitions.get(name) for name in SEMANTIC_SUBSCHEMAS]
    for error in validator().iter_errors(data):
        if error.schema in semantic or is_budget(tuple(error.absolute_path)):
            continue
        findings.extend(_explain(SchemaError.of(error)))
    return findings


def is_budget(path: Tuple[Any, ...]) -> bool:
    """A `max_cost` value (the run's or a step's): `budget_checks` words its errors (WFC330)."""
    return path == (BUDGET_KEY,) or (len(path) == 3 and path[0] == "steps" and path[2] == BUDGET_KEY)


def _explain(error: SchemaError) -> Iterator[Finding]:
    handler = _HANDLERS.get(error.validator, _generic)
    yield from handler(error, error.path)


def _unknown_keys(error: SchemaError, path: Tuple[Any, ...]) -> Iterator[Finding]:
    schema = error.schema
    allowed = sorted(schema.get("properties", {}))
    instance = error.instance if isinstance(error.instance, dict) else {}
    for key in instance:
        if key in allowed:
            continue
        hint = suggest(key, allowed) or (f"allowed keys: {', '.join(allowed)}" if allowed else "remove it")
        yield Finding(codes.UNKNOWN_KEY, f"unknown key '{key}' in {where(path)}", hint, path + (key,), at_key=True)


def _missing(error: SchemaError, path: Tuple[Any, ...]) -> Iterator[Finding]:
    present = error.instance if isinstance(error.instance, dict) else {}
    for key in error.value:
        if key not in present:
            declared = error.schema.get("properties", {}).get(key, {})
            description = declared.get("description", "") if isinstance(declared, dict) else ""
            first = description.split(".")[0]
            hint = f"add `{key}:`" + (f" ({first[:1].lower()}{first[1:]})" if description else "")
            yield Finding(
                codes.MISSING_KEY, f"{where(path)} is missing the required key '{key}'", hint, path, at_key=bool(path)
            )


def _wrong_type(error: SchemaError, path: Tuple[Any, ...]) -> Iterator[Finding]:
    expected = error.value if isinstance(error.value, list) else [error.value]
    wanted = " or ".join(_TYPE_NAMES.get(str(t), str(t)) for t in expected)
    yield Finding(codes.WRONG_TYPE, f"{where(path)} must be {wanted}, found {describe(error.instance)}",
                  _type_hint(path, expected), path)


def _type_hint(path: Tuple[Any, ...], expected: List[str]) -> str:
    if "array" in expected:
        return "write a list, e.g. `[a, b]`"
    if "object" in expected:
        return "write a mapping of `key: value` lines, indented under this key"
    if "string" in expected:
        return "quote the value to make it a string"
    return "change the value's type"


def _alternatives(error: SchemaError, path: Tuple[Any, ...]) -> Iterator[Finding]:
    """anyOf/oneOf: if every branch failed on type, say which shapes were allowed; else the deepest."""
    if "duration" in str(error.schema.get("$ref", "")) or _is_duration(error.schema):
        yield duration_finding(error.instance, path)
        return
    deeper = [sub for sub in error.context if sub.depth]
    if deeper:
        best = max(deeper, key=lambda sub: sub.depth)
        yield from _explain(best)
        return
    declared = [branch.get("type") for branch in error.value if isinstance(branch, dict)]
    shapes = list(
        dict.fromkeys(t for value in declared if value for t in (value if isinstance(value, list) else [value]))
    )
    if shapes and not any(_matches_type(error.instance, t) for t in shapes):
        wanted = " or ".join(_TYPE_NAMES.get(t, t) for t in shapes)
        yield Finding(codes.WRONG_TYPE, f"{where(path)} must be {wanted}, found {describe(error.instance)}",
                      _type_hint(path, shapes), path)
        return
    # the instance has an allowed shape: explain what is wrong within the branch of that shape
    fitting = [sub for sub in error.context if sub.validator != "type" and _branch_fits(sub, error.instance)]
    if fitting:
        yield from _explain(fitting[0])
    else:
        yield from _generic(error, path)


def _branch_fits(sub: SchemaError, instance: Any) -> bool:
    branch_type = sub.schema.get("type")
    return branch_type is None or _matches_type(instance, branch_type)


def duration_finding(value: Any, path: Tuple[Any, ...]) -> Finding:
    hint = "write a duration like 90s, 5m, 1h30m or 250ms (a bare number is seconds)"
    if isinstance(value, str) and any(char.isdigit() and not char.isascii() for char in value):
        hint = "write the digits as ASCII 0-9 (" + "".join(_ascii_digit(char) for char in value).strip() + \
            "); other scripts' digits are not read as numbers"
    return Finding(codes.NOT_A_DURATION, f"{where(path)}: {describe(value)} is not a duration", hint, path)


def _ascii_digit(char: str) -> str:
    return str(unicodedata.digit(char)) if char.isdigit() and not char.isascii() else char


def _is_duration(schema: Mapping[str, Any]) -> bool:
    return any(branch.get("pattern") == DURATION_PATTERN for branch in schema.get("oneOf", []))


def _matches_type(value: Any, type_name: str) -> bool:
    checks = {"object": dict, "array": list, "string": str, "boolean": bool}
    if type_name in ("integer", "number"):
        return isinstance(value, (int, float)) and not isinstance(value, bool) and (
            type_name == "number" or isinstance(value, int))
    return isinstance(value, checks.get(type_name, object))


def _pattern(error: SchemaError, path: Tuple[Any, ...]) -> Iterator[Finding]:
    if error.value == DURATION_PATTERN:
        yield duration_finding(error.instance, path)
        return
    if "propertyNames" in error.schema_path:
        container = path
        yield Finding(
            codes.PATTERN_MISMATCH,
            f"'{error.instance}' is not a valid name in {where(container)}",
            f"names must match {error.value}: start with a lowercase letter, "
            "then lowercase letters, digits, '-' or '_'",
            container + (error.instance,),
            at_key=True,
        )
        return
    yield Finding(
        codes.PATTERN_MISMATCH,
        f"{where(path)} must match the pattern {error.value}, found {describe(error.instance)}",
        _pattern_hint(path),
        path,
    )


def _pattern_hint(path: Tuple[Any, ...]) -> str:
    last = path[-1] if path else ""
    hints = {"name": "use lowercase words joined by '-', e.g. `review-all`",
             "call": "write `package.module:function`",
             "title": "keep the title on one line", "active": "keep it on one line"}
    return hints.get(str(last), "change the value to match the pattern")


def _not_allowed(error: SchemaError, path: Tuple[Any, ...]) -> Iterator[Finding]:
    allowed = error.value if error.validator == "enum" else [error.value]
    listed = ", ".join(repr(a) for a in allowed)
    if len(allowed) == 1:
        yield Finding(
            codes.NOT_ALLOWED_VALUE,
            f"{where(path)} must be {listed}, found {describe(error.instance)}",
            f"write {listed}",
            path,
        )
        return
    hint = suggest(str(error.instance), [str(a) for a in allowed]) or f"use one of: {listed}"
    yield Finding(
        codes.NOT_ALLOWED_VALUE, f"{where(path)} must be one of {listed}, found {describe(error.instance)}", hint, path
    )


def _generic(error: SchemaError, path: Tuple[Any, ...]) -> Iterator[Finding]:
    messages = {
        "minimum": f"must be at least {error.value}",
        "exclusiveMinimum": f"must be more than {error.value}",
        "maximum": f"must be at most {error.value}",
        "minLength": "must not be empty" if error.value == 1 else f"must have at least {error.value} characters",
        "maxLength": f"must have at most {error.value} characters",
        "minItems": f"must list at least {error.value} item(s)",
        "minProperties": f"must have at least {error.value} entr{'y' if error.value == 1 else 'ies'}",
        "uniqueItems": "must not list the same item twice",
    }
    what = messages.get(error.validator, error.message)
    if error.validator == "minimum" and isinstance(error.instance, float) and error.instance != error.instance:
        what = "must be a number"
    yield Finding(
        codes.OUT_OF_RANGE, f"{where(path)} {what}, found {describe(error.instance)}", "change the value", path
    )


_HANDLERS = {
    "additionalProperties": _unknown_keys,
    "required": _missing,
    "type": _wrong_type,
    "anyOf": _alternatives,
    "oneOf": _alternatives,
    "pattern": _pattern,
    "enum": _not_allowed,
    "const": _not_allowed,
}
