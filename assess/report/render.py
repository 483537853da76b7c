"""Report renderers by format name: `function(report, verbose) -> str`; other formats register here."""

from __future__ import annotations

from collections.abc import Callable

from mlops_level.assess.model import Report
from mlops_level.assess.report.badge import render_badge
from mlops_level.assess.report.html import render_html
from mlops_level.assess.report.json import render_json
from mlops_level.assess.report.markdown import render_markdown
from mlops_level.assess.report.sarif import render_sarif
from mlops_level.assess.report.text import render_text

Renderer = Callable[[Report, bool], str]

RENDERERS: dict[str, Renderer] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
    "sarif": render_sarif,
    "badge": render_badge,
    "html": render_html,
}
