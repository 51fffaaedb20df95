"""`wfc import` over the seed project's real files (tests/legacy/originals/, see its NOTES.md).

For each of the 22 commands: the shape it was read as, its steps, its agents in order, its legacy
budget, its arguments and how many of its lines were dropped; that every import validates with
nothing but the estimates the text never gave, and that it is faithful: its makespan is the
legacy total (speedup 1.0x) unless the text declares agents that run together. The phase-shaped
commands are also checked against an independent reading (two regular expressions over the
seed's `### Phase N: Name (a-b mins)` + `N. **agent** - text` lines) and against the catalogue's
own phase table. Every other file there (the commands' README, the v2 designs, the template,
the agent definitions, the reports) is refused with what it is.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from ruamel.yaml import YAML

from wfc.diagnostics.errors import ValidationFailed
from wfc.legacy import ImportResult, import_legacy
from wfc.legacy.tally import figures

ORIGINALS = Path(__file__).parent / "legacy" / "originals"
COMMANDS = ORIGINALS / "commands"
NONE = ("request",)

# stem -> (shape, steps, legacy minutes, arguments, dropped lines, parallel groups)
FIGURES: Dict[str, Tuple[str, int, float, Tuple[str, ...], int, int]] = {
    "add-command": ("phased", 25, 55, ("template", "interactive", "quick", "from_spec", "validate_only",
                                       "skip_validation", "strict", "dry_run", "output", "format", "category"), 199, 0),
    "auto-scale": ("phased", 48, 240, NONE, 186, 0),
    "chaos-test": ("phased", 40, 180, NONE, 162, 0),
    "compliance-audit": ("phased", 43, 210, NONE, 113, 0),
    "create-agent": ("phased", 27, 120, NONE, 214, 0),
    "disaster-recovery": ("phased", 49, 360, NONE, 170, 0),
    "distributed-analysis": ("phased", 24, 90, NONE, 61, 0),
    "document-api": ("single-prompt", 1, 0, NONE, 0, 0),
    "generate-tests": ("single-prompt", 1, 0, NONE, 0, 0),
    "implement-epic": ("phased", 9, 0, ("epic_id", "dry_run", "resume_from"), 196, 0),
    "improve-orchestration": ("phased", 66, 270, ("scope", "depth", "focus", "output", "implement", "dry_run",
                                                  "validate_only"), 362, 0),
    "knowledge-synthesis": ("phased", 47, 270, NONE, 181, 0),
    "migrate-architecture": ("phased", 41, 285, NONE, 117, 0),
    "optimize-code": ("single-prompt", 1, 0, NONE, 0, 0),
    "orchestrate-complex": ("phased", 17, 0, NONE, 55, 0),
    "performance-surge": ("phased", 42, 180, NONE, 123, 0),
    "project-status": ("phased", 41, 155, ("scope", "detail", "focus", "stakeholder", "format", "next_sprint"), 134, 0),
    "review-all-v2": ("phased", 7, 45, ("scope", "focus", "min_severity"), 164, 1),
    "review-all": ("single-prompt", 1, 41, NONE, 0, 0),
    "secure-audit": ("single-prompt", 1, 0, NONE, 0, 0),
    "security-fortress": ("phased", 30, 150, NONE, 90, 0),
    "update-documentation": ("phased", 6, 33120, ("scope", "phase", "visuals_only", "content_only",
                                                  "skip_screenshots", "skip_diagrams"), 84, 0),
}
_MS, _RA, _CO, _AS = "master-strategist", "risk-assessor", "compliance-orchestrator", "architect-supreme"
_WO, _DE, _GP = "workflow-orchestrator", "documentation-expert", "general-purpose"
_SR, _TE = "senior-reviewer", "test-engineer"
# the commands not in the seed's phase shape: (step id, agent, estimate) in order
STEPS: Dict[str, List[Tuple[str, str, str]]] = {
    "orchestrate-complex": [
        ("analyze-requirements", _MS, ""), ("identify-potential-risks", _RA, ""),
        ("check-regulatory-requirements", _CO, ""), ("design-system-architecture", _AS, ""),
        ("break-down-tasks", "plan-decomposer", ""), ("assign-agents-resources", "resource-allocator", ""),
        ("security-review", "vulnerability-hunter", ""), ("compliance-check", _CO, ""),
        ("architecture-review", _AS, ""), ("risk-assessment", _RA, ""),
        ("state-synchronizer", "state-synchronizer", ""), ("conflict-resolver", "conflict-resolver", ""),
        ("test-strategist", "test-strategist", ""), ("chaos-engineer", "chaos-engineer", ""),
        ("security-specialist", "security-specialist", ""), ("performance-optimizer", "performance-optimizer", ""),
        ("verification-phase", _MS, "")],
    "implement-epic": [
        ("planning-phase", _WO, ""), ("execution-phase", _WO, ""), ("monitoring-phase", _WO, ""),
        ("senior-reviewer", _SR, ""), ("security-specialist", "security-specialist", ""), ("test-engineer", _TE, ""),
        ("performance-optimizer", "performance-optimizer", ""), ("adaptive-re-planning", _WO, ""),
        ("completion-phase", _WO, "")],
    "create-agent": [
        ("initial-needs-gathering", _GP, "2m30s"), ("ecosystem-compatibility-analysis", _GP, "2m30s"),
        ("decomposition-analysis", "plan-decomposer", "2m30s"), ("requirements-validation", _MS, "2m30s"),
        ("agent-architecture-design", _AS, "5m"), ("persona-development", _DE, "5m"),
        ("capability-specification", _AS, "5m"), ("integration-planning", _MS, "5m"),
        ("core-prompt-development", _DE, "5m"), ("prompt-optimization", _DE, "5m"), ("example-generation", _DE, "5m"),
        ("prompt-validation", _SR, "5m"), ("agent-file-creation", _DE, "5m"), ("supporting-file-generation", _DE, "5m"),
        ("code-example-generation", "code-generator-typescript", "5m"), ("technical-review", _SR, "5m"),
        ("documentation-review", _SR, "5m"), ("consistency-check", _GP, "5m"), ("claude-md-updates", _DE, "5m"),
        ("registry-updates", _DE, "5m"), ("guide-creation", _DE, "5m"), ("test-scenario-creation", _TE, "5m"),
        ("test-execution", _GP, "5m"), ("results-analysis", _TE, "5m"), ("final-adjustments", _DE, "3m20s"),
        ("deployment-preparation", _MS, "3m20s"), ("user-communication", _GP, "3m20s")],
    "review-all-v2": [
        ("codebase-analyzer", "codebase-analyzer", "5m"), ("code-quality-review", "quality-reviewer", "30m"),
        ("best-practices-review", "best-practices-reviewer", "30m"),
        ("architecture-review", "architecture-reviewer", "30m"),
        ("performance-review", "performance-reviewer", "30m"), ("security-review", "security-reviewer", "30m"),
        ("senior-reviewer", _SR, "10m")],
    "update-documentation": [
        ("foundation-architecture", "", "84h"), ("business-layer-content", "", "108h"),
        ("technical-layer-content", "", "132h"), ("visual-assets", "", "108h"),
        ("vitepress-enhancement-github-integration", "", "60h"), ("qa-finalization", "", "60h")],
    **{stem: [(stem, "", "41m" if stem == "review-all" else "")]
       for stem in ("document-api", "generate-tests", "optimize-code", "review-all", "secure-audit")},
}
_PHASE = re.compile(r"^### Phase \d+: (?P<name>.+?) \((?P<a>\d+)-(?P<b>\d+) min(?:ute)?s\)$")
_ENTRY = re.compile(r"^\d+\. \*\*(?P<agent>[a-z0-9-]+)\*\* - ")


@lru_cache(maxsize=None)
def imported(stem: str) -> ImportResult:
    path = COMMANDS / f"{stem}.md"
    return import_legacy(path.read_bytes(), f"tests/legacy/originals/commands/{stem}.md", stem, path,
                         f"workflows/{stem}.yaml")


def steps_of(stem: str) -> Dict[str, dict]:
    return YAML(typ="safe", pure=True).load(imported(stem).text)["steps"]


def seed_reading(stem: str) -> List[Tuple[str, int, List[str]]]:
    """The independent reading: (phase name, minutes, agents) from the seed's own line shapes."""
    phases: List[Tuple[str, int, List[str]]] = []
    for line in (COMMANDS / f"{stem}.md").read_text(encoding="utf-8").split("\n"):
        if line.startswith("## ") and phases:
            break
        phase, entry = _PHASE.match(line), _ENTRY.match(line)
        if phase:
            phases.append((phase.group("name"), int(phase.group("b")) - int(phase.group("a")), []))
        elif entry and phases:
            phases[-1][2].append(entry.group("agent"))
    return phases


