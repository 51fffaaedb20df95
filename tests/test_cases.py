"""Every invalid workflow in tests/cases/ gets exactly the diagnostics its header promises.

Each case file starts with its expectations, one per diagnostic, in the order users read them:

    # expect: WFC010 11:5 unknown key 'neds' in step 'quality'
    #   hint: did you mean 'needs'?

Code, line, column, message and hint are compared as exact text; the header's own lines count, so
the positions are the ones an editor shows for the file as it is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from wfc.diagnostics import Diagnostic
from wfc.validate import validate_file

CASES = Path(__file__).resolve().parent / "cases"
_EXPECT = re.compile(r"^# expect: (WFC\d{3}) (\d+):(\d+) (.*)$")
_HINT = re.compile(r"^#   hint: (.*)$")

# Cases whose expectation states the right behaviour the validator does not have yet (see the
# lead's /tmp/validator-bugs.md); strict, so a fix turns them into failures until the mark goes.
KNOWN_BUGS: Dict[str, str] = {}

# The spec's reject list ("What the compiler must reject"), each entry with the case that covers it.
REJECT_LIST: Dict[str, Tuple[str, str]] = {
    "invalid YAML": ("invalid-yaml-indentation.yaml", "WFC001"),
    "a duplicate key": ("duplicate-key.yaml", "WFC007"),
    "aliases that expand past a size limit": ("alias-bomb.yaml", "WFC008"),
    "an unknown key (with did you mean)": ("unknown-step-key.yaml", "WFC010"),
    "a wrong type": ("wrong-type-title.yaml", "WFC012"),
    "a step with no kind": ("step-without-kind.yaml", "WFC030"),
    "a step with several kinds": ("step-with-several-kinds.yaml", "WFC030"),
    "a needs entry that names no step": ("needs-unknown-step.yaml", "WFC041"),
    "an input not declared in context": ("input-not-declared.yaml", "WFC043"),
    "an output not declared in context": ("output-not-declared.yaml", "WFC043"),
    "a context name with two producers": ("context-two-producers.yaml", "WFC044"),
    "an input nobody produces": ("input-without-producer.yaml", "WFC045"),
    "a cycle": ("cycle.yaml", "WFC046"),
    "a step that needs itself": ("needs-itself.yaml", "WFC042"),
    "a resource that is not declared": ("resource-not-declared.yaml", "WFC047"),
    "a request over capacity": ("resource-over-capacity.yaml", "WFC048"),
    "an unparsable duration": ("duration-unparsable.yaml", "WFC020"),
    "a name that differs from the file stem": ("name-differs-from-stem.yaml", "WFC040"),
    "a template that does not parse": ("template-does-not-parse.yaml", "WFC050"),
    "a template naming an undefined variable": ("template-undefined-name.yaml", "WFC051"),
    "an argument default outside its enum": ("argument-default-outside-enum.yaml", "WFC052"),
}


@dataclass(frozen=True)
class Expected:
    code: str
    line: int
    column: int
    message: str
    hint: str = ""


def expectations(path: Path) -> List[Expected]:
    """The header's promises; the header is ASCII even when the body is not valid UTF-8."""
    found: List[Expected] = []
    for line in path.read_bytes().decode("utf-8", "replace").splitlines():
        expect, hint = _EXPECT.match(line), _HINT.match(line)
        if expect:
            code, row, column, message = expect.groups()
            found.append(Expected(code, int(row), int(column), message))
        elif hint and found:
            last = found.pop()
            found.append(Expected(last.code, last.line, last.column, last.message, hint.group(1)))
        elif not line.startswith("#"):
            break
    return found


def observed(diagnostic: Diagnostic) -> Expected:
    return Expected(diagnostic.code, diagnostic.line, diagnostic.column, diagnostic.message, diagnostic.hint)


def case_params() -> List[object]:
    params: List[object] = []
    for path in sorted(CASES.glob("*.yaml")):
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[path.name])] if path.name in KNOWN_BUGS else []
        params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


@pytest.mark.parametrize("path", case_params())
def test_case_reports_exactly_its_expected_diagnostics(path: Path) -> None:
    expected = expectations(path)
    assert expected, f"{path.name} has no `# expect:` header"
    result = validate_file(path)
    assert result.workflow is None
    assert [observed(d) for d in result.diagnostics] == expected
    assert all(d.is_error and d.file.endswith(path.name) for d in result.diagnostics)


