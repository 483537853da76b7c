"""Bad input: each case gives a clear message (or a warning beside a partial report), never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlops_level.app import app
from mlops_level.assess import AssessError, Status, run
from mlops_level.assess.checks import registry
from mlops_level.assess.facts import repository as facts_module
from mlops_level.errors import UserError

from .conftest import git, init_repo

runner = CliRunner()

TRAIN = (
    "import mlflow\nfrom sklearn.linear_model import LogisticRegression\n\nLogisticRegression().fit(X, y)\n"
)


def _project(root: Path, files: dict[str, str | bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def _cli_error(*args: str) -> str:
    """The message of a bad-input error: UserError (exit code 2, printed by `app.main`) or a usage error."""
    result = runner.invoke(app, ["assess", *args])
    if isinstance(result.exception, UserError):
        assert result.exception.exit_code == 2
        return str(result.exception)
    assert result.exit_code == 2, result.output
    return result.output


def test_console_script_prints_one_line_and_exits_2(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mlops_level", "assess", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"mlops-level: error: {tmp_path / 'missing'}: no such file or directory\n"


def test_nonexistent_path(tmp_path):
    with pytest.raises(AssessError, match="no such file or directory"):
        run(tmp_path / "missing")


def test_a_file_instead_of_a_directory(tmp_path):
    (tmp_path / "train.py").write_text(TRAIN)
    with pytest.raises(AssessError, match="not a directory"):
        run(tmp_path / "train.py")


def test_git_metadata_folder_and_unreadable_path(tmp_path, monkeypatch):
    root = init_repo(_project(tmp_path / "p", {"train.py": TRAIN}))
    with pytest.raises(AssessError, match="inside a .git folder"):
        run(root / ".git")

    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "stat", denied)
    with pytest.raises(AssessError, match="cannot be read \\(Permission denied\\)"):
        run(root)


def test_empty_directory(tmp_path):
    with pytest.raises(AssessError, match="empty, nothing to assess"):
        run(tmp_path)


def test_directory_with_only_ignored_files(tmp_path):
    _project(tmp_path, {".gitignore": "*\n", "model.pkl": "x"})
    with pytest.raises(AssessError, match="no files to assess"):
        run(tmp_path)


def test_directory_outside_git_is_assessed_from_disk(tmp_path):
    report = run(_project(tmp_path / "p", {"train.py": TRAIN, ".gitignore": "data/\n", "data/x.py": TRAIN}))
    assert report.result("ML001").status is Status.FAIL
    assert any("not a git repository" in w for w in report.warnings)
    assert report.result("ML002").status is Status.PASS
    assert all(e.path != "data/x.py" for e in report.result("ML002").evidence)  # .gitignore honoured


def test_git_repository_without_commits(tmp_path):
    root = init_repo(_project(tmp_path / "p", {"train.py": TRAIN}), commit=False)
    report = run(root)
    assert report.result("ML001").status is Status.PARTIAL
    assert any("no commits yet" in w for w in report.warnings)
    assert report.result("ML002").status is Status.PASS


def test_bare_repository(tmp_path):
    subprocess.run(["git", "init", "-q", "--bare", str(tmp_path / "bare.git")], check=True)
    with pytest.raises(AssessError, match="bare git repository"):
        run(tmp_path / "bare.git")


def test_shallow_clone(tmp_path):
    origin = init_repo(_project(tmp_path / "origin", {"train.py": TRAIN}))
    (origin / "README.md").write_text("more\n")
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "second")
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{origin}", str(tmp_path / "shallow")], check=True
    )
    report = run(tmp_path / "shallow")
    assert report.repo["shallow"] is True and report.repo["history"] == 1
    assert any("shallow clone" in w for w in report.warnings)
    assert "1+ commit(s)" in report.result("ML001").reason


def test_detached_head(tmp_path):
    root = init_repo(_project(tmp_path / "p", {"train.py": TRAIN}))
    git(root, "checkout", "-q", "--detach", "HEAD")
    report = run(root)
    assert report.repo["detached"] is True and report.repo["branch"] is None
    assert any(w.startswith("detached HEAD at") for w in report.warnings)


def test_special_file_named_py_is_skipped_without_blocking(tmp_path):
    root = _project(tmp_path / "p", {"train.py": TRAIN})
    os.mkfifo(root / "pipe.py")
    report = run(root)  # opening a FIFO would block forever
    assert "skipped pipe.py: not a regular file" in report.warnings


def test_unreadable_file_is_reported(tmp_path, monkeypatch):
    root = _project(tmp_path / "p", {"train.py": TRAIN, "secret.py": "import mlflow\nmlflow.start_run()\n"})
    real_open = os.open

    def guarded_open(path, *args, **kwargs):
        if str(path).endswith("secret.py"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded_open)  # tests run as root: a chmod would not stop the read
    report = run(root)
    assert "could not read secret.py: Permission denied" in report.warnings
    assert report.result("ML002").status is Status.PASS


def test_binary_file_named_py(tmp_path):
    report = run(_project(tmp_path / "p", {"train.py": TRAIN, "blob.py": b"\x00\x01\x02mlflow\xff"}))
    assert "skipped blob.py: binary content in a .py file" in report.warnings


def test_non_utf8_source_is_still_read(tmp_path):
    source = "# caf\xe9\nimport mlflow\nmlflow.start_run()\n".encode("latin-1")
    report = run(_project(tmp_path / "p", {"track.py": source}))
    assert "track.py is not valid UTF-8: read with replacement characters" in report.warnings
    assert report.result("ML301").status is Status.PASS


def test_python2_and_syntax_errors_are_warnings(tmp_path):
    report = run(
        _project(
            tmp_path / "p",
            {
                "old.py": "import mlflow\nmlflow.start_run()\nprint 'hello'\n",
                "train.py": TRAIN,
                "broken.py": "def f(:\n    mlflow.start_run()\n",
            },
        )
    )
    assert any(
        w.startswith("could not parse old.py (line 3") and "not valid Python 3" in w for w in report.warnings
    )
    assert any(w.startswith("could not parse broken.py (line 1") for w in report.warnings)
    assert report.result("ML002").status is Status.PASS


def test_invalid_notebooks(tmp_path):
    report = run(
        _project(
            tmp_path / "p",
            {
                "a.ipynb": "{not json",
                "b.ipynb": '{"metadata": {}}',
                "c.ipynb": '["cells"]',
                "train.py": TRAIN,
                "d.ipynb": '{"cells": [{"cell_type": "code", "source": "print \'py2\'"}, '
                '{"cell_type": "code", "source": ["import mlflow\\n", "mlflow.start_run()"]}]}',
            },
        )
    )
    assert "invalid notebook a.ipynb: not a JSON notebook (JSONDecodeError)" in report.warnings
    assert "invalid notebook b.ipynb: not a notebook: no 'cells' list" in report.warnings
    assert "invalid notebook c.ipynb: not a notebook: no 'cells' list" in report.warnings
    assert "d.ipynb: 1 code cell(s) are not valid Python 3 and were left out" in report.warnings
    assert report.result("ML301").status is Status.PARTIAL  # the valid cell still counts, as notebook code


def test_malformed_yaml_and_alias_bomb(tmp_path):
    bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n" for p, n in zip("abcdefg", "bcdefgh", strict=True)
    )
    report = run(
        _project(
            tmp_path / "p",
            {"train.py": TRAIN, ".github/workflows/ci.yml": "on: [push\njobs: {}\n", "dvc.yaml": bomb},
        )
    )
    assert any(w.startswith(".github/workflows/ci.yml: malformed YAML at line") for w in report.warnings)
    assert any(w.startswith("dvc.yaml: YAML expands to more than") for w in report.warnings)
    assert report.result("ML501").status is Status.PARTIAL  # the workflow exists, its content is unknown


def test_very_large_files_are_skipped_and_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(facts_module, "MAX_SOURCE_BYTES", 1024 * 1024)
    big = "import mlflow\n" + "x = 1\n" * 200_000
    report = run(_project(tmp_path / "p", {"train.py": TRAIN, "huge.py": big}))
    assert any(w.startswith("skipped huge.py: 1.1 MB is over the 1 MB limit") for w in report.warnings)
    assert report.result("ML301").status is Status.FAIL  # huge.py was not read


def test_symlink_loops_and_links_outside_are_not_followed(tmp_path):
    outside = _project(tmp_path / "outside", {"track.py": "import mlflow\nmlflow.start_run()\n"})
    root = _project(tmp_path / "p", {"train.py": TRAIN})
    (root / "escape.py").symlink_to(outside / "track.py")
    (root / "escape_dir").symlink_to(outside, target_is_directory=True)
    (root / "loop_a").symlink_to(root / "loop_b")
    (root / "loop_b").symlink_to(root / "loop_a")
    (root / "self").symlink_to(root, target_is_directory=True)
    for report in (run(root), run(init_repo(root))):
        assert "symlink not followed: escape.py (points outside the repository)" in report.warnings
        assert "symlink not followed: escape_dir (points outside the repository)" in report.warnings
        assert any(w.startswith("symlink not followed: loop_a") for w in report.warnings)
        assert report.result("ML301").status is Status.FAIL  # nothing was read through the links


def test_nothing_from_the_repository_is_executed(tmp_path):
    marker = tmp_path / "executed"
    payload = f"open({str(marker)!r}, 'w').write('ran')\nimport mlflow\n"
    root = _project(
        tmp_path / "p",
        {
            "setup.py": payload,
            "conftest.py": payload,
            "train.py": TRAIN + payload,
            "model.pkl": b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR.",
            "nb.ipynb": '{"cells": [{"cell_type": "code", "source": "!touch ' + str(marker) + '"}]}',
        },
    )
    run(init_repo(root))
    assert not marker.exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["/definitely/missing"], "no such file or directory"),
        (["--fail-under", "3", "."], "Invalid value"),
        (["ext::sh -c touch% /tmp/x"], "the ext:: transport is not allowed"),
        (["fd::17"], "the fd:: transport is not allowed"),
        (["git://example.com/repo"], "the git:// transport is not allowed"),
        (["--format", "xml", "."], "unknown format 'xml'"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(args, message):
    assert message in _cli_error(*args)


def test_cli_file_and_empty_directory(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "f.txt").write_text("x")
    assert "empty, nothing to assess" in _cli_error(str(tmp_path / "empty"))
    assert "not a directory" in _cli_error(str(tmp_path / "f.txt"))


def test_a_failing_check_is_reported_not_raised(tmp_path, monkeypatch):
    def broken(facts):
        raise KeyError("boom")

    spec, _ = registry._REGISTRY["ML101"]
    monkeypatch.setitem(registry._REGISTRY, "ML101", (spec, broken))
    report = run(_project(tmp_path / "p", {"train.py": TRAIN}))
    assert report.result("ML101").status is Status.FAIL
    assert report.result("ML101").reason == "the check could not run (KeyError)"
    assert "internal error in ML101 (KeyError: 'boom'); please report it" in report.warnings


def test_git_submodules_are_reported_not_entered(tmp_path):
    inner = init_repo(_project(tmp_path / "inner", {"lib.py": TRAIN}))
    root = init_repo(_project(tmp_path / "outer", {"train.py": TRAIN}))
    git(root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner), "vendor/inner")
    git(root, "commit", "-q", "-m", "submodule")
    report = run(root)
    assert "skipped vendor/inner: a git submodule, assess it on its own" in report.warnings
    assert [e.path for e in report.result("ML002").evidence] == ["train.py"]
