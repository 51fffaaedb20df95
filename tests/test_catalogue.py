"""The shipped catalogue: every legacy command redesigned as a workflow keeps its agents and its
time budget, validates without a single diagnostic, runs faster than the legacy sequence, and its
docs state the very figures the analysis computes (so the docs cannot drift from the plan).

The legacy phase table is copied below from ../shared/catalogue/legacy-commands.json, so the suite
runs where that file is absent (CI); where it is present, a test checks the copy is still faithful.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

import wfc.validate as validate
import wfc.analysis as analysis

from wfc.analysis.plan import Plan  # noqa: E402  (after the skips: without the analysis there is nothing to test)

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / "workflows"
SHARED_CATALOGUE = ROOT.parent / "shared" / "catalogue" / "legacy-commands.json"

Phase = Tuple[str, int, int, str]  # name, start minute, end minute, agents in call order

LEGACY: Dict[str, Tuple[Phase, ...]] = {
    "auto-scale": (
        ("Workload Analysis", 0, 25,
         "workload-analyzer traffic-pattern-detector peak-identifier baseline-calculator "
         "variability-assessor anomaly-detector"),
        ("Resource Analysis", 25, 50,
         "resource-profiler bottleneck-identifier capacity-planner rightsizing-analyzer "
         "waste-detector reservation-optimizer"),
        ("Predictive Modeling", 50, 80,
         "demand-forecaster time-series-analyst ml-predictor seasonality-modeler "
         "event-anticipator confidence-interval-calculator"),
        ("Scaling Policy Design", 80, 115,
         "policy-architect metric-selector threshold-optimizer cooldown-tuner "
         "step-scaling-designer target-tracking-designer predictive-scaling-designer"),
        ("Cost Optimization", 115, 145,
         "cost-analyzer spot-instance-optimizer reserved-instance-planner "
         "savings-plan-optimizer instance-type-optimizer cost-per-request-calculator"),
        ("Implementation", 145, 180,
         "hpa-configurator vpa-configurator asg-configurator gcp-autoscaler-configurator "
         "azure-autoscale-configurator custom-scaler-builder"),
        ("Testing & Validation", 180, 210,
         "load-tester spike-tester scale-down-tester cost-validator performance-validator"),
        ("Monitoring & Tuning", 210, 240,
         "scaling-monitor performance-tracker cost-tracker alert-configurator policy-tuner "
         "scaling-orchestrator"),
    ),
    "compliance-audit": (
        ("Compliance Scoping", 0, 20,
         "compliance-orchestrator scope-analyzer data-classifier stakeholder-mapper"),
        ("GDPR Compliance Audit", 20, 50,
         "gdpr-auditor data-subject-rights-validator consent-manager-auditor "
         "data-protection-impact-assessor international-transfer-validator "
         "privacy-policy-reviewer"),
        ("HIPAA Compliance Audit", 50, 80,
         "hipaa-auditor phi-identifier access-control-validator audit-log-validator "
         "encryption-validator breach-notification-assessor"),
        ("SOC2 Compliance Audit", 80, 110,
         "soc2-auditor security-control-validator availability-validator "
         "confidentiality-validator privacy-validator change-management-auditor"),
        ("PCI-DSS Compliance Audit", 110, 140,
         "pci-dss-auditor cardholder-data-flow-mapper network-segmentation-validator "
         "vulnerability-scanner penetration-test-validator pci-logging-validator"),
        ("ISO 27001 Compliance Audit", 140, 170,
         "iso27001-auditor isms-validator risk-assessment-validator asset-management-validator "
         "incident-management-validator business-continuity-validator"),
        ("Additional Frameworks", 170, 190,
         "ccpa-auditor fedramp-auditor nist-csf-mapper industry-specific-auditor"),
        ("Cross-Framework Analysis", 190, 210,
         "control-mapper gap-analyzer evidence-collector remediation-planner "
         "compliance-orchestrator"),
    ),
    "knowledge-synthesis": (
        ("Problem Decomposition", 0, 20,
         "problem-analyzer domain-identifier question-decomposer hypothesis-generator "
         "expert-selector"),
        ("Knowledge Acquisition", 20, 50,
         "codebase-analyzer architecture-expert documentation-miner pattern-recognizer "
         "dependency-analyzer historical-analyst"),
        ("Domain Expert Analysis", 50, 95,
         "security-expert performance-expert scalability-expert reliability-expert data-expert "
         "ux-expert devops-expert business-expert"),
        ("Knowledge Graph Construction", 95, 125,
         "entity-extractor relationship-mapper taxonomy-builder ontology-constructor "
         "graph-builder semantic-linker"),
        ("Collaborative Reasoning", 125, 170,
         "inference-engine contradiction-detector gap-analyzer hypothesis-validator "
         "analogical-reasoner causal-reasoner"),
        ("Synthesis & Integration", 170, 210,
         "insight-synthesizer pattern-integrator solution-generator tradeoff-analyzer "
         "consensus-builder novelty-detector"),
        ("Validation & Refinement", 210, 245,
         "solution-validator feasibility-assessor risk-evaluator impact-analyzer "
         "recommendation-ranker"),
        ("Knowledge Capture", 245, 270,
         "knowledge-documenter decision-recorder pattern-cataloger lesson-extractor "
         "synthesis-orchestrator"),
    ),
    "migrate-architecture": (
        ("Migration Assessment", 0, 30,
         "migration-strategist architecture-analyzer dependency-mapper data-flow-analyzer "
         "risk-assessor stakeholder-impact-analyzer"),
        ("Migration Planning", 30, 75,
         "migration-pattern-selector phase-planner rollback-strategist data-migration-planner "
         "testing-strategist communication-planner"),
        ("Architecture Design", 75, 120,
         "target-architect api-compatibility-designer data-schema-designer "
         "integration-architect security-architect observability-designer"),
        ("Migration Infrastructure", 120, 165,
         "dual-write-implementer feature-flag-engineer canary-deployer traffic-router-builder "
         "data-sync-engineer rollback-automator"),
        ("Migration Execution", 165, 210,
         "migration-executor traffic-shifter data-migrator consistency-validator "
         "performance-monitor error-rate-monitor"),
        ("Validation & Testing", 210, 255,
         "functional-tester integration-tester performance-tester chaos-tester "
         "user-acceptance-tester data-integrity-validator"),
        ("Cutover & Completion", 255, 285,
         "cutover-coordinator legacy-decommissioner documentation-updater runbook-creator "
         "migration-orchestrator"),
    ),
    "performance-surge": (
        ("Performance Profiling", 0, 20,
         "performance-profiler bottleneck-detective resource-monitor user-experience-analyzer"),
        ("Frontend Optimization", 20, 45,
         "frontend-optimizer bundle-analyzer asset-optimizer rendering-optimizer "
         "lazy-loading-specialist web-vitals-optimizer"),
        ("Backend/API Optimization", 45, 75,
         "api-performance-tuner n-plus-one-hunter algorithm-optimizer concurrency-engineer "
         "memory-optimizer connection-pool-tuner"),
        ("Database Optimization", 75, 105,
         "query-optimizer index-architect schema-optimizer database-cache-strategist "
         "partition-specialist slow-query-eliminator"),
        ("Caching Strategy", 105, 125,
         "cache-architect redis-optimizer cdn-strategist cache-invalidation-specialist "
         "http-cache-optimizer"),
        ("Network Optimization", 125, 145,
         "network-optimizer compression-specialist protocol-optimizer dns-optimizer tcp-tuner"),
        ("Infrastructure Optimization", 145, 165,
         "container-optimizer autoscaling-engineer load-balancer-tuner serverless-optimizer "
         "resource-allocator"),
        ("Cross-Layer Optimization", 165, 180,
         "data-transfer-optimizer latency-optimizer throughput-maximizer cost-optimizer "
         "performance-orchestrator"),
    ),
    "security-fortress": (
        ("Threat Modeling", 0, 20,
         "threat-modeler attack-surface-mapper asset-identifier trust-boundary-analyzer"),
        ("Static Analysis", 20, 40,
         "code-scanner-sast dependency-auditor secrets-detective configuration-hardener"),
        ("Dynamic Analysis", 40, 70,
         "penetration-tester-web penetration-tester-api authentication-breaker "
         "injection-specialist xss-hunter csrf-detector"),
        ("Infrastructure Security", 70, 90,
         "network-security-analyst container-security-scanner cloud-security-auditor "
         "secrets-management-validator"),
        ("Cryptography & Privacy", 90, 110,
         "cryptography-expert pii-detector gdpr-compliance-checker encryption-auditor"),
        ("Application Security", 110, 130,
         "session-security-analyst rate-limiter-validator cors-policy-auditor "
         "security-header-checker"),
        ("Compliance & Reporting", 130, 150,
         "compliance-orchestrator vulnerability-scorer remediation-planner security-reporter"),
    ),
    "project-status": (
        ("Phase Completion Analysis", 0, 15,
         "phase-tracker milestone-validator dependency-mapper blocke-identifier "
         "completion-forecaster"),
        ("Git Repository Analysis", 15, 30,
         "git-analyzer pr-monitor commit-analyzer branch-health contribution-metrics"),
        ("Sprint Velocity & Burndown", 30, 45,
         "velocity-calculator burndown-analyzer capacity-planner scope-tracker "
         "impediment-detector"),
        ("Technical Debt Assessment", 45, 65,
         "debt-scanner code-quality-analyzer test-coverage-analyzer documentation-gap-finder "
         "refactoring-opportunity-finder"),
        ("Dependency Health Check", 65, 85,
         "dependency-analyzer vulnerability-scanner outdated-package-detector "
         "license-compliance-checker breaking-change-detector"),
        ("Resource Allocation Review", 85, 105,
         "resource-mapper utilization-analyzer bottleneck-detector capacity-forecaster "
         "cost-analyzer"),
        ("Risk Dashboard", 105, 125,
         "risk-scanner active-risk-tracker mitigation-validator risk-forecaster "
         "impact-analyzer"),
        ("Next Sprint Planning", 125, 155,
         "priority-ranker capacity-matcher dependency-sequencer risk-optimizer value-optimizer "
         "ai-planner"),
    ),
}

# What the analysis computes for each workflow, in minutes: (sequential, makespan). A change to a
# workflow or to the schedule policy that moves these must update them here.
COMPILED: Dict[str, Tuple[int, int]] = {
    "auto-scale": (240, 89),
    "compliance-audit": (210, 59),  # 60 with longest-path-first priorities; the search finds 59
    "knowledge-synthesis": (270, 121),
    "migrate-architecture": (285, 115),
    "performance-surge": (180, 58),
    "security-fortress": (150, 40),
    "project-status": (155, 46),
}

NAMES = sorted(LEGACY)


def legacy_agents(name: str) -> List[str]:
    return [agent for phase in LEGACY[name] for agent in phase[3].split()]


def legacy_minutes(name: str) -> int:
    return sum(end - start for _, start, end, _ in LEGACY[name])


@lru_cache(maxsize=None)
def compiled(name: str) -> Tuple["validate.ValidationResult", Plan]:
    """Validated and analyzed once per workflow: the file is read-only for the whole session."""
    result = validate.validate_file(WORKFLOWS / f"{name}.yaml")
    assert result.workflow is not None, [d.message for d in result.diagnostics]
    return result, analysis.analyze(result.workflow)


@pytest.mark.parametrize("name", NAMES)
def test_validates_without_any_diagnostic(name: str) -> None:
    result, plan = compiled(name)
    shown = [f"{d.line}:{d.column} {d.code} {d.message}" for d in result.diagnostics + plan.warnings]
    assert shown == []


def legacy_role(step_id: str) -> str:
    """A step id is the legacy agent's name, made unique with `-N` where the legacy ran it twice."""
    return re.sub(r"-\d+$", "", step_id)


