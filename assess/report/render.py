"""Report renderers by format name: `function(report, verbose) -> str`; other formats register here.

Each renderer's module is imported when its format is first used (start-up of `assess` pays for one)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping

from mlops_level.assess.model import Report

Renderer = Callable[[Report, bool], str]

_WHERE = {  # format -> (module, function)
    "text": ("text", "render_text"),
    "json": ("json", "render_json"),
    "markdown": ("markdown", "render_markdown"),
    "sarif": ("sarif", "render_sarif"),
    "badge": ("badge", "render_badge"),
    "html": ("html", "render_html"),
}


class _Renderers(Mapping[str, Renderer]):
    """The renderers, imported on first use."""

    def __getitem__(self, name: str) -> Renderer:
        module, function = _WHERE[name]
        return getattr(importlib.import_module(f"mlops_level.assess.report.{module}"), function)

    def __iter__(self) -> Iterator[str]:
        return iter(_WHERE)

    def __len__(self) -> int:
        return len(_WHERE)


RENDERERS: Mapping[str, Renderer] = _Renderers()
