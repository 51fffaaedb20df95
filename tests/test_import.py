"""`wfc import`: legacy markdown commands to workflow skeletons.

Every fixture in tests/legacy/ is of this project's making and covers one family of variants seen
in real legacy commands. For each valid one the test pins the steps (ids, agents, titles, groups,
needs, estimates), the skipped-line warnings, that the emitted YAML reads back as the data it was
made from, that the workflow validates and compiles, and that its sequential estimate is the
legacy total.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import jinja2.sandbox
import pytest
from ruamel.yaml import YAML

from wfc.analysis import analyze
from wfc.cli import main
from wfc.diagnostics.errors import ValidationFailed
from wfc.emit import atomic_write
from wfc.legacy import minutes_in
from wfc.legacy_writer import import_legacy
from wfc.legacy_writer import format_seconds, jinja_literal, scalar, split_minutes, unique_ids, workflow_data
from wfc.validate import validate_file

LEGACY = Path(__file__).parent / "legacy"
P1, P2, P3 = "Phase 1", "Phase 2", "Phase 3"

# fixture -> (legacy total minutes, {step id: (agent, title, group, needs, estimate)})
Expected = Dict[str, Tuple[str, str, str, Tuple[str, ...], str]]
INCIDENT: Expected = {
    "log-collector": ("log-collector", "Gather logs around the incident window", "Phase 1: Evidence Collection", (), "10m"),
    "timeline-builder": ("timeline-builder", "Build a minute-by-minute timeline", "Phase 1: Evidence Collection", (), "10m"),
    "root-cause-analyst": ("root-cause-analyst", "Root Cause Analysis", "Phase 2: Analysis",
                           ("log-collector", "timeline-builder"), "15m"),
    "impact-assessor": ("impact-assessor", "Assess who was affected", "Phase 2: Analysis",
                        ("log-collector", "timeline-builder"), "15m"),
}
_SF1 = ("threat-modeler", "attack-tree-builder")
_SF2 = ("sast-scanner", "secret-detector", "dependency-auditor")
FORTRESS: Expected = {
    "threat-modeler": ("threat-modeler", "Map the attack surface of {{ args.service_name }} {{ args.depth }}",
                       "Phase 1: Threat Modeling", (), "15m"),
    "attack-tree-builder": ("attack-tree-builder", "Build attack trees for the top five threats",
                            "Phase 1: Threat Modeling", (), "15m"),
    "sast-scanner": ("sast-scanner", "Run static analysis over the code", "Phase 2: Static Analysis", _SF1, "5m"),
    "secret-detector": ("secret-detector", "Find committed secrets", "Phase 2: Static Analysis", _SF1, "5m"),
    "dependency-auditor": ("dependency-auditor", "Audit third-party dependencies for known CVEs",
                           "Phase 2: Static Analysis", _SF1, "5m"),
    "hardening-engineer": ("hardening-engineer", 'Apply the fixes, starting with {{ "{" }}{ critical }} findings',
                           "Phase 3: Hardening", _SF2, "15m"),
}
_RA1 = ("log-collector", "log-collector-3", "log-collector-2")
_RA2 = ("correlator", "log-collector-4", "correlator-2")
_TRIAGE = ("errors", "warnings", "slow requests", "retries", "timeouts", "crashes", "rest")
REPEATED: Expected = {
    "log-collector": ("log-collector", "Collect application logs", "Phase 1: Collection", (), "3m20s"),
    "log-collector-3": ("log-collector", "Collect proxy logs", "Phase 1: Collection", (), "3m20s"),
    "log-collector-2": ("log-collector-2", "Collect database logs", "Phase 1: Collection", (), "3m20s"),
    "correlator": ("correlator", "Correlate requests across tiers", "Phase 2: Correlation", _RA1, "2m20s"),
    "log-collector-4": ("log-collector", "Collect the logs the correlation found missing", "Phase 2: Correlation",
                        _RA1, "2m20s"),
    "correlator-2": ("correlator", "Correlate again with the missing logs", "Phase 2: Correlation", _RA1, "2m20s"),
    **{("triager" if i == 0 else f"triager-{i + 1}"): ("triager", f"Rank the {what}", "Phase 3: Triage", _RA2,
                                                        "1m26s" if i < 5 else "1m25s")
       for i, what in enumerate(_TRIAGE)},
}
_BT1 = ("endpoint-cataloguer", "usage-analyst", "contract-reviewer")
BULLETED: Expected = {
    "endpoint-cataloguer": ("endpoint-cataloguer", "Inventory Endpoints", "Phase 1: Discovery", (), "20m"),
    "usage-analyst": ("usage-analyst", "Measure traffic per endpoint", "Phase 1: Discovery", (), "20m"),
    "contract-reviewer": ("contract-reviewer", "Contract Review", "Phase 1: Discovery", (), "20m"),
    "schema-migrator": ("schema-migrator", "Write the v2 schemas", "Phase 2: Migration", _BT1, "10m"),
    "client-notifier": ("client-notifier", "Use client-notifier to tell client teams what changes",
                        "Phase 2: Migration", _BT1, "10m"),
    "api-developer": ("api-developer", "Implement v2", "Phase 2: Migration", _BT1, "10m"),
}
UNTIMED: Expected = {
    "changelog-reader": ("changelog-reader", "Read the merged pull requests", "Phase 1: Gather", (), ""),
    "issue-reader": ("issue-reader", "Read the closed issues", "Phase 1: Gather", (), ""),
    "release-writer": ("release-writer", "Write the notes", "Phase 2: Write", ("changelog-reader", "issue-reader"), ""),
}
TIME_LINES: Expected = {
    "pipeline-mapper": ("pipeline-mapper", "Map every job and its inputs", "Stage 1: Inventory", (), "12m30s"),
    "schedule-reader": ("schedule-reader", "Read the cron schedules", "Stage 1: Inventory", (), "12m30s"),
    "null-checker": ("null-checker", "Find columns that became nullable", "Phase 2: Quality Checks",
                     ("pipeline-mapper", "schedule-reader"), "7m30s"),
    "drift-detector": ("drift-detector", "Detect schema drift", "Phase 2: Quality Checks",
                       ("pipeline-mapper", "schedule-reader"), "7m30s"),
}
JINJA: Expected = {
    "template-scanner": ("template-scanner", 'Find {{ "{" }}{ var }} and {{ "{" }}% block %} and {{ "{" }}# comments #} '
                         'in "templates"', "Phase 1: Scan", (), "3m"),
    "quote-checker": ("quote-checker", "Check 'single' and \"double\" quotes: key: value # not a comment",
                      "Phase 1: Scan", (), "3m"),
    "yes": ("yes", "An agent whose name YAML would read as a boolean", "Phase 1: Scan", (), "3m"),
}
CRLF: Expected = {
    "builder": ("builder", "Build every package", "Phase 1: Build", (), "6m"),
    "packager": ("packager", "Package the builds", "Phase 1: Build", (), "6m"),
    "shipper": ("shipper", "Upload the packages", "Phase 2: Ship", ("builder", "packager"), "8m"),
}
VALID = {
    "incident-review": (50, INCIDENT), "security-fortress": (60, FORTRESS), "repeated-agents": (27, REPEATED),
    "bulleted-titles": (90, BULLETED), "untimed": (0, UNTIMED), "time-lines": (40, TIME_LINES),
    "jinja-and-quotes": (9, JINJA), "crlf-no-title": (20, CRLF),
}
_AGENT_HINT = "write agent entries as `1. **agent-name** - what it does`"
_TIME_HINT = "add the phase's time to its heading, e.g. (0-20 mins), then set each step's estimate"
WARNINGS: Dict[str, List[Tuple[int, int, str, str]]] = {
    "untimed": [(5, 1, "skipped: phase `Phase 1: Gather` gives no time; its steps get no estimate", _TIME_HINT),
                (9, 1, "skipped: phase `Phase 2: Write` gives no time; its steps get no estimate", _TIME_HINT)],
    "time-lines": [
        (8, 1, "skipped: text in a phase that is not an agent entry", _AGENT_HINT),
        (12, 1, "skipped: a list item that names no agent", _AGENT_HINT),
        (14, 1, "skipped: a code block inside a phase is not an agent entry", ""),
        (22, 1, "skipped: phase `Phase 3: Sign-off` has no agent entries; its 5 minutes are not counted",
         "list its agents as `1. **agent-name** - what it does`"),
        (23, 1, "skipped: text in a phase that is not an agent entry", _AGENT_HINT),
        (26, 1, "skipped: an agent entry under a heading that is not a phase",
         "move it under a phase heading, or rename its heading `### Phase N: ...`")],
}


def imported(stem: str, name: str = ""):
    path = LEGACY / f"{stem}.md"
    return import_legacy(path.read_bytes(), f"tests/legacy/{stem}.md", name or stem)


def steps_of(text: str) -> Dict[str, dict]:
    return YAML(typ="safe", pure=True).load(text)["steps"]


@pytest.mark.parametrize("stem", sorted(VALID))
def test_steps_ids_needs_and_estimates(stem: str) -> None:
    steps = steps_of(imported(stem).text)
    expected = VALID[stem][1]
    assert list(steps) == list(expected)
    for step_id, (agent, title, group, needs, estimate) in expected.items():
        step = steps[step_id]
        assert (step["agent"], step["title"], step["group"]) == (agent, title, group)
        assert tuple(step.get("needs", ())) == needs
        assert step.get("estimate", "") == estimate
        assert step["prompt"].startswith("TODO refine this prompt, imported from tests/legacy/")


@pytest.mark.parametrize("stem", sorted(VALID))
def test_skipped_lines_are_warnings_with_positions(stem: str) -> None:
    found = [(d.line, d.column, d.message, d.hint) for d in imported(stem).warnings]
    assert found == WARNINGS.get(stem, [])
    assert all(d.code == "WFC600" and d.severity == "warning" for d in imported(stem).warnings)


@pytest.mark.parametrize("stem", sorted(VALID))
def test_yaml_reads_back_as_the_data_it_was_written_from(stem: str) -> None:
    result = imported(stem)
    assert YAML(typ="safe", pure=True).load(result.text) == workflow_data(result.command, stem)
    assert result.text.startswith("# yaml-language-server: $schema=../schema/workflow.schema.json\n"
                                  f"# Imported by `wfc import` from tests/legacy/{stem}.md.\n")


@pytest.mark.parametrize("stem", sorted(VALID))
def test_imported_workflow_validates_compiles_and_keeps_the_legacy_total(stem: str, tmp_path: Path) -> None:
    target = tmp_path / "workflows" / f"{stem}.yaml"
    target.parent.mkdir()
    target.write_text(imported(stem).text, encoding="utf-8")
    validated = validate_file(target)
    assert validated.workflow is not None and validated.diagnostics == (), validated.diagnostics
    plan = analyze(validated.workflow)
    legacy_minutes, expected = VALID[stem]
    if stem == "untimed":  # no legacy time: every step is flagged as defaulted, at 1m each
        assert [(d.code, d.line) for d in plan.warnings] == [("WFC303", 10), ("WFC303", 20), ("WFC303", 30)]
        assert plan.estimate.sequential == len(expected) * 60.0
    else:
        assert plan.warnings == ()
        assert plan.estimate.sequential == legacy_minutes * 60.0
    assert imported(stem).command.total_minutes == legacy_minutes


def test_golden_bytes_of_the_issue_example() -> None:
    text = imported("incident-review").text
    step = ("    prompt: |-\n      TODO refine this prompt, imported from tests/legacy/incident-review.md line {line}.\n"
            "      Say what the agent reads, what it produces and where, and what it must not touch.\n\n"
            "      Phase {phase}. The legacy instruction was:\n      > {text}\n")
    needs = "    needs: [log-collector, timeline-builder]\n"
    assert text == (
        "# yaml-language-server: $schema=../schema/workflow.schema.json\n"
        "# Imported by `wfc import` from tests/legacy/incident-review.md.\n"
        "# Refine every prompt marked TODO, then revisit the barriers between phases: each step\n"
        "# needs every step of the phase before it, as the legacy command ran them.\n"
        "version: 1\nname: incident-review\ntitle: \"Incident Review\"\n"
        "description: \"Short description paragraph. Imported from tests/legacy/incident-review.md by `wfc import`, "
        "which keeps the legacy phases as barriers: each step waits for every step of the phase before it. Those "
        "barriers are the first thing to revisit: keep only the dependencies each step really has.\"\n"
        "steps:\n"
        "  log-collector:\n    title: \"Gather logs around the incident window\"\n"
        "    group: \"Phase 1: Evidence Collection\"\n    agent: log-collector\n    estimate: 10m\n"
        + step.format(line=4, phase="1: Evidence Collection",
                      text="**log-collector** - Gather logs around the incident window")
        + "  timeline-builder:\n    title: \"Build a minute-by-minute timeline\"\n"
        "    group: \"Phase 1: Evidence Collection\"\n    agent: timeline-builder\n    estimate: 10m\n"
        + step.format(line=5, phase="1: Evidence Collection",
                      text="**timeline-builder** - Build a minute-by-minute timeline")
        + "  root-cause-analyst:\n    title: \"Root Cause Analysis\"\n    group: \"Phase 2: Analysis\"\n"
        "    agent: root-cause-analyst\n" + needs + "    estimate: 15m\n"
        + step.format(line=7, phase="2: Analysis", text="**Root Cause Analysis** (root-cause-analyst)")
        + "  impact-assessor:\n    title: \"Assess who was affected\"\n    group: \"Phase 2: Analysis\"\n"
        "    agent: impact-assessor\n" + needs + "    estimate: 15m\n"
        + step.format(line=8, phase="2: Analysis", text="**impact-assessor**: Assess who was affected"))


def test_frontmatter_gives_description_and_arguments() -> None:
    data = YAML(typ="safe", pure=True).load(imported("security-fortress").text)
    assert data["description"].startswith(
        "Harden a service against the OWASP top ten, from threat model to verified fixes. Imported from")
    assert data["arguments"] == {
        "service_name": {"description": "From the legacy argument-hint <service-name>", "required": True},
        "depth": {"description": "From the legacy argument-hint [--depth=quick|thorough]", "default": ""}}
    assert data["title"] == "Security Fortress"
    assert data["steps"]["threat-modeler"]["prompt"].endswith(
        "> **threat-modeler** - Map the attack surface of {{ args.service_name }} {{ args.depth }}\n\n"
        "Arguments: {{ args.service_name }} {{ args.depth }}")


def test_nested_items_become_details_of_their_entry() -> None:
    prompt = steps_of(imported("bulleted-titles").text)["endpoint-cataloguer"]["prompt"]
    assert prompt.endswith("> **Inventory Endpoints** (endpoint-cataloguer)\n> - include the deprecated ones\n"
                           "> - note which clients call each")


def test_prompts_render_back_to_the_legacy_text() -> None:
    """Braces that would open a Jinja tag are escaped, so the prompt renders as the legacy wrote it."""
    steps = steps_of(imported("jinja-and-quotes").text)
    environment = jinja2.sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    rendered = environment.from_string(steps["template-scanner"]["prompt"]).render()
    assert rendered.endswith("> **template-scanner** - Find {{ var }} and {% block %} and {# comments #} in "
                             "\"templates\"\n> - also look at `C:\\templates\\*.j2` — and ünïcödé paths")
    assert environment.from_string(steps["template-scanner"]["title"]).render() == (
        'Find {{ var }} and {% block %} and {# comments #} in "templates"')


def test_output_is_deterministic_and_never_names_absolute_paths() -> None:
    first = imported("repeated-agents").text
    assert first == imported("repeated-agents").text
    assert str(LEGACY) not in first


@pytest.mark.parametrize("text, minutes", [
    ("(0-20 mins)", 20), ("(20–50 minutes)", 30), ("(~15 min)", 15), ("(15m)", 15), ("(1h)", 60),
    ("(1-2 hours)", 60), ("(0.5 hours)", 30), ("— 45 minutes", 45), ("(10 to 25 min)", 15), ("no time", None),
    ("(50-20 min)", None)])
def test_time_notations(text: str, minutes: object) -> None:
    assert minutes_in(text)[0] == minutes


def test_estimates_add_up_to_the_phase_exactly() -> None:
    assert split_minutes(10, 7) == [86, 86, 86, 86, 86, 85, 85]
    assert sum(split_minutes(25, 3)) == 1500
    assert [format_seconds(s) for s in (400, 3600, 3725, 0, 59)] == ["6m40s", "1h", "1h2m5s", "0s", "59s"]


def test_repeated_agents_get_unique_ids_without_taking_another_agents_name() -> None:
    assert unique_ids(["a", "a", "a-2", "a", "Build Agent!", "9lives"]) == [
        "a", "a-3", "a-2", "a-4", "build-agent", "agent-9lives"]


def test_scalars_quote_what_yaml_would_misread() -> None:
    assert [scalar(v) for v in ("log-collector", "yes", "null", "10m", "1e5", "a: b", "é\u2028")] == [
        "log-collector", '"yes"', '"null"', "10m", '"1e5"', '"a: b"', '"é\\u2028"']
    assert jinja_literal("{{x}} {%y%} {#z#} {plain}") == '{{ "{" }}{x}} {{ "{" }}%y%} {{ "{" }}#z#} {plain}'


# -- malformed files ----------------------------------------------------------------------------

EXPECTED_HINT = ("expected a phase heading such as `### Phase 1: Evidence Collection (0-20 mins)` followed by "
                 "agent entries such as `1. **log-collector** - Gather logs around the incident window`")


@pytest.mark.parametrize("stem, code, line, column, message", [
    ("empty", "WFC602", 1, 1, "nothing to import: the file is empty"),
    ("blank", "WFC602", 1, 1, "nothing to import: the file is empty"),
    ("no-phases", "WFC603", 1, 1, "no phase heading found"),
    ("phases-without-agents", "WFC604", 3, 1, "no agent entries under any phase heading"),
    ("binary-junk", "WFC601", 3, 4, "not a markdown file: a NUL byte, which text never holds"),
    ("not-utf8", "WFC601", 3, 17, "not a markdown file: byte 0xe9 is not UTF-8"),
])
def test_malformed_files_are_errors_saying_what_was_expected(stem: str, code: str, line: int, column: int,
                                                             message: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        imported(stem)
    (diagnostic,) = raised.value.diagnostics
    assert (diagnostic.code, diagnostic.file, diagnostic.line, diagnostic.column, diagnostic.message) == (
        code, f"tests/legacy/{stem}.md", line, column, message)
    assert diagnostic.hint.endswith(EXPECTED_HINT[len("expected "):])


# -- the command --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ran:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[[List[str]], Ran]:
    """`wfc import ARGS` through the real entry point, where errors become exit codes."""
    def invoke(args: List[str]) -> Ran:
        with pytest.raises(SystemExit) as exited:
            main(["import", *args])
        captured = capsys.readouterr()
        return Ran(int(exited.value.code or 0), captured.out, captured.err)
    return invoke


def test_prints_to_stdout_without_output_option(run: Callable[[List[str]], Ran]) -> None:
    result = run([str(LEGACY / "incident-review.md")])
    assert result.exit_code == 0
    assert "\nname:" not in result.stdout
    assert result.stdout.endswith("      > **impact-assessor**: Assess who was affected\n")


def test_writes_the_file_named_after_its_stem_and_reports_warnings(tmp_path: Path, run: Callable[[List[str]], Ran]) -> None:
    target = tmp_path / "data-audit.yaml"
    result = run([str(LEGACY / "time-lines.md"), "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert "\nname: data-audit\n" in target.read_text(encoding="utf-8")
    assert result.stderr.count("warning[WFC600]") == 6
    assert result.stderr.rstrip().endswith("4 steps in 2 phases, 40 legacy minutes, 6 warnings")
    assert os.listdir(tmp_path) == ["data-audit.yaml"]


def test_refuses_to_overwrite_without_force(tmp_path: Path, run: Callable[[List[str]], Ran]) -> None:
    target = tmp_path / "incident-review.yaml"
    target.write_text("mine\n", encoding="utf-8")
    refused = run([str(LEGACY / "incident-review.md"), "-o", str(target)])
    assert refused.exit_code == 2
    assert refused.stderr.startswith("error: ") and "already exists; pass --force to overwrite it" in refused.stderr
    assert target.read_text(encoding="utf-8") == "mine\n"
    forced = run([str(LEGACY / "incident-review.md"), "-o", str(target), "--force"])
    assert forced.exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("# yaml-language-server")


def test_rejects_an_output_stem_that_is_not_a_workflow_name(tmp_path: Path, run: Callable[[List[str]], Ran]) -> None:
    result = run([str(LEGACY / "incident-review.md"), "-o", str(tmp_path / "Incident_Review.yaml")])
    assert result.exit_code == 2
    assert "cannot name a workflow 'Incident_Review'" in result.stderr and "(try incident-review.yaml)" in result.stderr
    assert os.listdir(tmp_path) == []


def test_malformed_input_writes_nothing(tmp_path: Path, run: Callable[[List[str]], Ran]) -> None:
    target = tmp_path / "nothing.yaml"
    result = run([str(LEGACY / "no-phases.md"), "-o", str(target)])
    assert result.exit_code == 1
    assert "no-phases.md:1:1: error[WFC603]: no phase heading found" in result.stderr
    assert os.listdir(tmp_path) == []


def test_a_failed_write_leaves_neither_a_partial_file_nor_a_temporary(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "incident-review.yaml"
    target.write_text("mine\n", encoding="utf-8")

    def broken_replace(source: str, destination: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        atomic_write(target, "new text\n")
    assert os.listdir(tmp_path) == ["incident-review.yaml"]
    assert target.read_text(encoding="utf-8") == "mine\n"
