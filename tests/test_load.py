"""The loader refuses what could hurt (huge files, alias bombs, bad bytes, object tags) with a
positioned diagnostic, and keeps a source map of everything it accepts."""
from __future__ import annotations

from pathlib import Path

import pytest

from wfc import load
from wfc.diagnostics import Diagnostic
from wfc.load import load_bytes, load_text
from wfc.load.document import MAX_ALIAS_NODES, MAX_FILE_BYTES
from wfc.model import Position
from wfc.validate import validate_document, validate_file

VALID = b"version: 1\ntitle: Demo\ndescription: A demo.\nsteps:\n  analyze:\n    title: Analyze\n    run: echo hi\n"


def alias_bomb(levels: int = 9) -> str:
    """Ten aliases of the level below on each level: 10**levels leaves from a file of a few hundred bytes."""
    lines = ["a0: &a0 [" + ", ".join(["lol"] * 10) + "]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def only(diagnostics: tuple) -> Diagnostic:
    assert len(diagnostics) == 1, diagnostics
    return diagnostics[0]


def test_an_alias_bomb_is_refused_with_its_diagnostic() -> None:
    text = alias_bomb()
    assert len(text) < 600  # a billion leaves: gigabytes once expanded
    document = load_text(text, "bomb.yaml")
    assert document.data is None
    diagnostic = only(document.diagnostics)
    # a1..a3 expand to 110 + 1110 + 11110 nodes; the eighth *a3 on line 5 crosses 100,000
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("WFC008", 5, 45)
    assert diagnostic.message == f"aliases expand to more than {MAX_ALIAS_NODES} nodes"
    assert diagnostic.hint == "write the repeated data out, or reference it fewer times"


def test_aliases_below_the_limit_are_expanded() -> None:
    document = load_text("base: &b {x: 1}\ncopy: *b\nlist: [*b, *b]\n", "ok.yaml")
    assert document.diagnostics == ()
    assert document.data == {"base": {"x": 1}, "copy": {"x": 1}, "list": [{"x": 1}, {"x": 1}]}


def test_a_file_over_the_size_limit_is_refused_before_parsing() -> None:
    document = load_bytes(b"#" * (MAX_FILE_BYTES + 1), "huge.yaml")
    diagnostic = only(document.diagnostics)
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("WFC002", 1, 1)
    assert diagnostic.message == f"the file is {MAX_FILE_BYTES + 1} bytes, over the limit of 16777216"


def test_a_file_at_the_size_limit_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load, "MAX_FILE_BYTES", len(VALID))
    assert load_bytes(VALID, "edge.yaml").diagnostics == ()
    assert only(load_bytes(VALID + b"\n", "edge.yaml").diagnostics).code == "WFC002"


@pytest.mark.parametrize("raw, line, column, byte", [
    (b"title: Caf\xe9\n", 1, 11, "0xe9"),
    # columns count characters, not bytes: two 2-byte characters before the bad one
    (b"version: 1\n  t\xc3\xa9\xc3\xa9: \xff\n", 2, 8, "0xff"),
    (b"a: 1\nb: 2\nc: \xe2\x82", 3, 4, "0xe2"),  # a 3-byte character cut short at the end
])
def test_non_utf8_bytes_are_reported_at_the_bad_byte(raw: bytes, line: int, column: int, byte: str) -> None:
    diagnostic = only(load_bytes(raw, "latin1.yaml").diagnostics)
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("WFC003", line, column)
    assert diagnostic.message == f"the file is not valid UTF-8: byte {byte} cannot start or continue a character"
    assert diagnostic.hint == "save the file as UTF-8"


def test_a_byte_order_mark_is_accepted() -> None:
    result = validate_document(load_bytes(b"\xef\xbb\xbf" + VALID, "workflows/bom.yaml"), "bom")
    assert result.diagnostics == ()
    assert result.workflow is not None and result.workflow.title == "Demo"
    assert result.workflow.position_of("steps", "analyze", "run") == Position(7, 10)


@pytest.mark.parametrize("text, tag, column", [
    ("x: !!python/object:os.system {}\n", "!!python/object:os.system", 4),
    ("x: !!python/name:builtins.eval ''\n", "!!python/name:builtins.eval", 4),
    ("x: !!binary aGVsbG8=\n", "!!binary", 4),
    ("x: !!set {a, b}\n", "!!set", 4),
    ("x: [1, !secret token]\n", "!secret", 8),
    ("x: !<tag:example.com,2024:thing> 1\n", "tag:example.com,2024:thing", 4),
])
def test_tags_that_build_objects_are_refused(text: str, tag: str, column: int) -> None:
    diagnostic = only(load_text(text, "tags.yaml").diagnostics)
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("WFC009", 1, column)
    assert diagnostic.message == f"the tag '{tag}' is not allowed"


