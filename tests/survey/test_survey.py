"""survey: rows per target (failures included), the JSON, CSV and table, the dashboard's numbers, --compare,
exit codes and bad input."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from mlops_level.app import app
from mlops_level.assess import report_to_dict, run
from mlops_level.assess.survey import (
    Survey,
    SurveyError,
    SurveyRow,
    compare,
    parse_targets,
    survey,
    survey_from_dict,
    survey_to_dict,
)
from mlops_level.assess.survey.dashboard import render_dashboard
from mlops_level.assess.survey.render import render_csv
from mlops_level.errors import UserError

from .pages import Page

runner = CliRunner()


def test_parse_targets_skips_comments_and_blank_lines():
    assert parse_targets("# repos\n\n ./a \n#./b\ngit@github.com:o/r.git\n") == [
        "./a",
        "git@github.com:o/r.git",
    ]


def test_rows_in_target_order_match_single_assess_and_failures_get_a_reason(three_repos, tmp_path):
    missing = str(tmp_path / "nowhere")
    targets = [str(three_repos[2]), missing, str(three_repos[0]), str(three_repos[1])]
    result, pages = survey(targets, jobs=2, timeout=120)
    assert [row.target for row in result.rows] == targets
    assert pages == ["", "", "", ""]
    failed = result.rows[1]
    assert not failed.ok and "no such file or directory" in failed.error and failed.level is None
    for row in result.rows[:1] + result.rows[2:]:
        data = report_to_dict(run(row.target))
        assert row.ok and row.level == data["level"] and row.confidence == data["verdict"]["confidence"]
        assert row.checks == {check["id"]: check["status"] for check in data["checks"]}
        assert [m["capability"] for m in row.missing] == [c["capability"] for c in data["verdict"]["missing"]]
    assert result.levels() == {"0": 1, "1": 1, "2": 1, "error": 1}


def test_a_timeout_is_a_row_and_the_others_go_on(three_repos):
    result, _ = survey([str(three_repos[0])], jobs=1, timeout=0.001)
    assert not result.rows[0].ok and result.rows[0].error == "timed out after 0.001 s"
    result, _ = survey([str(three_repos[0])], jobs=1, timeout=60)
    assert result.rows[0].ok


def test_json_round_trip_and_refused_json():
    row = SurveyRow(
        "a", ok=True, level=1, next_level=2, progress=40, confidence="high", checks={"ML201": "pass"}
    )
    result = Survey([row, SurveyRow("b", ok=False, error="gone")], ["CI/CD"], "9.9.9", "2026-01-01")
    back = survey_from_dict(json.loads(json.dumps(survey_to_dict(result))))
    assert back.rows == result.rows
    for bad in ({}, [], {"kind": "mlops-level-survey", "schema_version": "2.0", "repositories": []}):
        with pytest.raises(SurveyError):
            survey_from_dict(bad)


def test_compare_moves_and_changed_checks():
    def row(target, level, **checks):
        return SurveyRow(target, ok=True, level=level, checks=checks)

    old = Survey([row("a", 0, ML201="fail"), row("b", 2, ML501="pass"), row("gone", 1)], [], "1", "then")
    new = Survey(
        [row("a", 1, ML201="pass"), row("b", 1, ML501="fail"), row("new", 0), SurveyRow("x", ok=False)],
        [],
        "1",
    )
    diff = compare(old, new)
    assert diff["moved_up"] == [{"target": "a", "before": 0, "after": 1}]
    assert diff["moved_down"] == [{"target": "b", "before": 2, "after": 1}]
    assert diff["checks_changed"][0] == {
        "target": "a",
        "changes": [{"id": "ML201", "before": "fail", "after": "pass"}],
    }
    assert diff["added"] == ["new", "x"] and diff["removed"] == ["gone"]


def test_csv_guards_formulas():
    text = render_csv(Survey([SurveyRow("=HYPERLINK(1)", ok=False, error="@x")], ["CI/CD"], "1"))
    assert "'=HYPERLINK(1)" in text and "'@x" in text


def test_cli_json_html_reports_and_compare(three_repos, tmp_path):
    listing = tmp_path / "repos.txt"
    listing.write_text(
        "# quarter\n" + "\n".join(map(str, three_repos)) + "\n\n" + str(tmp_path / "missing") + "\n"
    )
    old = tmp_path / "old.json"
    result = runner.invoke(app, ["survey", "--from", str(listing), "-f", "json", "-o", str(old)])
    assert result.exit_code == 0, result.output
    data = json.loads(old.read_text())
    assert data["summary"] == {
        "repositories": 4,
        "rated": 3,
        "failed": 1,
        "levels": {"0": 1, "1": 1, "2": 1, "error": 1},
    }
    dashboard = tmp_path / "out" / "survey.html"
    dashboard.parent.mkdir()
    args = [
        "survey",
        *map(str, three_repos),
        "-f",
        "html",
        "-o",
        str(dashboard),
        "--reports",
        str(tmp_path / "r"),
    ]
    result = runner.invoke(app, [*args, "--compare", str(old)])
    assert result.exit_code == 0, result.output
    page = Page(dashboard.read_text())
    counts = {cell["data-level"]: int(cell["data-count"]) for cell in page.find("td", data_count=None)}
    assert counts == {"0": 1, "1": 1, "2": 1, "error": 0}
    rows = {row["data-target"]: row for row in page.find("tr", data_level=None)}
    by_target = {entry["target"]: entry for entry in data["repositories"]}
    for target, row in rows.items():
        assert row["data-level"] == str(by_target[target]["level"])
        assert row["data-confidence"] == by_target[target]["confidence"]
    heat = [c for c in page.find("td", data_family=None) if c["data-score"]]
    first = by_target[str(three_repos[0])]["family_scores"]
    assert len(heat) == 3 * len(data["families"])
    assert {c["data-family"]: c["data-score"] for c in heat[: len(data["families"])]} == {
        family: f"{scores['all'] * 100:.1f}" for family, scores in first.items()
    }
    links = [a["href"] for a in page.find("a") if a["href"].startswith("../r/")]
    assert links == [f"../r/00{i}-{repo.name}.html" for i, repo in enumerate(three_repos, 1)] * 2
    report = Page((tmp_path / "r" / f"001-{three_repos[0].name}.html").read_text())
    assert report.find("p", id="level")[0]["data-level"] == "0"
    assert page.text["compare"] and "No longer surveyed" in page.text["compare"]
    again = runner.invoke(app, args)
    assert isinstance(again.exception, UserError) and "already exists" in str(again.exception)


def test_cli_table_csv_and_fail_under(three_repos):
    result = runner.invoke(app, ["survey", *map(str, three_repos)])
    assert result.exit_code == 0 and "3 repositories: Level 0 1, Level 1 1, Level 2 1" in result.stdout
    result = runner.invoke(app, ["survey", str(three_repos[1]), "-f", "csv"])
    assert result.stdout.splitlines()[1].split(",")[2] == "1"
    assert runner.invoke(app, ["survey", str(three_repos[1]), "--fail-under", "1"]).exit_code == 0
    assert runner.invoke(app, ["survey", *map(str, three_repos), "--fail-under", "1"]).exit_code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["survey"], "no repositories to survey"),
        (["survey", ".", "-f", "xml"], "unknown format"),
        (["survey", "--from", "/nonexistent/list.txt"], "cannot read target list"),
    ],
)
def test_bad_input_is_one_line(args, message):
    result = runner.invoke(app, args)
    assert isinstance(result.exception, UserError) and message in str(result.exception)
    assert result.exception.exit_code == 2


def test_bad_compare_file(tmp_path, three_repos):
    bad = tmp_path / "bad.json"
    bad.write_text('{"kind": "something else"}')
    result = runner.invoke(app, ["survey", str(three_repos[0]), "--compare", str(bad)])
    assert isinstance(result.exception, UserError) and "not a survey JSON" in str(result.exception)


def test_hostile_targets_are_escaped_in_the_dashboard():
    rows = [SurveyRow("<img src=x onerror=alert(1)>", ok=False, error="<script>alert(2)</script>")]
    rows.append(SurveyRow("javascript:alert(3)", ok=True, level=0, missing=[{"label": "<b>x</b>"}]))
    html = render_dashboard(Survey(rows, ["CI/CD"], "1"), ["javascript:alert(4)", "javascript:alert(5)"])
    page = Page(html)
    tags = [name for name, _ in page.tags]
    assert "img" not in tags and tags.count("script") == 1 and "b" not in tags
    assert not [a for _, a in page.tags if a.get("href", "").startswith("javascript:")]
