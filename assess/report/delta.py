"""`assess --base REF`: the change from the base revision, added to the report in the chosen format.

Markdown leads with the change (see render_review); JSON gains a `delta` object; text gains a short section.
SARIF and the badge describe the current revision only, so they are left as they are.
"""

from __future__ import annotations

from mlops_level.assess.api import report_to_dict
from mlops_level.assess.model import Report
from mlops_level.assess.report.escape import json_text, term_text
from mlops_level.assess.report.markdown import render_review
from mlops_level.assess.review.delta import Change, Delta, delta_to_dict


def render_with_delta(output_format: str, rendered: str, report: Report, delta: Delta, verbose: bool) -> str:
    """`rendered` (the report in `output_format`) with the delta added."""
    if output_format == "markdown":
        return render_review(report, delta, all_evidence=verbose)
    if output_format == "json":
        data = report_to_dict(report)
        data["delta"] = delta_to_dict(delta)
        return json_text(data) + "\n"
    if output_format == "text":
        return rendered + "\n" + delta_text(delta)
    return rendered


def delta_text(delta: Delta) -> str:
    """The change as plain text lines (the base revision is named by the user or the CI: escaped)."""
    base = term_text(delta.base_ref + (f" ({delta.base_commit[:12]})" if delta.base_commit else ""))
    lines = [
        f"Change from {base}: {delta.headline()}",
        f"  gained: {_ids(delta.gained)}",
        f"  lost:   {_ids(delta.lost)}",
    ]
    if delta.regression:
        lines.append(f"  REGRESSION: {delta.regression_reason}")
    return "\n".join(lines) + "\n"


def _ids(changes: list[Change]) -> str:
    return ", ".join(f"{change.spec.id} {change.spec.title}" for change in changes) or "none"