def test_core_tags_are_honoured() -> None:
    document = load_text("a: !!str 123\nb: !!int '7'\nc: !!float 2\nd: !!bool true\ne: !!null ''\n", "core.yaml")
    assert document.diagnostics == ()
    assert document.data == {"a": "123", "b": 7, "c": 2.0, "d": True, "e": None}
    assert isinstance(document.data["c"], float)


def test_plain_scalars_resolve_by_yaml_1_2_rules() -> None:
    """No YAML 1.1 surprises: `no` and `on` stay strings (the Norway problem), 010 is ten."""
    document = load_text("a: no\nb: on\nc: 010\nd: 0o17\ne: 0x1F\nf: 1.5e3\ng: ~\nh: '3'\ni: 1_000\n", "s.yaml")
    assert document.data == {"a": "no", "b": "on", "c": 10, "d": 15, "e": 31, "f": 1500.0, "g": None,
                             "h": "3", "i": "1_000"}


def test_a_duplicate_key_names_both_lines() -> None:
    text = "steps:\n  a:\n    title: A\n    run: x\n  b:\n    title: B\n  a:\n    title: C\n"
    diagnostic = only(load_text(text, "dup.yaml").diagnostics)
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("WFC007", 7, 3)
    assert diagnostic.message == "duplicate key 'a' (first defined on line 2)"
    assert diagnostic.yaml_path == ("steps", "a")


def test_duplicate_keys_in_flow_mappings_too() -> None:
    diagnostic = only(load_text("retry: {attempts: 2, attempts: 3}\n", "dup.yaml").diagnostics)
    assert (diagnostic.line, diagnostic.column, diagnostic.message) == (
        1, 22, "duplicate key 'attempts' (first defined on line 1)")


def test_the_source_map_records_keys_and_values() -> None:
    document = load_bytes(VALID, "map.yaml")
    assert document.key_positions[("steps", "analyze")] == Position(5, 3)
    assert document.value_positions[("steps", "analyze")] == Position(6, 5)
    assert document.value_positions[("steps", "analyze", "run")] == Position(7, 10)
    assert document.position_of(("steps", "analyze", "run"), key=True) == Position(7, 5)
    assert document.position_of(("steps", "analyze", "needs", 0)) == Position(6, 5)
    assert document.line_text(7) == "    run: echo hi"


def test_an_unreadable_path_is_a_diagnostic(tmp_path: Path) -> None:
    result = validate_file(tmp_path / "missing.yaml")
    diagnostic = only(result.diagnostics)
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("WFC000", 1, 1)
    assert diagnostic.message == "cannot read the file: No such file or directory"
    assert result.workflow is None


def test_a_directory_named_like_a_workflow_is_a_diagnostic(tmp_path: Path) -> None:
    folder = tmp_path / "odd.yaml"
    folder.mkdir()
    diagnostic = only(validate_file(folder).diagnostics)
    assert (diagnostic.code, diagnostic.message) == ("WFC000", "cannot read the file: Is a directory")


def test_the_digest_is_of_the_bytes_as_read() -> None:
    import hashlib

    assert load_bytes(b"\xef\xbb\xbf" + VALID, "x.yaml").sha256 == hashlib.sha256(b"\xef\xbb\xbf" + VALID).hexdigest()


def test_load_stage_diagnostics_show_the_source_line() -> None:
    text = "steps:\n  a:\n    title: A\n  a:\n    title: B\n"
    assert only(load_text(text, "dup.yaml").diagnostics).source_line == "  a:"


@pytest.mark.parametrize("text, line, column", [
    (b"key: [", 1, 7), (b"key: [\n", 1, 7), (b"version: 1\nsteps: {a: [", 2, 13), (b"x: {b: 1\n\n", 1, 4),
])
def test_an_unexpected_end_is_reported_inside_the_file(text: bytes, line: int, column: int) -> None:
    """The parser marks an unclosed bracket at the end on the line after the last: the report
    points at the end of the last line instead, a position an editor can show."""
    diagnostic = only(load_bytes(text, "end.yaml").diagnostics)
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("WFC001", line, column)


@pytest.mark.parametrize("separator", ["\x85", "\u2028", "\u2029"])
def test_positions_count_lines_as_editors_do(separator: str) -> None:
    """The YAML reader also breaks lines at NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR; editors
    do not, so a value and an error after one stay on the line the editor shows."""
    text = f'title: "a{separator}b"\nsteps: {{x: 1}}\nfoo: [\n'
    document = load_text(text[: -len("foo: [\n")], "seps.yaml")
    assert document.source_map.values[("steps", "x")] == Position(2, 12)
    diagnostic = only(load_text(text, "seps.yaml").diagnostics)
    assert (diagnostic.line, diagnostic.column, diagnostic.source_line) == (3, 7, "foo: [")


def test_a_lone_carriage_return_ends_a_line() -> None:
    diagnostic = only(load_text("version: 1\rtitle: x\r\nfoo: [\r", "cr.yaml").diagnostics)
    assert (diagnostic.line, diagnostic.column, diagnostic.source_line) == (3, 7, "foo: [")
