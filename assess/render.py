"""Report renderers by format name: `function(report, verbose) -> str`; other formats register here."""

from __future__ import annotations

from collections.abc import Callable

from .model import Report
from .render_badge import render_badge
from .render_json import render_json
from .render_review import render_markdown
from .render_sarif import render_sarif
from .render_text import render_text

Renderer = Callable[[Report, bool], str]

RENDERERS: dict[str, Renderer] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
    "sarif": render_sarif,
    "badge": render_badge,
}
