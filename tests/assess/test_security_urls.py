"""Issue 10, items 6, 8 and 10 (assess): credentials in URLs never appear in messages or reports; a report
that cannot be written (full device, unreadable or impossible -o) is one line and exit 2; a clone is removed
on SIGTERM as on Ctrl-C.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlops_level.app import app
from mlops_level.assess import AssessError, run
from mlops_level.assess.facts import safegit, target
from mlops_level.assess.facts.target import redact_text, redact_url
from mlops_level.assess.report.render import RENDERERS
from mlops_level.errors import UserError

from .conftest import init_repo

SECRET = "s3cr3t-t0ken"


@pytest.mark.parametrize(
    "url, shown",
    [
        (f"https://user:{SECRET}@github.com/o/r.git", "https://***@github.com/o/r.git"),
        (f"https://{SECRET}@github.com/o/r", "https://***@github.com/o/r"),
        (f"HTTPS://x-access-token:{SECRET}@h/r", "HTTPS://***@h/r"),
        (f"ssh://git:{SECRET}@host/r.git", "ssh://***@host/r.git"),
        ("ssh://git@host/r.git", "ssh://git@host/r.git"),
        ("git@github.com:o/r.git", "git@github.com:o/r.git"),
        (
            f"https://gitlab.example/r.git?private_token={SECRET}",
            "https://gitlab.example/r.git?private_token=***",
        ),
        ("file:///tmp/repo", "file:///tmp/repo"),
    ],
)
def test_redact_url(url, shown):
    assert redact_url(url) == shown and SECRET not in redact_url(url)


def test_redact_text_covers_git_messages():
    message = f"fatal: unable to access 'https://u:{SECRET}@127.0.0.1:1/r/': Failed to connect"
    assert SECRET not in redact_text(message) and "https://***@127.0.0.1:1/r/" in redact_text(message)


@pytest.mark.parametrize(
    "url",
    [
        f"https://user:{SECRET}@127.0.0.1:1/org/repo.git",
        f"ext::sh -c echo%20{SECRET}",
        f"http://user:{SECRET}@example.org/r.git",
        f"-https://user:{SECRET}@example.org/r.git",
    ],
)
def test_errors_never_show_the_credentials(url):
    with pytest.raises(AssessError) as error:
        run(url)
    assert SECRET not in str(error.value) or url.startswith("ext::")  # ext:: has no user-info to redact
    if not url.startswith("ext::"):
        assert "***" in str(error.value)


def test_cli_error_is_one_line_without_credentials():
    url = f"https://user:{SECRET}@127.0.0.1:1/org/repo.git"
    result = subprocess.run(
        [sys.executable, "-m", "mlops_level", "assess", url], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and SECRET not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


@pytest.fixture
def fake_clone(tmp_path, monkeypatch):
    """`safegit.clone` copying a local repository (a successful clone of an https URL, without network)."""
    source = tmp_path / "source"
    source.mkdir()
    (source / "train.py").write_text("import mlflow\nmlflow.start_run()\n")
    init_repo(source)

    def clone(url, dest, timeout=None):
        subprocess.run(["git", "clone", "-q", str(source), str(dest)], check=True, capture_output=True)

    monkeypatch.setattr(safegit, "clone", clone)
    return source


def test_report_root_url_and_every_format_are_redacted(fake_clone):
    url = f"https://user:{SECRET}@example.org/org/repo.git"
    report = run(url)
    assert report.root == report.repo["url"] == "https://***@example.org/org/repo.git"
    for name, render in RENDERERS.items():
        assert SECRET not in render(report, True), name
    assert SECRET not in " ".join(report.warnings)


def test_cli_json_and_text_are_redacted(fake_clone):
    url = f"https://user:{SECRET}@example.org/org/repo.git"
    runner = CliRunner()
    result = runner.invoke(app, ["assess", url, "--format", "json"])
    assert result.exit_code == 0 and SECRET not in result.output
    assert json.loads(result.stdout)["repo"]["url"] == "https://***@example.org/org/repo.git"
    result = runner.invoke(app, ["assess", url, "--verbose"])
    assert (
        result.exit_code == 0 and SECRET not in result.output and "https://***@example.org" in result.output
    )


FAKE_GIT = """#!/bin/sh
# a git whose clone hangs (a slow network), recording its pid; every other command is the real git
if [ "$2" = "clone" ] || [ "$1" = "clone" ]; then
    for last; do :; done
    mkdir -p "$last"
    echo $$ > "{pidfile}"
    exec sleep 60
