"""The fast reader (yaml-rs) is taken only where it reads exactly what the event loader reads.

Compared type for type (`1` is not `1.0` is not `True`), on every YAML file in the repository
and on generated documents full of YAML's corners; and the corners where the two readers are
known to differ must go to the exact loader.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wfc.fastload import fast_data
from wfc.load import load_bytes, load_text
from wfc.schema_errors import schema_findings
from wfc.validate import validate_document, validate_file

ROOT = Path(__file__).resolve().parent.parent
YAML_FILES = sorted(p for p in ROOT.glob("**/*.yaml") if ".node" not in p.parts and "node_modules" not in p.parts
                    and ".git" not in p.parts)


def typed(value: Any) -> Any:
    """The value with every scalar's type spelled out, so that equal means read alike."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    return (type(value).__name__, repr(value))


def assert_same_reading(text: str) -> bool:
    fast = fast_data(text)
    if fast is None:
        return False
    exact = load_text(text, "x.yaml")
    if [d.code for d in exact.diagnostics] == ["WFC005"]:  # too deep: the schema sends it back to the exact loader
        assert schema_findings(fast)
        return False
    assert not exact.diagnostics, (text, exact.diagnostics)
    assert typed(fast) == typed(exact.data), text
    return True


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_yaml_file_in_the_repository_reads_alike(path: Path) -> None:
    assert_same_reading(path.read_text(encoding="utf-8", errors="replace"))


def test_the_shipped_workflows_take_the_fast_path() -> None:
    shipped = sorted((ROOT / "workflows").glob("*.yaml"))
    fast = [p.name for p in shipped if assert_same_reading(p.read_text(encoding="utf-8"))]
    assert len(fast) >= len(shipped) // 2, fast  # the guard must not be so coarse the fast path never runs


@pytest.mark.parametrize("value", ["1_000", "_1", "-_9", "1._", "0x_1", "0b101", "0B1", "0X1F", "0O17", "+0x1F",
                                   "-0o7", "!!str 1", "! 12", "!custom x", "&a 1", "*a", "<<: {a: 1}"])
def test_where_the_readers_differ_the_exact_loader_reads(value: str) -> None:
    assert fast_data(f"a: 1\nk: {value}\n") is None


@pytest.mark.parametrize("text", ["a: 1\n---\nb: 2\n", "%YAML 1.2\n---\na: 1\n", "a: 1\n...\n", "1: a\n",
                                  "a: 1\na: 2\n", "[1, 2]\n", "a\n", "", "? [a]\n: 1\n", "a: \x07\n", "a:\tb\n",
                                  "a: 123456789012345678901234567890\n", "a: b\u2028c\n", "a: b\x85c\n", "{a: 1, 2: b}\n",
                                  "k: [|a]\n", "k: {x: >a}\n", "k: [a, ?]\n", "k: [:a]\n", "k: [a,\n  b]\n", "k: |\n",
                                  "k: >-\n  \n# done\n", "? |\n", "k: |\n  a", "k: v"])
def test_what_the_exact_loader_refuses_or_reads_specially_is_left_to_it(text: str) -> None:
    assert fast_data(text) is None


_WORDS = ["a", "key", "y", "n", "on", "off", "yes", "no", "null", "Null", "~", "true", "True", "FALSE", "1", "0",
          "-1", "+1", "017", "0o17", "0x1f", "1.5", ".5", "5.", "1e3", "-1.5E-3", ".inf", "-.Inf", ".NaN", "12:30",
          "2001-12-14", "1,000", "a b", "a:b", "a #b", "x-y", "é", "日本", "😀", "$1", "{{ args.x }}", "a.b", "-a", "@a",
          "`a`", "'a", "a'", "0.0", "-0", "+.5", "a & b", "&", "*", "a * b", "a ! b", "a, b", "[a]", "%a", "step_1", "a_b", "x_1_000", "-_a",
          "1_a", "_", "a0X1", "-0x1", "x-0x1", "0B1", "0b", "0X"]
_scalar_plain = st.sampled_from(_WORDS)
_scalar_single = st.sampled_from(_WORDS + ["it''s", " lead", "trail ", "", "a\n  b"]).map(lambda w: f"'{w}'")
_scalar_double = st.sampled_from(_WORDS + ["\\n", "\\t", "\\\\", '\\"', "\\x41", "\\u00e9", "\\U0001F600", "\\N", "\\_",
                                           "\\L", "\\P", "\\0", "\\a", "\\e", "\\/", "a\\\n  b", ""]).map(lambda w: f'"{w}"')
_block_indicator = st.sampled_from(["|", "|-", "|+", ">", ">-", ">+", "|2", ">1-"])
_block_lines = st.lists(st.sampled_from(["line", "  indented", "", "trailing  ", "# not a comment", "- item", "a: b",
                                         "   ", "**bold**", "{{ x }}"]), min_size=0, max_size=5)
_flow_words = st.sampled_from(["|a", "|", ">", ">a", "?a", "?", "a?", ":a", "a:", "a:b", "http://x", "a-b", "-a", "a|b",
                               "{{ x }}", "a b"])


