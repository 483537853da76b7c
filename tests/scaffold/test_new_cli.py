"""`mlops-level new` and `mlops-level verify` through the CLI: options, answer files, errors, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from mlops_level.app import app
from mlops_level.errors import UserError
from mlops_level.scaffold import prompts
from mlops_level.scaffold.generate import read_answers

runner = CliRunner()


def new(tmp_path, *args):
    return runner.invoke(app, ["new", "--output-dir", str(tmp_path), *args])


def test_no_input_uses_defaults_and_prints_tree_and_next_commands(tmp_path):
    result = new(tmp_path, "--no-input")
    assert result.exit_code == 0, result.output
    project = tmp_path / "breast-cancer-classifier"
    assert read_answers(project)["level"] == "0"
    assert "Created a Level 0 project" in result.output
    assert "02-train.ipynb" in result.output and "test_notebooks.py" in result.output
    assert "jupyter execute notebooks/02-train.ipynb" in result.output
    assert "mlops-level verify ." in result.output


def test_options_win_over_set_which_wins_over_config(tmp_path):
    config = tmp_path / "answers.yaml"
    config.write_text(
        "project_name: from config\nauthor: Config Author\ndescription: From the config.\nlevel: 1\n"
    )
    result = new(
        tmp_path,
        "--no-input",
        "--config",
        str(config),
        "--set",
        "author=Ada",
        "--set",
        "project_name=from set",
        "--name",
        "from option",
        "--level",
        "0",
    )
    assert result.exit_code == 0, result.output
    answers = read_answers(tmp_path / "from-option")
    assert (answers["author"], answers["description"], answers["level"]) == ("Ada", "From the config.", "0")


def test_json_config(tmp_path):
    config = tmp_path / "answers.json"
    config.write_text(json.dumps({"project_name": "json project", "python_version": "3.12"}))
    assert new(tmp_path, "--no-input", "--config", str(config)).exit_code == 0
    assert read_answers(tmp_path / "json-project")["python_version"] == "3.12"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--level", "3"], "--level must be 0, 1 or 2"),
        (["--name", "pandas"], "shadow"),
        (["--name", "../escape"], "path separator"),
        (["--set", "nope"], "KEY=VALUE"),
        (["--set", "colour=red"], "unknown answer 'colour'"),
        (["--installer", "conda"], "--installer must be auto, uv or pip"),
    ],
)
def test_bad_input_is_a_user_error_and_creates_nothing(tmp_path, args, message):
    result = new(tmp_path, "--no-input", *args)
    assert isinstance(result.exception, UserError)
    assert message in str(result.exception)
    assert list(tmp_path.iterdir()) == []


def test_existing_project_is_refused_with_one_line_and_exit_2(tmp_path):
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "notes.txt").write_text("mine")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlops_level",
            "new",
            "--no-input",
            "--name",
            "demo",
            "--output-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("mlops-level: error: ") and done.stderr.count("\n") == 1
    assert "already exists and is not empty" in done.stderr
    assert (tmp_path / "demo" / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]


def test_verify_refuses_a_folder_that_is_not_a_generated_project(tmp_path):
    result = runner.invoke(app, ["verify", str(tmp_path)])
    assert isinstance(result.exception, UserError)
    assert "has no .mlops-level.toml" in str(result.exception)


def test_help_gives_an_example_for_every_option():
    for command in ("new", "verify"):
        result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
        assert result.exit_code == 0
        text = " ".join(result.output.replace("│", " ").split())
        options = {
            line.split()[0]
            for line in result.output.replace("│", " ").splitlines()
            if line.strip().startswith("--") and not line.strip().startswith("--help")
        }
        assert options
        for option in options:
            assert f"Example: {option}" in text, option


class FakeQuestion:
    def __init__(self, answer):
        self.answer = answer

    def unsafe_ask(self):
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


def test_prompts_ask_only_for_missing_answers(monkeypatch):
    asked = []

    def select(message, choices):
        asked.append(message)
        assert len(choices) == 3 and "notebooks" in choices[0].title
        return FakeQuestion("1")

    def text(message, default="", **kwargs):
        asked.append(message)
        return FakeQuestion(default)

    monkeypatch.setattr("questionary.select", select)
    monkeypatch.setattr("questionary.text", text)
    answers = prompts.ask_missing({"project_name": "churn"})
    assert answers["level"] == "1" and answers["project_name"] == "churn"
    assert asked == [
        "MLOps maturity level",
        "One-line description",
        "Author",
        "Python version (3.10 or newer)",
    ]


def test_ctrl_c_at_a_prompt_creates_nothing(monkeypatch):
    monkeypatch.setattr("questionary.select", lambda *a, **k: FakeQuestion(KeyboardInterrupt()))
    with pytest.raises(UserError, match="cancelled"):
        prompts.ask_missing({})
