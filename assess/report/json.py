"""`--format json`: the versioned report object (see `api.report_to_dict` and docs/report.schema.json)."""

from __future__ import annotations

import json

from mlops_level.assess.api import report_to_dict
from mlops_level.assess.model import Report


def render_json(report: Report, verbose: bool = False) -> str:
    """JSON always carries every piece of evidence; `verbose` is accepted for a uniform renderer signature."""
    return json.dumps(report_to_dict(report), indent=2, ensure_ascii=False) + "\n"
