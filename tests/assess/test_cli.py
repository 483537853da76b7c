"""`mlops-level assess` and `mlops-level checks` through typer's CliRunner."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from mlops_level.app import app
from mlops_level.assess import CHECKS, AssessError, run
from mlops_level.assess.facts.target import check_url, is_url
from mlops_level.errors import UserError

runner = CliRunner()


def test_json_report_for_a_level_1_fixture(fixture_repo):
    result = runner.invoke(app, ["assess", str(fixture_repo("l1_prefect_mlflow_dvc")), "--format", "json"])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert (document["level"], document["blocking"]) == (1, ["ML502", "ML504"])
    assert document["verdict"]["level"] == 1
    assert [c["capability"] for c in document["verdict"]["missing"]] == ["ci", "cd"]
    assert [c["id"] for c in document["checks"]] == [spec.id for spec in CHECKS]


def test_default_text_report_is_plain_when_not_a_terminal(fixture_repo):
    result = runner.invoke(app, ["assess", str(fixture_repo("l0_notebooks"))])
    assert result.exit_code == 0
    assert "Level 0 — 17% toward Level 1" in result.stdout and "\x1b[" not in result.stdout
    assert "Next steps toward Level 1" in result.stdout


@pytest.mark.parametrize("fail_under, code", [(0, 0), (1, 0), (2, 1)])
def test_fail_under(fixture_repo, fail_under, code):
    result = runner.invoke(
        app,
        [
            "assess",
            str(fixture_repo("l1_dvc_gitlab_schedule")),
            "--fail-under",
            str(fail_under),
            "-f",
            "json",
        ],
    )
    assert result.exit_code == code
    if code:
        assert "level 1 is below --fail-under 2" in result.stderr


def test_output_file_is_written_and_never_silently_replaced(fixture_repo, tmp_path):
    root, target = fixture_repo("l0_notebooks"), tmp_path / "report.md"
    assert runner.invoke(app, ["assess", str(root), "-f", "markdown", "-o", str(target)]).exit_code == 0
    assert target.read_text().startswith("## MLOps maturity: Level 0")
    second = runner.invoke(app, ["assess", str(root), "-o", str(target)])
    assert isinstance(second.exception, UserError) and "already exists" in str(second.exception)
    assert target.read_text().startswith("## MLOps maturity")
    assert (
        runner.invoke(app, ["assess", str(root), "-o", str(target), "--force", "-f", "json"]).exit_code == 0
    )
    assert json.loads(target.read_text())["level"] == 0


def test_checks_command_and_list_checks_print_the_rubric():
    listed = runner.invoke(app, ["checks"])
    assert listed.exit_code == 0
    assert all(spec.id in listed.stdout for spec in CHECKS)
    assert runner.invoke(app, ["assess", "--list-checks"]).stdout == listed.stdout
    rubric = json.loads(runner.invoke(app, ["checks", "--format", "json"]).stdout)
    assert len(rubric) == len(CHECKS) >= 35
    assert {c["level"] for c in rubric} == {"F", "1", "2"}
    markdown = runner.invoke(app, ["checks", "--format", "markdown"]).stdout
    assert markdown.count("\n| ML") == len(CHECKS)


def test_rubric_ids_are_stable_and_unique():
    ids = [spec.id for spec in CHECKS]
    assert ids == sorted(set(ids))
    families = {spec.family for spec in CHECKS}
    assert len(families) == 7
    assert all(spec.remediation and spec.url.startswith("https://") and spec.description for spec in CHECKS)


def test_help_explains_every_option_with_an_example():
    result = runner.invoke(app, ["assess", "--help"], terminal_width=200)
    assert result.exit_code == 0
    for option in ("--format", "--output", "--force", "--verbose", "--fail-under", "--list-checks"):
        assert option in result.stdout
    assert result.stdout.count("Example") >= 6
    text = " ".join(result.stdout.split())
    assert "Exit codes: 0 report produced; 1 below --fail-under" in text and "2 bad input." in text


def test_file_url_is_cloned_shallowly(fixture_repo):
    root = fixture_repo("l2_prefect_full")
    report = run(f"file://{root}")
    assert report.rating.level == 2
    assert report.root == f"file://{root}" and report.repo["shallow"] is True


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/org/repo.git",
        "ssh://git@host/org/repo",
        "git@github.com:org/repo.git",
        "file:///srv/repo",
    ],
)
def test_allowed_urls(url):
    assert is_url(url) and check_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "ext::sh -c id",
        "fd::3",
        "git://host/repo",
        "http://host/repo",
        "ftp://host/repo",
        "https://host/repo --upload-pack=x",
    ],
)
def test_refused_urls(url):
    with pytest.raises(AssessError, match="refusing git URL"):
        run(url)


def test_unreachable_url_is_a_clean_error(tmp_path):
    with pytest.raises(AssessError, match="could not clone"):
        run(f"file://{tmp_path}/missing")


def test_docs_list_every_check_as_the_registry_does():
    from pathlib import Path

    from mlops_level.assess.report.rubric import rubric_markdown

    docs = (Path(__file__).resolve().parents[2] / "docs" / "assess.md").read_text()
    assert rubric_markdown() in docs
