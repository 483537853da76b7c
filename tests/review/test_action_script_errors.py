"""Issue 10 for the GitHub Action: bad inputs give one `::error::` line (8); `base` is no option (11).

The script's inputs are checked before anything is assessed, so these tests need no repository to assess;
action.yml's Fetch step is run with bash exactly as the runner would.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from mlops_level.assess.review.github_action import command, main

from .gitrepo import git
from .test_github_comment import FakeGitHub

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, event: object = None, **inputs: str) -> dict[str, str]:
    env = {
        "GITHUB_WORKSPACE": str(tmp_path),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "output.txt"),
        "GITHUB_REPOSITORY": "acme/churn",
        "GITHUB_TOKEN": "t0k",
    }
    if event is not None:
        path = tmp_path / "event.json"
        if isinstance(event, bytes):
            path.write_bytes(event)
        else:
            path.write_text(event if isinstance(event, str) else json.dumps(event))
        env["GITHUB_EVENT_PATH"] = str(path)
    env.update({f"MLOPS_LEVEL_{key.upper()}": value for key, value in inputs.items()})
    return env


def _one_error(capsys, code: int, expected: str = "") -> str:
    out = capsys.readouterr().out
    assert code == 2, out
    assert out.startswith("::error::mlops-level: ") and out.count("\n") == 1, out
    assert "Traceback" not in out and expected in out
    return out


@pytest.mark.parametrize(
    "event",
    [
        "{",
        "",
        "not json at all",
        b"\xff\xfe\x00binary",
        "[" * 100_000,
        "[1, 2]",
        '"a string"',
    ],
    ids=["truncated", "empty", "text", "binary", "deep-nesting", "a-list", "a-string"],
)
def test_a_malformed_event_file_is_one_error_line(tmp_path, capsys, event):
    code = main(_env(tmp_path, event, comment="true"), transport=FakeGitHub([]))
    _one_error(capsys, code, "event file")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_event_file_is_not_read_forever(tmp_path, capsys):
    env = {**_env(tmp_path, comment="true"), "GITHUB_EVENT_PATH": "/dev/zero"}
    _one_error(capsys, main(env, transport=FakeGitHub([])), "larger than")


def test_a_missing_event_file_is_one_error_line(tmp_path, capsys):
    env = {**_env(tmp_path, comment="true"), "GITHUB_EVENT_PATH": str(tmp_path / "gone.json")}
    _one_error(capsys, main(env, transport=FakeGitHub([])), "No such file")


@pytest.mark.parametrize(
    "number",
    ["12abc", "", " 12", "١٢", 1.5, True, -3, 0, 2**70, None, [12], {"n": 12}],
    ids=lambda value: repr(value),
)
def test_a_pull_request_number_that_is_not_one_is_an_error(tmp_path, capsys, number):
    event = {"pull_request": {"number": number}}
    code = main(_env(tmp_path, event, comment="true"), transport=FakeGitHub([]))
    _one_error(capsys, code, "pull_request.number must be a positive integer")


def test_a_pull_request_that_is_not_an_object_is_an_error(tmp_path, capsys):
    code = main(_env(tmp_path, {"pull_request": "12"}, comment="true"), transport=FakeGitHub([]))
    _one_error(capsys, code, "pull_request.number")


@pytest.mark.parametrize("repository", [None, "", "acme", "acme/churn/extra", "../../orgs/x", "a b/c"])
def test_the_comment_needs_a_well_formed_repository(tmp_path, capsys, repository):
    env = _env(tmp_path, {"pull_request": {"number": 12}}, comment="true")
    if repository is None:
        del env["GITHUB_REPOSITORY"]
    else:
        env["GITHUB_REPOSITORY"] = repository
    _one_error(capsys, main(env, transport=FakeGitHub([])), "GITHUB_REPOSITORY")


def test_event_and_repository_are_not_read_without_a_comment(tmp_path, capsys, monkeypatch):
    """Only the comment needs them: with comment off, a broken event file stops nothing."""
    import mlops_level.assess as assess_package

    class Stop(Exception):
        pass

    def stop(*args, **kwargs):
        raise Stop

    monkeypatch.setattr(assess_package, "run", stop)
    env = _env(tmp_path, "{", comment="false")
    del env["GITHUB_REPOSITORY"]
    with pytest.raises(Stop):  # got as far as assessing
        main(env, transport=FakeGitHub([]))


@pytest.mark.parametrize("name", ["sarif_file", "badge_file"])
@pytest.mark.parametrize("where", ["missing/folder/out", "a-file/out", "."])
def test_an_output_file_in_a_missing_folder_is_refused_before_assessing(tmp_path, capsys, name, where):
    (tmp_path / "a-file").write_text("not a folder")
    code = main(_env(tmp_path, **{name: str(tmp_path / where)}), transport=FakeGitHub([]))
    _one_error(capsys, code, name.replace("_", "-"))
    assert not (tmp_path / "summary.md").exists()  # nothing was half-written


def test_workflow_command_text_cannot_start_another_command():
    line = command("error", "bad\n::add-mask::secret\r\n::stop-commands::x 100%")
    assert line == "::error::bad%0A::add-mask::secret%0D%0A::stop-commands::x 100%25"
    assert "\n" not in line and "\r" not in line


def test_an_error_naming_a_hostile_path_stays_one_line(tmp_path, capsys):
    env = {**_env(tmp_path, comment="true"), "GITHUB_EVENT_PATH": str(tmp_path / "x\n::warning::forged")}
    out = _one_error(capsys, main(env, transport=FakeGitHub([])))
    assert "%0A::warning::forged" in out


# --- class 11: the base revision is never an option to git ------------------------------------------------


def _fetch_step() -> str:
    steps = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))["runs"]["steps"]
    return next(step for step in steps if step["name"] == "Fetch the base commit")["run"]


def _run_fetch(cwd: Path, base: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", _fetch_step()],
        cwd=cwd,
        env={**os.environ, "BASE": base},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def shallow(tmp_path) -> tuple[Path, str]:
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q")
    for message in ("one", "two"):
        git(origin, "commit", "-q", "--allow-empty", "-m", message)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth=1", f"file://{origin}", str(clone))
    return clone, git(origin, "rev-parse", "HEAD~1")


@pytest.mark.parametrize(
    "base",
    [
        "--upload-pack=touch {sentinel}",
        "-oProxyCommand=touch {sentinel}",
        "--output={sentinel}",
        "-c",
        " --upload-pack=touch {sentinel}",
        "main --upload-pack=touch {sentinel}",
        "main\n--upload-pack=touch {sentinel}",
        "main..--upload-pack=touch {sentinel}",
    ],
)
def test_a_base_that_looks_like_an_option_is_refused(shallow, tmp_path, base):
    clone, _ = shallow
    sentinel = tmp_path / "SENTINEL"
    done = _run_fetch(clone, base.format(sentinel=sentinel))
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout.startswith("::error::mlops-level: invalid base revision")
    assert not sentinel.exists()


def test_a_real_base_is_still_fetched(shallow):
    clone, base = shallow
    assert _run_fetch(clone, base).returncode == 0
    assert git(clone, "cat-file", "-t", base) == "commit"


def test_git_fetch_ends_options_before_the_revision():
    assert 'git fetch --no-tags --depth=1 -- origin "$BASE"' in _fetch_step()


def test_the_script_still_refuses_a_dashed_base(tmp_path, capsys):
    """The Python side's guard (gitrev) stays: the action script reports it as one line."""
    git(tmp_path, "init", "-q")
    (tmp_path / "train.py").write_text("print('train')\n")
    git(tmp_path, "add", "train.py")
    git(tmp_path, "commit", "-q", "-m", "one")
    code = main(_env(tmp_path, base="--output=/tmp/x"), transport=FakeGitHub([]))
    _one_error(capsys, code, "invalid base revision")