def test_there_are_at_least_forty_cases() -> None:
    assert len(list(CASES.glob("*.yaml"))) >= 40


@pytest.mark.parametrize("entry", sorted(REJECT_LIST))
def test_every_reject_list_entry_has_a_case(entry: str) -> None:
    name, code = REJECT_LIST[entry]
    assert [e.code for e in expectations(CASES / name)] == [code]


def test_a_cycle_is_printed_as_a_closed_walk_in_run_order() -> None:
    (diagnostic,) = validate_file(CASES / "cycle.yaml").diagnostics
    assert diagnostic.message == "the steps form a cycle: a -> b -> c -> a"


def test_every_problem_of_a_file_is_reported_in_position_order() -> None:
    """Schema errors and semantic errors in one run, none hiding another, top to bottom."""
    diagnostics = validate_file(CASES / "several-errors.yaml").diagnostics
    assert [(d.code, d.line, d.column) for d in diagnostics] == [
        ("WFC015", 18, 15), ("WFC051", 25, 13), ("WFC020", 27, 15), ("WFC010", 31, 5),
        ("WFC043", 32, 24), ("WFC041", 36, 13), ("WFC047", 37, 17),
    ]


def test_diagnostics_carry_the_source_line_they_point_into() -> None:
    (diagnostic,) = validate_file(CASES / "unknown-step-key.yaml").diagnostics
    assert diagnostic.source_line == "    neds: [analyze]"
    assert diagnostic.dotted_path() == "steps.quality.neds"


# -- docs/errors.md -------------------------------------------------------------------------------

ROOT = CASES.parent.parent
ERRORS_DOC = ROOT / "docs" / "errors.md"
_SECTION = re.compile(r"^## (WFC\d{3}): ", re.MULTILINE)
_EXAMPLE = re.compile(r"```yaml\n(.*?)```\n+```text\n(.*?)\n```", re.DOTALL)


def documented_sections() -> Dict[str, str]:
    text = ERRORS_DOC.read_text(encoding="utf-8")
    starts = [(match.group(1), match.start()) for match in _SECTION.finditer(text)]
    ends = [start for _, start in starts[1:]] + [len(text)]
    return {code: text[start:end] for (code, start), end in zip(starts, ends)}


def test_the_document_explains_exactly_the_registered_codes_under_their_titles() -> None:
    from wfc.diagnostics.codes import REGISTRY

    text = ERRORS_DOC.read_text(encoding="utf-8")
    assert re.findall(r"^## (.+)$", text, re.MULTILINE) == [entry.heading for entry in REGISTRY.values()]
    assert REGISTRY["WFC301"].documentation == (
        "docs/errors.md#wfc301-warning-a-context-entry-expires-before-its-last-reader-starts")


def test_no_code_is_spelled_outside_the_registry() -> None:
    """Every diagnostic names its code through wfc.diagnostics.codes, so no code can be used with
    another severity or title, or go undocumented."""
    spelled = {source.relative_to(ROOT).as_posix(): re.findall(r"[\"'](WFC\d{3})[\"']", source.read_text("utf-8"))
               for source in (ROOT / "compiler" / "wfc").rglob("*.py") if source.name != "codes.py"}
    assert {path: found for path, found in spelled.items() if found} == {}


def test_every_section_says_what_it_means_and_how_to_fix_it() -> None:
    for code, section in documented_sections().items():
        assert "\nFix: " in section, code


@pytest.mark.parametrize("code", sorted(code for code, section in documented_sections().items()
                                        if _EXAMPLE.search(section)))
def test_every_documented_example_prints_its_documented_output(code: str) -> None:
    """The example, saved as workflows/example.yaml, makes `wfc validate` print exactly the text shown."""
    from wfc.cli.authoring import plan_warnings
    from wfc.diagnostics.output import format_text
    from wfc.load import load_bytes
    from wfc.validate import validate_document

    example, output = _EXAMPLE.search(documented_sections()[code]).groups()  # type: ignore[union-attr]
    result = validate_document(load_bytes(example.encode("utf-8"), "workflows/example.yaml"), "example")
    diagnostics = [*result.diagnostics, *plan_warnings(result)]
    assert [d.code for d in diagnostics] == [code]
    assert "\n\n".join(format_text(d) for d in diagnostics) == output