@pytest.mark.parametrize("name", NAMES)
def test_one_step_per_legacy_agent_in_legacy_order(name: str) -> None:
    _, plan = compiled(name)
    assert len(plan.workflow.steps) == len(legacy_agents(name))
    assert [legacy_role(step.id) for step in plan.workflow.steps] == legacy_agents(name)


@pytest.mark.parametrize("name", NAMES)
def test_every_agent_step_runs_an_agent_the_workflow_defines(name: str) -> None:
    """The legacy names were roles, not agents Claude Code knows: each step now names one of the few
    agents its workflow defines."""
    _, plan = compiled(name)
    workflow = plan.workflow
    used = {step.agent for step in workflow.steps if step.kind == "agent"}
    assert used == {agent.name for agent in workflow.agents}
    assert len(used) < len(workflow.steps)


@pytest.mark.parametrize("name", NAMES)
def test_every_phase_keeps_its_legacy_budget(name: str) -> None:
    _, plan = compiled(name)
    spent: Dict[str, float] = {}
    for step in plan.workflow.steps:
        assert not step.estimate_defaulted, step.id
        spent[str(step.group)] = spent.get(str(step.group), 0.0) + step.estimate
    assert spent == {phase: (end - start) * 60.0 for phase, start, end, _ in LEGACY[name]}