@st.composite
def block_scalar(draw: Any, indent: str) -> str:
    indicator = draw(_block_indicator)
    lines = draw(_block_lines)
    if lines and (lines[0].startswith(" ") or not lines[0].strip()):
        lines[0] = "first"  # the first line fixes the indentation unless an indicator says otherwise
    body = "".join(f"{indent}  {line}\n" if line else "\n" for line in lines)
    return f"{indicator}\n{body}" + draw(st.sampled_from(["", "\n"]))


@st.composite
def value(draw: Any, indent: str, depth: int) -> str:
    choice = draw(st.integers(0, 7 if depth < 3 else 4))
    if choice <= 1:
        return " " + draw(_scalar_plain) + draw(st.sampled_from(["", "  # a comment"])) + "\n"
    if choice == 2:
        return " " + draw(_scalar_single) + "\n"
    if choice == 3:
        return " " + draw(_scalar_double) + "\n"
    if choice == 4:
        return " " + draw(block_scalar(indent))
    if choice == 5:
        items = draw(st.lists(st.one_of(_scalar_plain.filter(lambda w: not set(w) & set(",:[]{}#")),
                                        _scalar_double, _flow_words), max_size=4))
        return draw(st.sampled_from([" [" + ", ".join(items) + "]\n", " {k: " + ", ".join(items) + "}\n"]))
    if choice == 6:
        items = draw(st.lists(value(indent + "  ", depth + 1), min_size=1, max_size=3))
        return "\n" + "".join(f"{indent}  -{item}" for item in items)
    return "\n" + draw(mapping(indent + "  ", depth + 1))


_keys = st.sampled_from(["title", "run", "k", "on", "y", "null", "true", "1", "0x1f", "'quoted'", '"dq"', "a b",
                         "é", "estimate", "x-y", "steps", "? q\n", "? |\n"])


@st.composite
def mapping(draw: Any, indent: str = "", depth: int = 0) -> str:
    keys = draw(st.lists(_keys, min_size=1, max_size=4, unique_by=lambda k: k.strip("'\"")))
    return "".join(f"{indent}{key}:{draw(value(indent, depth))}" for key in keys)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mapping(), st.sampled_from(["", "\r\n"]), st.sampled_from(["", "---\n", "# comment\n"]), st.booleans())
def test_generated_documents_read_alike_whenever_the_fast_reader_is_taken(body: str, newline: str, lead: str,
                                                                          cut_last_newline: bool) -> None:
    text = lead + (body.replace("\n", newline) if newline else body)
    assert_same_reading(text.rstrip("\r\n") if cut_last_newline else text)


def test_a_workflow_read_fast_reports_warnings_where_the_exact_loader_would(tmp_path: Path) -> None:
    text = ("version: 1\ntitle: Demo\ndescription: A demo.\ncontext:\n  binary:\n    description: The build\n"
            "    ttl: 1m\nsteps:\n  build:\n    title: Build\n    run: make\n    estimate: 1m\n    outputs: [binary]\n"
            "  slow:\n    title: Slow\n    run: sleep 1\n    estimate: 5m\n    needs: build\n"
            "  use:\n    title: Use\n    run: ./binary\n    estimate: 1m\n    inputs: [binary]\n    needs: slow\n")
    path = tmp_path / "demo.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_bytes(text.encode(), "demo.yaml").fast
    result = validate_file(path)
    from wfc.analysis import analyze

    exact = validate_document(load_text(text, result.file), "demo")
    fast_warnings = result.located(analyze(result.workflow).warnings)
    assert fast_warnings == exact.located(analyze(exact.workflow).warnings)
    assert [(w.code, w.line, w.column, w.source_line) for w in fast_warnings] == [("WFC301", 7, 10, "    ttl: 1m")]


_SYNTAX_SOUP = st.sampled_from(list("ab01:- \n[]{},'\"#|>?&*!%@`_.+eExXoO\\") +
                               ["  ", "\n  ", ": ", "- ", "null", "true", "0x", "1e3", "é", "\t"])


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_SYNTAX_SOUP, max_size=40).map("".join), st.booleans())
def test_syntax_soup_reads_alike_whenever_the_fast_reader_is_taken(text: str, final_newline: bool) -> None:
    assert_same_reading("k: v\n" + text + ("\n" if final_newline else ""))


class FakePanic(BaseException):
    """What pyo3 raises when Rust code panics: a BaseException, not an Exception."""


def test_a_panic_in_the_fast_reader_leaves_the_file_to_the_exact_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    import wfc.fastload as fastload

    def panic(*args: Any, **kwargs: Any) -> None:
        raise FakePanic("called `Option::unwrap()` on a `None` value")

    monkeypatch.setattr(fastload.yaml_rs, "loads", panic)
    document = load_bytes(b"version: 1\nk: [a, b]\n", "w.yaml")
    assert not document.fast and document.data == {"version": 1, "k": ["a", "b"]}


def test_without_yaml_rs_every_file_takes_the_exact_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    import wfc.fastload as fastload

    monkeypatch.setattr(fastload, "yaml_rs", None)
    document = load_bytes(b"version: 1\n", "w.yaml")
    assert not document.fast and document.data == {"version": 1}