fi
exec {real} "$@"
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_during_clone_removes_it_and_the_git_process(tmp_path, signum):
    real = subprocess.run(["which", "git"], capture_output=True, text=True, check=True).stdout.strip()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pidfile = tmp_path / "git.pid"
    (bin_dir / "git").write_text(FAKE_GIT.format(pidfile=pidfile, real=real))
    (bin_dir / "git").chmod(0o755)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "TMPDIR": str(tmp)}
    process = subprocess.Popen(
        [sys.executable, "-m", "mlops_level", "assess", "https://example.org/org/repo.git"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while not pidfile.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pidfile.exists(), process.communicate(timeout=5)
    assert [p.name for p in tmp.iterdir() if p.name.startswith("mlops-level-")]  # the clone folder exists
    process.send_signal(signum)
    _, err = process.communicate(timeout=30)
    assert process.returncode != 0
    if signum == signal.SIGTERM:
        assert process.returncode == 128 + signal.SIGTERM, err
        assert b"Traceback" not in err
    assert not [p for p in tmp.iterdir() if p.name.startswith("mlops-level-")]
    git_pid = int(pidfile.read_text())
    deadline = time.monotonic() + 10  # it was signalled: on a loaded machine it may take a moment to go
    while _alive(git_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(git_pid)  # gone well before its `sleep 60` would end


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists() and "Z" not in _state(pid)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return "Z"


def test_sigterm_handler_is_restored_after_the_clone(fake_clone):
    before = signal.getsignal(signal.SIGTERM)
    with target.cloned("https://example.org/org/repo.git") as root:
        assert (root / "train.py").exists()
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before


# --- item 8 (assess): writing the report ---
@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "train.py").write_text("import mlflow\nmlflow.start_run()\n")
    return root


@pytest.mark.parametrize("args", [["assess", "{root}"], ["assess", "{root}", "--format", "json"], ["checks"]])
def test_stdout_on_a_full_device_is_one_line_and_exit_2(project, args):
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "mlops_level", *(a.format(root=project) for a in args)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "mlops-level: error: cannot write the report to standard output: No space left on device"
    ]


def test_output_below_a_file_or_an_unreadable_folder_is_one_line_and_exit_2(project, tmp_path, monkeypatch):
    (tmp_path / "a-file").write_text("x")
    runner = CliRunner()
    result = runner.invoke(app, ["assess", str(project), "-o", str(tmp_path / "a-file" / "report.json")])
    assert isinstance(result.exception, UserError) and "cannot write" in str(result.exception)
    assert result.exception.exit_code == 2
    locked = tmp_path / "locked" / "report.json"
    real_exists = Path.exists

    def exists(self, *args, **kwargs):  # what an unreadable folder does for a non-root user
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_exists(self, *args, **kwargs)

    monkeypatch.setattr(Path, "exists", exists)
    result = runner.invoke(app, ["assess", str(project), "-o", str(locked)])
    assert isinstance(result.exception, UserError) and "Permission denied" in str(result.exception)


def test_output_never_replaces_a_file_without_force(project, tmp_path):
    report = tmp_path / "report.md"
    report.write_text("keep me")
    result = CliRunner().invoke(app, ["assess", str(project), "-o", str(report)])
    assert isinstance(result.exception, UserError) and report.read_text() == "keep me"
    result = CliRunner().invoke(app, ["assess", str(project), "-o", str(report), "--force"])
    assert result.exit_code == 0 and report.read_text() != "keep me"