@pytest.mark.parametrize("name", NAMES)
def test_sequential_estimate_is_the_legacy_total(name: str) -> None:
    _, plan = compiled(name)
    assert plan.estimate.sequential == legacy_minutes(name) * 60.0
    assert plan.estimate.sequential == COMPILED[name][0] * 60.0


@pytest.mark.parametrize("name", NAMES)
def test_makespan_is_below_the_legacy_total(name: str) -> None:
    _, plan = compiled(name)
    assert plan.estimate.makespan < legacy_minutes(name) * 60.0
    assert plan.estimate.makespan == COMPILED[name][1] * 60.0


@pytest.mark.parametrize("name", NAMES)
def test_docs_state_the_legacy_figure_and_its_source(name: str) -> None:
    docs = compiled(name)[1].workflow.docs
    assert docs.legacy_minutes == legacy_minutes(name)
    assert docs.legacy_source.startswith(f"the command's own phase budgets (0-{legacy_minutes(name)} min)")


@pytest.mark.parametrize("name", NAMES)
def test_docs_count_the_legacy_agents_right(name: str) -> None:
    _, plan = compiled(name)
    stated = re.findall(r"which ran (\d+) agents", plan.workflow.docs.purpose)
    assert stated == [str(len(legacy_agents(name)))]


@pytest.mark.parametrize("name", NAMES)
def test_usage_examples_invoke_the_slash_command(name: str) -> None:
    _, plan = compiled(name)
    usage = plan.workflow.docs.usage
    assert usage and all(example.split()[0] == f"/{name}" for example in usage)


@pytest.mark.parametrize("name", NAMES)
def test_legacy_phases_are_contiguous(name: str) -> None:
    starts = [start for _, start, _, _ in LEGACY[name]]
    ends = [end for _, _, end, _ in LEGACY[name]]
    assert starts == [0] + ends[:-1]


def test_legacy_table_matches_the_shared_catalogue() -> None:
    if not SHARED_CATALOGUE.exists():
        pytest.skip(f"{SHARED_CATALOGUE.name} is not next to the repository")
    commands = json.loads(SHARED_CATALOGUE.read_text(encoding="utf-8"))["commands"]
    shared = {
        name: tuple(
            (phase["name"], phase["minutes"][0], phase["minutes"][1], " ".join(phase["agents"]))
            for phase in spec["phases"]
        )
        for name, spec in commands.items()
    }
    assert shared == LEGACY