SEED_SHAPED = sorted(stem for stem in FIGURES if stem not in STEPS)


def test_the_originals_are_all_here() -> None:
    assert sorted(p.stem for p in COMMANDS.glob("*.md")) == sorted([*FIGURES, "README"])
    assert len(FIGURES) == 22


@pytest.mark.parametrize("stem", sorted(FIGURES))
def test_figures(stem: str) -> None:
    found = figures(imported(stem))
    shape, steps, minutes, arguments, dropped, groups = FIGURES[stem]
    assert (found.shape, found.steps, found.legacy_minutes, found.arguments, found.dropped_lines,
            found.parallel_groups) == (shape, steps, minutes, arguments, dropped, groups)
    assert len(imported(stem).command.dropped) == dropped


@pytest.mark.parametrize("stem", sorted(STEPS))
def test_steps_agents_and_estimates_in_order(stem: str) -> None:
    steps = steps_of(stem)
    assert [(i, s.get("agent", ""), s.get("estimate", "")) for i, s in steps.items()] == STEPS[stem]


@pytest.mark.parametrize("stem", SEED_SHAPED)
def test_seed_shaped_commands_match_an_independent_reading(stem: str) -> None:
    """Phases, their budgets and their agents in order, as the two seed line shapes give them."""
    phases = imported(stem).command.phases
    expected = seed_reading(stem)
    assert [(p.label.split(": ", 1)[1], (p.seconds or 0) / 60, [e.agent for e in p.entries]) for p in phases] == [
        (name, minutes, agents) for name, minutes, agents in expected]
    assert [s["agent"] for s in steps_of(stem).values()] == [a for _, _, agents in expected for a in agents]


