"""Templates translated into a Workflow script render what Jinja renders: every construct of the
supported subset, over any JSON values (property test), gives the same text or fails alike; and
what cannot be translated is named, never guessed."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import script_harness as harness
from wfc.render import js_template
from wfc.render.js_runtime import HELPERS_FILE, helpers, helpers_source
from wfc.render.js_template import Scope, Untranslatable
from wfc.format.templating import render

TEMPLATES = (
    "{{ args.a }}|{{ args.b }}|{{ context.x }}",
    "{{ args.a | default('d') }}|{{ context.x.k | default('none') }}|{{ args.a | default('e', true) }}",
    "{{ context.x | tojson }}",
    "{{ context.x | join(', ') }}|{{ context.x | join }}",
    "{% if context.x %}yes{% elif args.a %}a{% else %}no{% endif %}",
    "{% for i in context.x %}{{ loop.index }}/{{ loop.length }}={{ i }}{% if not loop.last %}, {% endif %}"
    "{% else %}empty{% endfor %}",
    "{{ args.a == args.b }} {{ args.a != context.x }} {{ args.a in context.x }} {{ args.a not in [1, 'x', none] }}",
    "{{ context.x | length }}",
    "{{ args.a | upper }} {{ args.a | lower }} [{{ args.a | trim }}] {{ args.a | string }}",
    "{{ context.x | first }}..{{ context.x | last }}",
    "{{ context.x[0] }}|{{ context.x[-1] }}|{{ context.x['k'] }}",
    "{{ args.a ~ '-' ~ args.b }}",
    "{{ args.a if args.b else 'no' }}|{{ not args.a }}|{{ args.a and args.b }}|{{ args.a or args.b }}",
    "{{ args.a is defined }} {{ context.x.k is undefined }} {{ args.b is none }}",
    "{{ args.a < args.b }} {{ args.a >= args.b }}",
    "{% raw %}{{ not a template }}{% endraw %} {# a comment #}{{ step.id }} try {{ step.attempt }}",
)

# Characters both Unicode databases know (Python's and node's differ on what was assigned since)
_text = st.text(st.characters(exclude_categories=("Cs", "Cn")), max_size=6)
# JavaScript orders integer-like keys first
_keys = st.text(st.characters(exclude_categories=("Cs", "Cn")), max_size=4).filter(lambda key: not key.isdigit())
_floats = st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer())  # 2.0 is 2 in JS
_scalars = st.none() | st.booleans() | st.integers(-2**53, 2**53) | _floats | _text
VALUES = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=3),
                      max_leaves=6)


def scope() -> Scope:
    return Scope(context=("x",), step={"id": "s", "title": "S"})


def rendered_in_javascript(cases: List[Tuple[str, Dict[str, Any], Dict[str, Any]]], tmp: Path) -> List[Dict[str, Any]]:
    """Each (template, args, context) rendered by its translation, in one node process."""
    names = set()
    functions = []
    for text, _, _ in cases:
        used = scope()
        functions.append(f"(A, C, n) => {js_template.template(text, used)}")
        names |= used.helpers
    program = "\n".join([
        helpers_source(names),
        f"const cases = {json.dumps([[a, c] for _, a, c in cases])};",
        f"const renders = [{', '.join(functions)}];",
        "console.log(JSON.stringify(renders.map((render, i) => {",
        "  try { return {text: render(cases[i][0], cases[i][1], 1)}; }",
        "  catch (error) { return {error: String(error)}; }",
        "})));",
    ])
    path = tmp / "render.mjs"
    path.write_text(program, encoding="utf-8")
    done = subprocess.run([harness.node(), str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def rendered_by_jinja(text: str, args: Dict[str, Any], context: Dict[str, Any]) -> Dict[str, Any]:
    try:
        return {"text": render(text, {"args": args, "context": context,
                                               "step": {"id": "s", "title": "S", "attempt": 1}})}
    except Exception as error:  # any failure: the JavaScript must fail too
        return {"error": type(error).__name__}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=VALUES, b=VALUES, x=VALUES)
def test_every_supported_construct_renders_as_jinja_renders_it(tmp_path: Path, a: Any, b: Any, x: Any) -> None:
    cases = [(text, {"a": a, "b": b}, {"x": x}) for text in TEMPLATES]
    got = rendered_in_javascript(cases, tmp_path)
    for (text, args, context), javascript in zip(cases, got):
        expected = rendered_by_jinja(text, args, context)
        if "error" in expected:
            assert "error" in javascript, (text, args, context, javascript)
        else:
            assert javascript == expected, (text, args, context)


def test_known_values_render_exactly() -> None:
    """A few values whose Python spelling JavaScript does not share, checked by hand."""
    cases = [
        ("{{ args.a }}", {"a": None}, "None"), ("{{ args.a }}", {"a": True}, "True"),
        ("{{ args.a }}", {"a": [1, "it's", {"k": None}]}, "[1, \"it's\", {'k': None}]"),
        ("{{ args.a }}", {"a": 1e-07}, "1e-07"), ("{{ args.a }}", {"a": 0.0001}, "0.0001"),
        ("{{ args.a | tojson }}", {"a": {"b": "<é>", "a": 1.5}}, '{"a": 1.5, "b": "\\u003c\\u00e9\\u003e"}'),
        ("{{ args.a }}", {"a": "\u2028`${x}`*/</script>"}, "\u2028`${x}`*/</script>"),
    ]
    got = rendered_in_javascript([(text, args, {"x": None}) for text, args, _ in cases], Path(_tmpdir()))
    assert [g.get("text") for g in got] == [expected for _, _, expected in cases]
    assert [rendered_by_jinja(text, args, {})["text"] for text, args, _ in cases] == [e for _, _, e in cases]


def _tmpdir() -> str:
    import tempfile

    return tempfile.mkdtemp()


@pytest.mark.parametrize("text, construct", [
    ("{{ args.n * 2 }}", "arithmetic (`*`)"),
    ("{{ args.name.upper() }}", "a function or method call"),
    ("{% set x = 1 %}{{ x }}", "`{% set %}`"),
    ("{{ args.a | center(9) }}", "the filter `center`"),
    ("{{ args.a | join(attribute='k') }}", "the filter `join` with these arguments"),
    ("{{ context.x.items }}", "`.items`, which Jinja resolves to a Python method before any key"),
    ("{{ args.a[1:] }}", "a slice (`[a:b]`)"),
    ("{{ args.items }}", "`args.items`, which Jinja resolves to a Python method, not the value"),
    ("{% for k, v in args.a %}{{ k }}{% endfor %}", "a `{% for %}` that unpacks several names"),
    ("{{ 2.0 }}", "the number 2.0, which JavaScript cannot tell from 2"),
    ("{{ args.a if args.b }}", "an inline `if` without `else`"),
    ("{{ 1 < args.a < 3 }}", "a chained comparison"),
    ("{{ args.a is string }}", "the test `is string`"),
    ("{{ loop.index }}", "the name `loop`"),
    ("{{ {'a': 1} }}", "a dict literal"),
    ("{{ args.a == '\\ud83d\\ude00' }}",
     "a string of UTF-16 halves (`\\ud83d\\ude00`), which Jinja keeps apart and JavaScript joins"),
])
def test_what_cannot_be_translated_is_named(text: str, construct: str) -> None:
    with pytest.raises(Untranslatable) as raised:
        js_template.template(text, scope())
    assert raised.value.construct == construct


def test_the_helpers_file_is_javascript_and_lists_what_each_helper_calls() -> None:
    done = harness.node_check(HELPERS_FILE)
    assert done.returncode == 0, done.stderr
    for name, (source, calls) in helpers().items():
        assert source.startswith(f"function {name}("), name
        body = source.split("\n", 1)[-1]
        called = {other for other in helpers() if other != name and re.search(rf"(?<![.\w]){other}\(", body)}
        assert called <= set(calls), name
