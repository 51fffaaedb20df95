"""The json report for tooling: the same data as the other formats, validated by
`schema/report.schema.json`; times in seconds, levels 0-based as in the plan."""
from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, Dict

from wfc.report import text
from wfc.report.data import ReportData, WorkflowReport

FORMAT_VERSION = 1


def _workflow(report: WorkflowReport) -> Dict[str, Any]:
    return {
        "name": report.name,
        "title": report.title,
        "source": report.source,
        "source_sha256": report.source_sha256,
        "estimate": asdict(report.estimate),
        "time_saved": report.time_saved,
        "legacy_minutes": report.legacy_minutes,
        "legacy_source": report.legacy_source,
        "critical_path": list(report.critical_path),
        "zero_slack": list(report.zero_slack),
        "widest_level": list(report.widest_level),
        "levels": [list(level) for level in report.levels],
        "steps": [asdict(step) for step in report.steps],
        "accuracy": None if report.accuracy is None else asdict(report.accuracy),
    }


def report_dict(data: ReportData) -> Dict[str, Any]:
    return {
        "$comment": text.header(data),
        "version": FORMAT_VERSION,
        "summary": [report.name for report in data.workflows],
        "workflows": [_workflow(report) for report in data.workflows],
    }


def render_json(data: ReportData) -> str:
    return json.dumps(report_dict(data), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