def test_the_catalogue_commands_match_its_phase_table() -> None:
    from test_catalogue import LEGACY  # the catalogue's own copy of ../shared/catalogue/legacy-commands.json

    for stem, table in LEGACY.items():
        phases = imported(stem).command.phases
        assert [(p.label.split(": ", 1)[1], [e.agent for e in p.entries]) for p in phases] == [
            (name, agents.split()) for name, _, _, agents in table], stem
        assert imported(stem).command.total_seconds == 60 * (table[-1][2] - table[0][1])


@pytest.mark.parametrize("stem", sorted(FIGURES))
def test_every_import_validates_and_only_untimed_steps_warn(stem: str) -> None:
    """What `wfc validate` says of the written file: nothing, or WFC303 at each step the text gave
    no time, positioned at the step's key in the written YAML."""
    result = imported(stem)
    lines = result.text.split("\n")
    untimed = [step for step, data in steps_of(stem).items() if "estimate" not in data]
    found = [(d.code, d.file, lines[d.line - 1], d.column) for d in result.checked.diagnostics]
    assert found == [("WFC303", f"workflows/{stem}.yaml", f"  {step}:", 3) for step in untimed]


@pytest.mark.parametrize("stem", sorted(FIGURES))
def test_faithful_makespan_is_the_legacy_total(stem: str) -> None:
    """Run as the legacy command ran: one step after another, so the makespan is the legacy total
    (and the sequential sum too) unless the text declares agents that run together."""
    result = imported(stem)
    estimate = result.checked.plan.estimate  # type: ignore[union-attr]
    found = figures(result)
    untimed = sum(1 for data in steps_of(stem).values() if "estimate" not in data)
    legacy = result.command.total_seconds + 60.0 * untimed  # the plan counts an untimed step as 1m
    assert estimate.makespan == legacy
    if found.parallel_groups == 0:
        assert estimate.sequential == legacy and found.speedup == 1.0
    else:
        assert estimate.sequential > legacy


