"""`wfc import`: the writer's guarantees and the command line, on small fixtures of this project's
making (tests/legacy/*.md), each one family of variants: headings of every level and dash, titles
before or after the agent, repeated agents, untimed phases, time lines and bold phase lines, Jinja
and YAML look-alikes in the text, CRLF, files that are empty or not text.

The real commands are in test_import_originals.py, the shapes of other projects in
test_import_shapes.py.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import jinja2.sandbox
import pytest
from ruamel.yaml import YAML

from wfc.cli import main
from wfc.emit import atomic_write
from wfc.diagnostics.errors import ValidationFailed
from wfc.legacy import ImportResult, import_legacy
from wfc.legacy.steps import step_ids, workflow_data
from wfc.legacy.times import said, split
from wfc.legacy.yaml_text import jinja_literal, scalar
from wfc.legacy.records import Entry

LEGACY = Path(__file__).parent / "legacy"

# fixture -> {step id: (agent, needs, estimate)}
Expected = Dict[str, Tuple[str, Tuple[str, ...], str]]
FIXTURES: Dict[str, Expected] = {
    "incident-review": {
        "log-collector": ("log-collector", (), "10m"),
        "timeline-builder": ("timeline-builder", ("log-collector",), "10m"),
        "root-cause-analysis": ("root-cause-analyst", ("timeline-builder",), "15m"),
        "impact-assessor": ("impact-assessor", ("root-cause-analysis",), "15m")},
    "bulleted-titles": {
        "inventory-endpoints": ("endpoint-cataloguer", (), "20m"),
        "usage-analyst": ("usage-analyst", ("inventory-endpoints",), "20m"),
        "contract-review": ("contract-reviewer", ("usage-analyst",), "20m"),
        "schema-migrator": ("schema-migrator", ("contract-review",), "10m"),
        "tell-client-teams-what": ("client-notifier", ("schema-migrator",), "10m"),
        "implement-v2": ("api-developer", ("tell-client-teams-what",), "10m")},
    "time-lines": {
        "pipeline-mapper": ("pipeline-mapper", (), "25m"), "schedule-reader": ("schedule-reader", (), "25m"),
        "null-checker": ("null-checker", ("pipeline-mapper", "schedule-reader"), "8m45s"),
        "drift-detector": ("drift-detector", ("null-checker",), "8m45s"),
        "sign-off": ("", ("drift-detector",), "5m")},
    "crlf-no-title": {"builder": ("builder", (), "6m"), "packager": ("packager", ("builder",), "6m"),
                      "shipper": ("shipper", ("packager",), "8m")},
    "phases-without-agents": {"think": ("", (), "10m"), "decide": ("", ("think",), "10m")},
    "no-phases": {"quality-reviewer": ("quality-reviewer", (), ""),
                  "security-reviewer": ("security-reviewer", ("quality-reviewer",), "")},
    "untimed": {"changelog-reader": ("changelog-reader", (), ""),
                "issue-reader": ("issue-reader", ("changelog-reader",), ""),
                "release-writer": ("release-writer", ("issue-reader",), "")},
}


def imported(stem: str, name: Optional[str] = None) -> ImportResult:
    path = LEGACY / f"{stem}.md"
    return import_legacy(path.read_bytes(), f"tests/legacy/{stem}.md", name or stem, path)


def loaded(text: str) -> dict:
    return YAML(typ="safe", pure=True).load(text)


@pytest.mark.parametrize("stem", sorted(FIXTURES))
def test_steps_agents_needs_and_estimates(stem: str) -> None:
    steps = loaded(imported(stem).text)["steps"]
    assert {i: (s.get("agent", ""), tuple(s.get("needs", ())), s.get("estimate", "")) for i, s in steps.items()} == \
        FIXTURES[stem]
    assert list(steps) == list(FIXTURES[stem])


@pytest.mark.parametrize("stem", sorted(FIXTURES) + ["jinja-and-quotes", "repeated-agents", "security-fortress"])
def test_yaml_reads_back_as_the_data_it_was_written_from(stem: str) -> None:
    result = imported(stem)
    assert loaded(result.text) == workflow_data(result.command, stem)
    assert result.text.startswith("# yaml-language-server: $schema=../schema/workflow.schema.json\n"
                                  f"# Imported by `wfc import` from tests/legacy/{stem}.md.\n")
    assert result.checked.plan is not None


def test_golden_bytes_of_the_smallest_command() -> None:
    step = ("  {id}:\n    title: \"{title}\"\n    group: \"{group}\"\n    agent: {agent}\n{needs}"
            "    estimate: {estimate}\n    prompt: |-\n      {text}\n\n"
            "      {{% if args.request %}}ARGUMENTS: {{{{ args.request }}}}{{% endif %}}\n")
    phase1, phase2 = "Phase 1: Evidence Collection", "Phase 2: Analysis"
    assert imported("incident-review").text == (
        "# yaml-language-server: $schema=../schema/workflow.schema.json\n"
        "# Imported by `wfc import` from tests/legacy/incident-review.md.\n"
        "# Each step waits for the one before it, as the legacy command ran them: keep only the\n"
        "# dependencies each step really has, and the plan shows what running them together saves.\n"
        "version: 1\nname: incident-review\ntitle: \"Incident Review\"\ndescription: \"Short description paragraph.\"\n"
        "arguments:\n  request:\n    description: \"What to do: the text typed after the command, passed on as the "
        "legacy command received it\"\n    default: \"\"\nsteps:\n"
        + step.format(id="log-collector", title="Gather logs around the incident window", group=phase1,
                      agent="log-collector", needs="", estimate="10m",
                      text="**log-collector** - Gather logs around the incident window")
        + step.format(id="timeline-builder", title="Build a minute-by-minute timeline", group=phase1,
                      agent="timeline-builder", needs="    needs: [log-collector]\n", estimate="10m",
                      text="**timeline-builder** - Build a minute-by-minute timeline")
        + step.format(id="root-cause-analysis", title="Root Cause Analysis", group=phase2, agent="root-cause-analyst",
                      needs="    needs: [timeline-builder]\n", estimate="15m",
                      text="**Root Cause Analysis** (root-cause-analyst)")
        + step.format(id="impact-assessor", title="Assess who was affected", group=phase2, agent="impact-assessor",
                      needs="    needs: [root-cause-analysis]\n", estimate="15m",
                      text="**impact-assessor**: Assess who was affected")
        + "docs:\n  legacy:\n    minutes: 50\n"
        + "    source: \"the sum of the phase times in tests/legacy/incident-review.md\"\n")


def test_repeated_agents_are_named_by_what_they_do() -> None:
    steps = loaded(imported("repeated-agents").text)["steps"]
    assert list(steps)[:6] == ["log-collector-collect-application", "log-collector-collect-proxy", "log-collector-2",
                               "correlator-correlate-requests", "log-collector-collect-logs",
                               "correlator-correlate-again"]
    assert [s["estimate"] for s in steps.values()][6:] == ["1m26s"] * 5 + ["1m25s"] * 2
    assert sum(60 * int(s["estimate"].split("m")[0]) + int(s["estimate"].split("m")[1].rstrip("s") or 0)
               for s in steps.values()) == 27 * 60


def test_ids_never_count_up_an_agents_name() -> None:
    entries = [Entry("a", "Build the thing", "", 1, agent_led=True),
               Entry("a", "Build the thing", "", 2, agent_led=True),
               Entry("b", "x", "", 3, "Agent File Creation"), Entry("", "Verify everything works", "", 4),
               Entry("c", "Check", "", 5, agent_led=True)]
    assert step_ids(entries) == ["a-build-thing", "a-build-thing-2", "agent-file-creation", "verify-everything-works",
                                 "c"]


def test_prompts_render_back_to_the_legacy_text() -> None:
    """Braces that would open a Jinja tag are escaped, so the prompt renders as the legacy wrote it."""
    steps = loaded(imported("jinja-and-quotes").text)["steps"]
    environment = jinja2.sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    rendered = environment.from_string(steps["template-scanner"]["prompt"]).render(args={"request": ""})
    assert rendered.startswith("**template-scanner** - Find {{ var }} and {% block %} and {# comments #} in "
                               "\"templates\"\n- also look at `C:\\templates\\*.j2` — and ünïcödé paths")
    assert list(steps) == ["template-scanner", "quote-checker", "yes"]


def test_frontmatter_hint_and_placeholders() -> None:
    data = loaded(imported("security-fortress").text)
    assert data["arguments"] == {
        "service_name": {"description": "The legacy <service-name> argument", "required": True},
        "depth": {"description": "The legacy --depth option", "enum": ["quick", "thorough"]}}
    assert data["defaults"] == {"tools": ["Task", "Read", "Grep"]}
    assert data["steps"]["threat-modeler"]["title"] == (
        "Map the attack surface of {{ args.service_name }}{% if args.depth %} --depth={{ args.depth }}{% endif %}")


def test_output_is_deterministic_and_never_names_absolute_paths() -> None:
    first = imported("repeated-agents").text
    assert first == imported("repeated-agents").text
    assert str(LEGACY) not in first


@pytest.mark.parametrize("text, low, high", [
    ("(0-20 mins)", 0, 1200), ("(20–50 minutes)", 1200, 3000), ("(~15 min)", 900, 900), ("(15m)", 900, 900),
    ("(1h)", 3600, 3600), ("(1-2 hours)", 3600, 7200), ("(3-4 days)", 259200, 345600), ("— 45 minutes", 2700, 2700),
    ("(10 to 25 min)", 600, 1500)])
def test_durations_the_text_gives(text: str, low: float, high: float) -> None:
    found = said(text)
    assert found is not None and (found.low, found.high) == (low, high)


@pytest.mark.parametrize("text", ["no time", "(50-20 min)", "(40%)", "Phase 1-3", "(steps 4-9)", "$5M budget"])
def test_what_is_not_a_duration(text: str) -> None:
    assert said(text) is None


def test_shares_add_up_to_the_phase_exactly() -> None:
    assert split(600, 7) == [86, 86, 86, 86, 86, 85, 85]
    assert sum(split(1500, 3)) == 1500


def test_scalars_quote_what_yaml_would_misread() -> None:
    assert [scalar(v) for v in ("log-collector", "yes", "No", "null", "10m", "1e5", "a: b", "é\u2028")] == [
        "log-collector", '"yes"', '"No"', '"null"', "10m", '"1e5"', '"a: b"', '"é\\u2028"']
    assert jinja_literal("{{x}} {%y%} {#z#} {plain}") == '{{ "{" }}{x}} {{ "{" }}%y%} {{ "{" }}#z#} {plain}'


@pytest.mark.parametrize("stem, code, line, column, message", [
    ("empty", "WFC602", 1, 1, "nothing to import: the file is empty"),
    ("blank", "WFC602", 1, 1, "nothing to import: the file is empty"),
    ("binary-junk", "WFC601", 3, 4, "not a markdown file: a NUL byte, which text never holds"),
    ("not-utf8", "WFC601", 3, 17, "not a markdown file: byte 0xe9 is not UTF-8"),
])
def test_malformed_files_are_errors_with_positions(stem: str, code: str, line: int, column: int, message: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        imported(stem)
    (diagnostic,) = raised.value.diagnostics
    assert (diagnostic.code, diagnostic.file, diagnostic.line, diagnostic.column, diagnostic.message) == (
        code, f"tests/legacy/{stem}.md", line, column, message)


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
    assert result.exit_code == 0 and result.stderr == ""
    assert "\nname:" not in result.stdout
    assert result.stdout.endswith("sum of the phase times in tests/legacy/incident-review.md\"\n")


def test_writes_the_file_named_after_its_stem_and_reports_what_it_dropped(tmp_path: Path,
                                                                          run: Callable[[List[str]], Ran]) -> None:
    target = tmp_path / "data-audit.yaml"
    result = run([str(LEGACY / "time-lines.md"), "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert "\nname: data-audit\n" in target.read_text(encoding="utf-8")
    assert "time-lines.md:25:1: warning[WFC600]: dropped: 2 lines of section `Notes` (lines 25-26)" in result.stderr
    assert result.stderr.rstrip().endswith(
        "5 steps in 3 phases, 47.5 legacy minutes, makespan 47.5 min, 1 parallel group, 1 argument, 2 lines dropped, "
        "2 warnings")
    assert os.listdir(tmp_path) == ["data-audit.yaml"]


def test_untimed_steps_are_reported_at_their_place_in_the_written_file(tmp_path: Path,
                                                                        run: Callable[[List[str]], Ran]) -> None:
    target = tmp_path / "release-notes.yaml"
    result = run([str(LEGACY / "untimed.md"), "-o", str(target)])
    lines = target.read_text(encoding="utf-8").split("\n")
    assert lines[13] == "  changelog-reader:"
    assert f"{target.as_posix()}:14:3: warning[WFC303]: step 'changelog-reader' has no `estimate`" in result.stderr


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


def test_a_file_that_is_not_a_command_writes_nothing(tmp_path: Path, run: Callable[[List[str]], Ran]) -> None:
    target = tmp_path / "readme.yaml"
    result = run([str(LEGACY / "originals" / "commands" / "README.md"), "-o", str(target)])
    assert result.exit_code == 1
    assert ("README.md:1:1: error[WFC605]: not a slash command: this looks like a README (its file name)"
            in result.stderr)
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
