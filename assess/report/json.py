"""`--format json`: the versioned report object (see `api.report_to_dict` and docs/report.schema.json)."""

from __future__ import annotations

from mlops_level.assess.api import report_to_dict
from mlops_level.assess.model import Report
from mlops_level.assess.report.escape import json_text


def render_json(report: Report, verbose: bool = False) -> str:
    """JSON always carries every piece of evidence; `verbose` is accepted for a uniform renderer signature."""
    return json_text(report_to_dict(report)) + "\n"