def test_review_all_v2_runs_its_five_declared_reviewers_together_on_the_shared_context() -> None:
    steps = steps_of("review-all-v2")
    reviewers = ["code-quality-review", "best-practices-review", "architecture-review", "performance-review",
                 "security-review"]
    for step in reviewers:
        assert steps[step]["needs"] == ["codebase-analyzer"] and steps[step]["inputs"] == ["codebase-context"]
    assert steps["senior-reviewer"]["needs"] == reviewers
    assert steps["senior-reviewer"]["inputs"] == ["quality-issues", "practice-issues", "architecture-issues",
                                                  "performance-issues", "security-issues"]
    assert "TodoWrite" not in "".join(s["prompt"] for s in steps.values())


def test_compliance_audit_conditions_become_switches_that_default_to_the_legacy_run() -> None:
    data = YAML(typ="safe", pure=True).load(imported("compliance-audit").text)
    switches = {name: spec for name, spec in data["arguments"].items() if name.startswith("include_")}
    assert switches == {
        f"include_{name}": {"description": f"Run step '{step}': the legacy text runs it (if applicable)",
                            "type": "boolean", "default": True}
        for name, step in (("privacy_validator", "privacy-validator"), ("ccpa_auditor", "ccpa-auditor"),
                           ("fedramp_auditor", "fedramp-auditor"))}
    assert data["steps"]["fedramp-auditor"]["when"] == "args.include_fedramp_auditor"
    ids = list(data["steps"])
    assert ids[0] == "compliance-orchestrator-determine-applicable"
    assert ids[-1] == "compliance-orchestrator-final-report"


def test_arguments_come_typed_from_usage_and_option_lists() -> None:
    data = YAML(typ="safe", pure=True).load(imported("project-status").text)
    assert data["arguments"]["scope"] == {
        "description": "daily: Daily standup metrics; weekly: Weekly review metrics; monthly: Monthly strategic "
                       "review; quarterly: Quarterly business review",
        "default": "daily", "enum": ["daily", "weekly", "monthly", "quarterly"]}
    assert data["arguments"]["next_sprint"] == {"description": "The legacy --next-sprint option", "type": "boolean",
                                                "default": False}
    epic = YAML(typ="safe", pure=True).load(imported("implement-epic").text)
    assert epic["arguments"]["epic_id"] == {"description": "Epic identifier (e.g., `epic-2-net-orchestration`)",
                                            "required": True}
    assert epic["steps"]["planning-phase"]["prompt"].endswith(
        "ARGUMENTS: {{ args.epic_id }}{% if args.dry_run %} --dry-run{% endif %}"
        "{% if args.resume_from %} --resume-from={{ args.resume_from }}{% endif %}")
    update = YAML(typ="safe", pure=True).load(imported("update-documentation").text)
    assert update["arguments"]["phase"] == {"description": "Execute specific phase (1-6). Default: all phases",
                                            "type": "integer"}


def test_a_single_prompt_is_the_whole_body_with_its_input_appended() -> None:
    (step,) = steps_of("secure-audit").values()
    body = (COMMANDS / "secure-audit.md").read_text(encoding="utf-8").strip()
    assert step["prompt"] == body + "\n\n{% if args.request %}ARGUMENTS: {{ args.request }}{% endif %}"
    assert step["title"] == "Security Vulnerability Audit" and "agent" not in step


def test_review_all_states_its_own_time() -> None:
    result = imported("review-all")
    assert (result.command.frame.stated_text, result.command.frame.stated_line) == ("41 minutes", 7)
    data = YAML(typ="safe", pure=True).load(result.text)
    assert data["docs"]["legacy"] == {"minutes": 41,
                                      "source": "as tests/legacy/originals/commands/review-all.md states at line 7"}


def test_unknown_agents_are_reported_once_with_where_to_define_them() -> None:
    found = [(d.line, d.message, d.hint) for d in imported("orchestrate-complex").warnings if d.code == "WFC606"]
    assert found == [(40, "agent 'risk-assessor' is not defined in tests/legacy/originals/agents/ nor built into "
                          "Claude Code: there is a risk-assessor.json, but Claude Code reads only .md agent "
                          "definitions",
                      "define tests/legacy/originals/agents/risk-assessor.md (frontmatter `name` and `description`) "
                      "before running the workflow")]
    unknown = {d.message.split("'")[1] for d in imported("security-fortress").warnings if d.code == "WFC606"}
    assert len(unknown) == 28 and "cryptography-expert" not in unknown and "threat-modeler" in unknown


