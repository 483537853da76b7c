"""A shields.io endpoint badge: `{"schemaVersion": 1, "label": "MLOps", "message": "Level 1 · 60%", ...}`.

Serve the JSON file anywhere public (a gist, GitHub Pages, a branch) and point
`https://img.shields.io/endpoint?url=<its raw URL>` at it.
"""

from __future__ import annotations

from mlops_level.assess.model import Report
from mlops_level.assess.report.escape import json_text

COLORS = {0: "red", 1: "yellow", 2: "brightgreen"}


def badge_message(report: Report) -> str:
    """`Level 1 · 60%` (the progress toward the next level), or `Level 2` at the top of the scale."""
    rating = report.rating
    if rating.next_level is None:
        return f"Level {rating.level}"
    return f"Level {rating.level} · {rating.progress}%"


def render_badge(report: Report, verbose: bool = False) -> str:
    """The shields.io endpoint JSON for the report (`verbose` changes nothing: a badge has one line)."""
    badge = {
        "schemaVersion": 1,
        "label": "MLOps",
        "message": badge_message(report),
        "color": COLORS[report.rating.level],
    }
    return json_text(badge, indent=None) + "\n"
