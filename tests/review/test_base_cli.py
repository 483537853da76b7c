"""`mlops-level assess --base REF [--fail-on-regression]` on a two-commit git fixture, end to end."""

import json
from pathlib import Path

import jsonschema
import pytest

from .gitrepo import PROJECT, TESTS, commit, git, run_cli

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "report.schema.json").read_text())


@pytest.fixture
def losing(tmp_path: Path) -> Path:
    """The second commit deletes the tests: the required check ML401 is lost."""
    repo = tmp_path / "losing"
    commit(repo, {**PROJECT, **TESTS}, "project with tests")
    commit(repo, {}, "drop the tests", remove=tuple(TESTS))
    return repo


@pytest.fixture
def gaining(tmp_path: Path) -> Path:
    """The second commit adds the tests: ML401 is gained."""
    repo = tmp_path / "gaining"
    commit(repo, PROJECT, "project without tests")
    commit(repo, TESTS, "add tests")
    return repo


def test_losing_a_required_check_is_reported(losing):
    result = run_cli("assess", str(losing), "--base", "HEAD~1", "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    jsonschema.Draft202012Validator(SCHEMA).validate(report)
    delta = report["delta"]
    assert "ML401" in delta["lost"] and "ML401" in delta["required_lost"]
    assert delta["regression"] is True and delta["gained"] == []


def test_fail_on_regression_exits_non_zero(losing):
    result = run_cli("assess", str(losing), "--base", "HEAD~1", "--fail-on-regression")
    assert result.returncode == 1
    assert "regression" in result.stderr.lower() and "ML401" in result.stderr


def test_gaining_a_check_is_reported_and_passes_the_gate(gaining):
    result = run_cli(
        "assess", str(gaining), "--base", "HEAD~1", "--fail-on-regression", "--format", "markdown"
    )
    assert result.returncode == 0, result.stderr
    assert "- Gained: ML401 The project has automated tests (required)" in result.stdout
    assert "- Lost: none" in result.stdout
    assert result.stdout.startswith("## MLOps maturity: Level 0 — ")


def test_the_work_tree_is_left_alone(losing):
    (losing / "notes.txt").write_text("untracked\n")
    status = git(losing, "status", "--porcelain")
    index = (losing / ".git" / "index").read_bytes()
    assert run_cli("assess", str(losing), "--base", "HEAD~1").returncode == 0
    assert (git(losing, "status", "--porcelain"), (losing / ".git" / "index").read_bytes()) == (status, index)


def test_shallow_clone_without_the_base_is_a_clear_error(losing, tmp_path):
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth=1", f"file://{losing}", str(clone))
    result = run_cli("assess", str(clone), "--base", "HEAD~1")
    assert result.returncode == 2
    assert result.stderr.startswith("mlops-level: error: base revision 'HEAD~1' not found")
    assert "shallow clone" in result.stderr and "Traceback" not in result.stderr


def test_base_outside_git_is_a_clear_error(tmp_path):
    (tmp_path / "train.py").write_text("print('hi')\n")
    result = run_cli("assess", str(tmp_path), "--base", "HEAD~1")
    assert result.returncode == 2 and "not inside one" in result.stderr


def test_fail_on_regression_needs_a_base(gaining):
    result = run_cli("assess", str(gaining), "--fail-on-regression")
    assert result.returncode == 2 and "--base" in result.stderr


@pytest.mark.parametrize("fmt", ["sarif", "badge"])
def test_review_formats_from_the_cli(gaining, fmt, tmp_path):
    out = tmp_path / f"out.{fmt}"
    result = run_cli("assess", str(gaining), "--format", fmt, "-o", str(out))
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    assert data.get("version") == "2.1.0" if fmt == "sarif" else data["label"] == "MLOps"


def test_checklist_command_blank_and_ticked(gaining):
    blank = run_cli("checklist", "--level", "2")
    assert blank.returncode == 0 and blank.stdout.startswith("### Checklist for Level 2")
    assert "- [x]" not in blank.stdout and "**ML603**" in blank.stdout
    ticked = run_cli("checklist", str(gaining), "--level", "1")
    assert ticked.returncode == 0 and "- [x] **ML401**" in ticked.stdout and "**ML603**" not in ticked.stdout


@pytest.mark.parametrize("args", [["--level", "0"], ["--level", "3"], ["/no/such/dir"]])
def test_checklist_bad_input_is_one_line(args):
    result = run_cli("checklist", *args)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr


def test_a_folder_created_by_the_change_is_compared_with_nothing(tmp_path):
    repo = tmp_path / "mono"
    commit(repo, {"README.md": "a monorepo\n"}, "empty monorepo")
    commit(repo, {f"ml/{rel}": text for rel, text in {**PROJECT, **TESTS}.items()}, "add the ML project")
    result = run_cli("assess", str(repo / "ml"), "--base", "HEAD~1", "-f", "json", "--fail-on-regression")
    assert result.returncode == 0, result.stderr
    delta = json.loads(result.stdout)["delta"]
    assert {"ML002", "ML401"} <= set(delta["gained"]) and delta["lost"] == []