def test_dropped_sections_are_listed_with_their_lines() -> None:
    found = [(d.line, d.message) for d in imported("orchestrate-complex").warnings if d.message.startswith("dropped")]
    assert found[0] == (9, "dropped: 22 lines of section `Available Orchestration Patterns` (lines 9, 11-16, 18-22, "
                           "24-28, 30-34): a section outside the phases, which no step runs")
    total = sum(int(re.search(r"dropped: (\d+) line", m).group(1)) for _, m in found)  # type: ignore[union-attr]
    assert total == len(imported("orchestrate-complex").command.dropped) == 55


# -- files that are not commands ------------------------------------------------------------------

REFUSED = {
    "commands/README.md": (1, "a README (its file name)"),
    "commands-v2/orchestrate-complex.README.md": (1, "a README (its file name)"),
    "commands-v2/review-all.README.md": (1, "a README (its file name)"),
    "commands-v2/security-fortress.README.md": (1, "a README (its file name)"),
    "commands-v2/orchestrate-complex.dag.md": (1, "a plan: a command's dependency graph written out (.dag.md)"),
    "commands-v2/review-all.dag.md": (1, "a plan: a command's dependency graph written out (.dag.md)"),
    "commands-v2/security-fortress.dag.md": (1, "a plan: a command's dependency graph written out (.dag.md)"),
    "commands-v2/orchestrate-complex.json": (1, "an orchestration definition in JSON"),
    "commands-v2/review-all.json": (1, "an orchestration definition in JSON"),
    "commands-v2/security-fortress.json": (1, "an orchestration definition in JSON"),
    "commands-v2/validate-orchestrate-complex.cjs": (1, "JavaScript source (validate-orchestrate-complex.cjs)"),
    "templates/command-template-v2.md": (1, "a template: placeholders such as [Command Name] where a command has "
                                            "its own words"),
    "templates/README.md": (1, "a README (its file name)"),
    "agents/senior-reviewer.md": (1, "an agent definition (a file under agents/)"),
    "agents/risk-assessor.json": (1, "an agent definition (a file under agents/)"),
    "docs/PHASE2_COMPLETE.md": (3, "a report or design document (dated: `**Date**: 2025-10-08`), not a command"),
    "docs/analysis_orchestration-analysis.md": (3, "a report or design document (dated: `**Generated**: "
                                                   "2025-10-08`), not a command"),
    "docs/architecture_orchestration-architecture.md": (4, "a report or design document (dated: `**Date**: "
                                                           "2025-10-08`), not a command"),
    "docs/orchestration-phase1.md": (3, "a report or design document (dated: `**Date**: 2025-10-08`), not a command"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_files_that_are_not_commands_are_refused_for_what_they_are(name: str) -> None:
    path = ORIGINALS / name
    with pytest.raises(ValidationFailed) as raised:
        import_legacy(path.read_bytes(), f"tests/legacy/originals/{name}", None, path)
    (diagnostic,) = raised.value.diagnostics
    line, what = REFUSED[name]
    assert (diagnostic.code, diagnostic.severity, diagnostic.line, diagnostic.message) == (
        "WFC605", "error", line, f"not a slash command: this looks like {what}")
    assert diagnostic.hint.endswith("wfc import reads slash commands: markdown files such as .claude/commands/NAME.md")


def test_every_agent_definition_is_refused() -> None:
    for path in sorted((ORIGINALS / "agents").iterdir()):
        with pytest.raises(ValidationFailed):
            import_legacy(path.read_bytes(), f"tests/legacy/originals/agents/{path.name}", None, path)


def test_every_import_compiles_into_modules_that_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Written as `wfc import -o` writes them, the 22 imports compile (plan, module, command doc)."""
    import ast

    from wfc.cli import main

    (tmp_path / "workflows").mkdir()
    for stem in FIGURES:
        (tmp_path / "workflows" / f"{stem}.yaml").write_text(imported(stem).text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exited:
        main(["compile", "workflows"])
    assert exited.value.code in (0, None)
    modules = sorted((tmp_path / "generated").glob("*.py"))
    assert len(modules) == 22 and len(list((tmp_path / "generated" / "commands").glob("*.md"))) == 22
    for module in modules:
        ast.parse(module.read_text(encoding="utf-8"))
