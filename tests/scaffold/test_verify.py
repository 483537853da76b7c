"""verify() and `mlops-level verify` on small hand-written projects (they build real, empty environments)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from mlops_level.app import app
from mlops_level.errors import UserError
from mlops_level.scaffold import verify
from mlops_level.scaffold.environment import TELEMETRY_OFF

pytestmark = pytest.mark.slow

SHOW_ENV = "import json, os, sys; print(json.dumps({'env': dict(os.environ), 'prefix': sys.prefix}))"


def project(tmp_path, steps: str, install: str = "[]"):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / ".cruft.json").write_text(json.dumps({"context": {"cookiecutter": {"level": "0"}}}))
    declaration = f"[verify]\ninstall = {install}\nenv = {{ EXTRA = 'yes' }}\n{steps}"
    (folder / ".mlops-level.toml").write_text(declaration)
    return folder


def step(name: str, code: str) -> str:
    return f"[[verify.steps]]\nname = {name!r}\nrun = ['python', '-c', {code!r}]\n"


def test_steps_run_inside_the_new_environment_with_telemetry_off(tmp_path):
    report = verify(project(tmp_path, step("show", SHOW_ENV)))
    assert report.passed, report.summary()
    statuses = [(s.name, s.status) for s in report.steps]
    assert statuses == [("create environment", "passed"), ("show", "passed")]
    shown = json.loads(report.steps[-1].output)
    assert shown["prefix"] == shown["env"]["VIRTUAL_ENV"]
    assert TELEMETRY_OFF.items() <= shown["env"].items()
    assert shown["env"]["EXTRA"] == "yes"
    assert not report.environment.exists()  # a fresh environment is thrown away afterwards


def test_a_failing_step_stops_the_run_and_keeps_its_output_tail(tmp_path):
    steps = step("ok", "print('fine')")
    steps += step("boom", "import sys; print('line\\n' * 60 + 'the cause'); sys.exit(3)")
    steps += step("never", "print('unreachable')")
    report = verify(project(tmp_path, steps))
    assert not report.passed
    assert [s.status for s in report.steps] == ["passed", "passed", "failed", "skipped"]
    assert report.failed_step.name == "boom"
    assert report.failed_step.tail().splitlines()[-2:] == ["the cause", "exit code 3"]
    assert "the cause" in report.summary()


def test_a_missing_command_fails_the_step(tmp_path):
    report = verify(project(tmp_path, "[[verify.steps]]\nname = 'x'\nrun = 'no-such-command --flag'\n"))
    assert report.failed_step.output == "command not found: no-such-command"


def test_env_cache_reuses_the_environment_keyed_on_requirements(tmp_path):
    folder = project(tmp_path, step("ok", "print('fine')"), install="['-r', 'requirements.txt']")
    (folder / "requirements.txt").write_text("")
    cache = tmp_path / "cache"
    first = verify(folder, env_cache=cache)
    second = verify(folder, env_cache=cache)
    assert first.passed and second.passed, first.summary() + second.summary()
    assert first.environment == second.environment
    assert [s.status for s in second.steps][0] == "reused"
    (folder / "requirements.txt").write_text("# changed\n")
    assert verify(folder, env_cache=cache).environment != first.environment


def test_verify_cli_exit_codes(tmp_path):
    runner = CliRunner()
    good = project(tmp_path, step("ok", "print('fine')"))
    result = runner.invoke(app, ["verify", str(good)])
    assert result.exit_code == 0, result.output
    assert "Verification passed" in result.output
    failing = step("bad", "raise SystemExit('broken on purpose')")
    (good / ".mlops-level.toml").write_text("[verify]\n" + failing)
    result = runner.invoke(app, ["verify", str(good)])
    assert result.exit_code == 1
    assert "broken on purpose" in result.output and "Verification failed" in result.output


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[other]\n", "has no [verify] table"),
        ("[verify]\n", "declares no [[verify.steps]]"),
        ("[verify]\n[[verify.steps]]\nname = 'x'\n", "needs a name and a run command"),
        (
            "[verify]\ninstall = 'x'\n[[verify.steps]]\nname = 'x'\nrun = 'true'\n",
            "must be a list of strings",
        ),
        ("[verify\n", "cannot be read"),
    ],
)
def test_bad_declarations_are_user_errors(tmp_path, toml, message):
    folder = project(tmp_path, "")
    (folder / ".mlops-level.toml").write_text(toml)
    with pytest.raises(UserError, match=message.replace("[", r"\[").replace("]", r"\]")):
        verify(folder)
