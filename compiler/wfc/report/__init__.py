"""Performance-estimate reports: plans (and measured runs) in, markdown, html or json out.

`build_report(plans, runs)` computes the figures once (`data`); `markdown`, `html` and
`json_report` only present them; `svg` draws the charts the html report embeds.
"""
from __future__ import annotations

from wfc.report.data import ReportData, build_report

__all__ = ["ReportData", "build_report"]
