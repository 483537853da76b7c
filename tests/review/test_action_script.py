"""The action's script part, run locally: step summary, outputs, SARIF/badge files, the PR comment, the gates.

The HTTP layer is injected (no network); the last test runs the exact shell line of action.yml's Assess step.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mlops_level.assess.review.github_action import main
from mlops_level.assess.review.github_comment import MARKER

from .gitrepo import PROJECT, TESTS, commit, git
from .test_github_comment import FakeGitHub

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def losing(tmp_path: Path) -> Path:
    repo = tmp_path / "work"
    commit(repo, {**PROJECT, **TESTS}, "project with tests")
    commit(repo, {}, "drop the tests", remove=tuple(TESTS))
    return repo


def _env(repo: Path, tmp_path: Path, **inputs: str) -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 12}}))
    env = {
        "GITHUB_WORKSPACE": str(repo),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "output.txt"),
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "acme/churn",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_SHA": "f" * 40,
        "GITHUB_API_URL": "https://api.github.test",
        "GITHUB_TOKEN": "t0k",
    }
    env.update({f"MLOPS_LEVEL_{key.upper()}": value for key, value in inputs.items()})
    return env


def _steps() -> list[dict]:
    return yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))["runs"]["steps"]


def _outputs(tmp_path: Path) -> dict[str, str]:
    lines = (tmp_path / "output.txt").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines)


def test_regression_fails_after_writing_summary_outputs_files_and_comment(losing, tmp_path, capsys):
    fake = FakeGitHub([{"id": 1, "body": "unrelated"}])
    env = _env(
        losing,
        tmp_path,
        base="HEAD~1",
        fail_on_regression="true",
        comment="true",
        sarif_file=str(tmp_path / "out.sarif"),
        badge_file=str(tmp_path / "badge.json"),
    )
    assert main(env, transport=fake) == 1
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith("## MLOps maturity: Level 0 — ") and "ML401" in summary.split("- Lost:")[1]
    assert "(https://github.com/acme/churn/blob/" + "f" * 40 + "/" in summary
    outputs = _outputs(tmp_path)
    assert (outputs["level"], outputs["base-level"], outputs["regression"], outputs["comment"]) == (
        "0",
        "0",
        "true",
        "created",
    )
    assert 0 <= int(outputs["progress"]) <= 100
    posted = fake.calls[-1]
    assert posted[0] == "POST" and posted[1].endswith("/repos/acme/churn/issues/12/comments")
    assert posted[3]["body"] == f"{MARKER}\n{summary}"
    assert json.loads((tmp_path / "out.sarif").read_text())["version"] == "2.1.0"
    assert json.loads((tmp_path / "badge.json").read_text())["message"].startswith("Level 0")
    assert "::error::MLOps regression against HEAD~1" in capsys.readouterr().out


def test_second_run_updates_the_same_comment(losing, tmp_path):
    fake = FakeGitHub([{"id": 77, "body": f"{MARKER}\nold report"}])
    assert main(_env(losing, tmp_path, base="HEAD~1", comment="true"), transport=fake) == 0
    assert [call[0] for call in fake.calls] == ["GET", "PATCH"]
    assert fake.calls[-1][1].endswith("/issues/comments/77") and _outputs(tmp_path)["comment"] == "updated"


def test_a_refused_comment_warns_but_does_not_fail(losing, tmp_path, capsys):
    assert main(_env(losing, tmp_path, comment="true"), transport=FakeGitHub([], refuse=403)) == 0
    assert "::warning::" in capsys.readouterr().out and _outputs(tmp_path)["comment"] == "failed"


def test_fail_under(losing, tmp_path, capsys):
    assert main(_env(losing, tmp_path, fail_under="1"), transport=FakeGitHub([])) == 1
    assert "::error::MLOps level 0 is below fail-under 1" in capsys.readouterr().out
    assert main(_env(losing, tmp_path, fail_under="0"), transport=FakeGitHub([])) == 0


@pytest.mark.parametrize("inputs", [{"fail_under": "high"}, {"comment": "yes"}, {"base": "no-such-ref"}])
def test_bad_inputs_are_one_error_line(losing, tmp_path, capsys, inputs):
    assert main(_env(losing, tmp_path, **inputs), transport=FakeGitHub([])) == 2
    out = capsys.readouterr().out
    assert out.startswith("::error::mlops-level: ") and out.count("\n") == 1


def test_action_assess_step_runs_locally(losing, tmp_path):
    """The exact `run:` line of action.yml's Assess step, with this interpreter standing in for the venv."""
    assess = next(step for step in _steps() if step.get("id") == "assess")
    env = {
        **os.environ,
        **_env(losing, tmp_path, path=".", base="HEAD~1", comment="false", fail_on_regression="false"),
        "MLOPS_LEVEL_PYTHON": sys.executable,
    }
    result = subprocess.run(
        ["bash", "-c", assess["run"]], cwd=losing, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "- Lost: ML401" in (tmp_path / "summary.md").read_text()
    assert _outputs(tmp_path)["comment"] == "off"


def test_fetch_step_then_assess_step_on_a_shallow_clone(losing, tmp_path):
    """Like actions/checkout's depth-1 clone: the Fetch step brings the base commit in, then Assess runs."""
    steps = {step["name"]: step for step in _steps()}
    base = git(losing, "rev-parse", "HEAD~1")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth=1", f"file://{losing}", str(clone))
    env = {
        **os.environ,
        **_env(clone, tmp_path, base=base, fail_on_regression="true"),
        "BASE": base,
        "MLOPS_LEVEL_PYTHON": sys.executable,
    }
    for name, expected in (("Fetch the base commit", 0), ("Assess", 1)):
        result = subprocess.run(
            ["bash", "-c", steps[name]["run"]],
            cwd=clone,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == expected, result.stdout + result.stderr
    assert "- Lost: ML401" in (tmp_path / "summary.md").read_text()
    assert _outputs(tmp_path)["regression"] == "true"


@pytest.mark.slow
def test_all_action_steps_run_locally_from_a_fresh_install(source_copy, losing, tmp_path):
    """Install (a venv under RUNNER_TEMP, pip install of this repository; needs PyPI), Fetch, Assess."""
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir()
    base = git(losing, "rev-parse", "HEAD~1")
    env = {
        **os.environ,
        **_env(losing, tmp_path, base=base),
        "RUNNER_TEMP": str(runner_temp),
        "ACTION_PATH": str(source_copy),
        "VERSION": "",
        "BASE": base,
    }
    for step in _steps():
        result = subprocess.run(
            ["bash", "-c", step["run"]], cwd=losing, env=env, capture_output=True, text=True, timeout=900
        )
        assert result.returncode == 0, step["name"] + result.stdout + result.stderr
        if step.get("id") == "install":
            env["MLOPS_LEVEL_PYTHON"] = _outputs(tmp_path).pop("python")
    assert env["MLOPS_LEVEL_PYTHON"].startswith(str(runner_temp))
    assert _outputs(tmp_path)["regression"] == "true"
    assert "- Lost: ML401" in (tmp_path / "summary.md").read_text()
