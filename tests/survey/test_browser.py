"""Both pages in a real headless Chromium, from file:// with the network off: no console error, no CSP
violation, no request leaves the machine, the inline script runs, and the screenshot is not blank."""

from __future__ import annotations

import os

import pytest

from mlops_level.assess import run
from mlops_level.assess.report.html import render_html
from mlops_level.assess.survey import survey
from mlops_level.assess.survey.dashboard import render_dashboard

from .browser import as_url, chromium_path, distinct_colours, open_pages

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chromium():
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is required on CI (.ci/run installs it with apt-get)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


def test_assess_and_survey_pages_in_headless_chromium(chromium, three_repos, tmp_path):
    report_page = tmp_path / "report.html"
    report_page.write_text(render_html(run(three_repos[2]), verbose=True), encoding="utf-8")
    result, _ = survey([*map(str, three_repos), str(tmp_path / "missing")], timeout=120)
    dashboard = tmp_path / "survey.html"
    dashboard.write_text(render_dashboard(result), encoding="utf-8")
    pages = open_pages([as_url(report_page), as_url(dashboard)])
    for path, page in zip((report_page, dashboard), pages, strict=True):
        path.with_suffix(".png").write_bytes(page.screenshot)
        assert page.errors == [], path.name
        assert page.requests == [], path.name
        assert page.title.startswith("MLOps maturity")
        assert page.text_length > 500
        assert page.theme_after_toggle in ("dark", "light")
        assert distinct_colours(page.thumbnail) >= 8, f"{path.name}: the screenshot is blank"
