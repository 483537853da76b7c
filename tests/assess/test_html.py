"""`--format html`: the numbers in the page match the JSON, links, escaping of hostile repository text,
the page is self-contained. (The page in a real browser: tests/survey/test_browser.py, marked slow.)"""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from typer.testing import CliRunner

from mlops_level.app import app
from mlops_level.assess import report_to_dict, run
from mlops_level.assess.model import WEIGHT_POINTS, Evidence, Weight
from mlops_level.assess.report.html import render_html
from mlops_level.assess.report.html_kit import CSP, evidence_href, redact, web_base
from mlops_level.assess.report.render import RENDERERS
from mlops_level.errors import UserError

from .conftest import init_repo
from .reports import small_report

STATUS_SCORE = {"pass": 1.0, "partial": 0.5, "fail": 0.0}
WEIGHTS = {weight.value: points for weight, points in WEIGHT_POINTS.items()}


class Page(HTMLParser):
    """Every start tag with its attributes, and the text inside each element carrying an id."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.open_ids: list[tuple[str, str]] = []
        self.text: dict[str, str] = {}
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        values = {name: value or "" for name, value in attrs}
        self.tags.append((tag, values))
        if "id" in values and tag not in ("meta", "rect"):
            self.open_ids.append((tag, values["id"]))
            self.text.setdefault(values["id"], "")

    def handle_endtag(self, tag):
        for index in range(len(self.open_ids) - 1, -1, -1):
            if self.open_ids[index][0] == tag:
                del self.open_ids[index]
                return

    def handle_data(self, data):
        for _, ident in self.open_ids:
            self.text[ident] += data

    def find(self, tag: str, **attrs: str | None) -> list[dict[str, str]]:
        wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
        return [
            values
            for name, values in self.tags
            if name == tag and all(k in values and (v is None or values[k] == v) for k, v in wanted.items())
        ]


def expected_family_scores(data: dict) -> dict[tuple[str, str], str]:
    """Recomputed from the JSON: per family and tier ("1": foundation + Level 1, "2"), the weighted score."""
    sums: dict[tuple[str, str], list[float]] = {}
    for check in data["checks"]:
        tier = "2" if check["level"] == "2" else "1"
        entry = sums.setdefault((check["family"], tier), [0.0, 0.0])
        if check["status"] in STATUS_SCORE:
            entry[0] += WEIGHTS[check["weight"]] * STATUS_SCORE[check["status"]]
            entry[1] += WEIGHTS[check["weight"]]
    return {key: f"{points / total * 100:.1f}" if total else "" for key, (points, total) in sums.items()}


@pytest.mark.parametrize("name", ["l0_notebooks", "l1_prefect_mlflow_dvc", "l2_prefect_full"])
def test_numbers_in_the_page_match_the_json(fixture_repo, name):
    report = run(fixture_repo(name))
    data = report_to_dict(report)
    page = Page(render_html(report))
    assert page.find("p", id="level")[0]["data-level"] == str(data["level"])
    assert page.text["level"] == f"Level {data['level']}"
    assert page.find("p", id="confidence")[0]["data-confidence"] == data["verdict"]["confidence"]
    assert page.find("p", id="progress")[0]["data-progress"] == str(data["progress"])
    rows = {row["data-check-id"]: row["data-status"] for row in page.find("tr", data_check_id=None)}
    assert rows == {check["id"]: check["status"] for check in data["checks"]}
    cells = {
        (cell["data-family"], cell["data-tier"]): cell["data-score"]
        for cell in page.find("td", data_family=None, data_tier=None)
    }
    expected = expected_family_scores(data)
    assert {key: value for key, value in cells.items() if value} == {k: v for k, v in expected.items() if v}
    assert all(expected.get(key, "") == "" for key, value in cells.items() if not value)
    decisive = [cap["capability"] for cap in data["verdict"]["decisive"]]
    missing = [cap["capability"] for cap in data["verdict"]["missing"]]
    assert [li["data-capability"] for li in page.find("li", data_capability=None)] == decisive + missing


def test_page_is_self_contained_with_a_strict_csp():
    html = render_html(small_report())
    page = Page(html)
    assert page.find("meta", http_equiv="Content-Security-Policy")[0]["content"] == CSP
    assert not page.find("link") and not page.find("img") and not page.find("iframe")
    assert all("src" not in attrs for _, attrs in page.tags)
    assert not [attrs for _, attrs in page.tags if attrs.get("href", "").startswith("//")]
    assert page.find("main") and page.find("header") and page.find("footer")
    svg = page.find("svg", id="family-chart")[0]
    assert svg["role"] == "img" and svg["aria-labelledby"] == "family-chart-title family-chart-desc"
    assert page.find("title", id="family-chart-title")
    assert all(th.get("scope") in ("col", "row") for th in page.find("th"))
    assert "prefers-color-scheme:dark" in html and 'id="theme-toggle" hidden' in html


def test_registered_renderer_and_small_report_content():
    assert RENDERERS["html"] is render_html
    page = Page(render_html(small_report()))
    assert page.text["counts"] == "1 passed, 1 partial, 1 failed, 1 n/a, 1 ignored"
    assert [li for li in page.find("a", href="#check-ML201")]
    row = page.find("tr", data_check_id="ML203")[0]
    assert row["data-status"] == "ignored"
    assert "ignored: scheduled in the console" in page.text["check-ML203"]


def test_evidence_links_relative_without_a_remote_and_at_the_commit_with_one():
    report = small_report()
    page = Page(render_html(report))
    assert page.find("a", href="src/train.py#L4")
    report.repo = {"commit": "0123456789abcdef", "url": "https://github.com/org/repo.git"}
    page = Page(render_html(report))
    assert page.find("a", href="https://github.com/org/repo/blob/0123456789abcdef/src/train.py#L4")


@pytest.mark.parametrize(
    ("remote", "base"),
    [
        ("https://github.com/o/r", "https://github.com/o/r/blob/abc1234/"),
        ("git@github.com:o/r.git", "https://github.com/o/r/blob/abc1234/"),
        ("ssh://git@github.com/o/r.git", "https://github.com/o/r/blob/abc1234/"),
        ("https://user:token@gitlab.com/g/sub/r.git", "https://gitlab.com/g/sub/r/-/blob/abc1234/"),
        ("https://example.com/o/r.git", ""),
        ("file:///tmp/r", ""),
        ("https://github.com/o/../../r", ""),
    ],
)
def test_web_base(remote, base):
    assert web_base({"commit": "abc1234", "url": remote}) == base
    assert web_base({"url": remote}) == ""


def test_credentials_never_reach_the_page():
    assert redact("https://user:token@github.com/o/r") == "https://github.com/o/r"
    report = small_report()
    report.root = report.repo["url"] = "https://user:s3cret@github.com/o/r.git"
    html = render_html(report)
    assert "s3cret" not in html


def test_evidence_href_encodes_and_stays_inside():
    assert evidence_href(Evidence("a b/c:d.py", 3)) == "a%20b/c%3Ad.py#L3"
    assert evidence_href(Evidence("/etc/../passwd")) == "etc/passwd"  # no leading /, inner .. dropped
    assert evidence_href(Evidence("../.github/workflows/ci.yml", 2)) == "../.github/workflows/ci.yml#L2"
    assert evidence_href(Evidence("javascript:alert(1)")) == "javascript%3Aalert%281%29"


HOSTILE = ["<img src=x onerror=alert(1)>.py", "javascript:alert(1).py", '"><script>alert(2)</script>.py']


def test_hostile_repository_text_is_escaped(tmp_path):
    for name in HOSTILE:
        (tmp_path / name.replace("/", "_")).write_text("import mlflow\nmlflow.log_metric('x', 1)\n")
    (tmp_path / "train.py").write_text("from sklearn.svm import SVC\nSVC().fit([[0]], [0])\n")
    report = run(init_repo(tmp_path))
    report.stack.append("<b onmouseover=alert(3)>stack</b>")
    report.warnings.append("<svg onload=alert(4)>")
    report.checks[0].evidence.append(Evidence("<img src=y onerror=alert(5)>", 1, "<script>x</script>"))
    html = render_html(report, verbose=True)
    page = Page(html)
    tags = [name for name, _ in page.tags]
    assert "img" not in tags and tags.count("script") == 1  # only the page's own script
    assert not [a for _, a in page.tags if any(k.startswith("on") for k in a)]
    assert not [a for _, a in page.tags if a.get("href", "").lower().startswith(("javascript:", "data:"))]
    assert "&lt;img src=y onerror=alert(5)&gt;" in html
    assert "<b onmouseover" not in html


def test_cli_writes_html_and_refuses_to_overwrite(fixture_repo, tmp_path):
    root = fixture_repo("l1_prefect_mlflow_dvc")
    out = tmp_path / "report.html"
    runner = CliRunner()
    result = runner.invoke(app, ["assess", str(root), "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(runner.invoke(app, ["assess", str(root), "--format", "json"]).stdout)
    assert Page(out.read_text()).find("p", id="level")[0]["data-level"] == str(data["level"])
    again = runner.invoke(app, ["assess", str(root), "--format", "html", "-o", str(out)])
    assert isinstance(again.exception, UserError) and "already exists" in str(again.exception)
    assert again.exception.exit_code == 2
    assert "html" in runner.invoke(app, ["assess", "--help"]).output


def test_weights_are_the_documented_ones():
    assert WEIGHTS == {Weight.REQUIRED.value: 3, Weight.NORMAL.value: 2, Weight.LOW.value: 1}
