"""Issue 10 for `mlops-level verify`: the trust model (class 7), one-line errors (class 8), no leftovers (10).

Class 7: a folder mlops-level did not generate here (no, a forged, a copied or an edited `.cruft.json`, a
moved project, another user's key, an edited workflow) runs nothing without --yes or a yes at the prompt;
commands are shown (escaped) before they run; a URL is never cloned or run, --yes or not.
Class 8: unbalanced quotes, infinite timeouts, NUL bytes, odd shapes in declarations and replayed workflows.
Class 10: a step's process group is ended when it ends, times out or is interrupted; SIGTERM during verify
removes the fresh environment.

Environments here are plain folders (`fast_environment`), so nothing builds a virtual environment; the
one test that does is marked slow.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest

from mlops_level import new_cmd
from mlops_level.errors import UserError
from mlops_level.scaffold import processes, verification
from mlops_level.scaffold.declaration import load
from mlops_level.scaffold.environment import Environment
from mlops_level.scaffold.provenance import CONFIG_DIR_ENV, SIGNATURE, key_path, sign
from mlops_level.scaffold.verification import PASSED, plan, verify

pytestmark = pytest.mark.skipif(os.name != "posix", reason="process groups and signals as on POSIX")
PY = json.dumps(sys.executable)
FAST_CREATE = "import os, sys; os.makedirs(sys.argv[1])"


@pytest.fixture
def fast_environment(monkeypatch):
    """The environment is a plain folder (steps use this interpreter): the run loop without a venv build."""
    monkeypatch.setattr(
        Environment, "create_command", lambda self: [sys.executable, "-c", FAST_CREATE, str(self.path)]
    )


@pytest.fixture
def scratch_tmp(tmp_path, monkeypatch):
    """tempfile's folder for this test, to prove verify leaves nothing in it."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def sentinel_step(target: Path, name: str = "writes outside") -> str:
    code = f"open({str(target)!r}, 'w').write('ran')"
    return f"[[verify.steps]]\nname = {json.dumps(name)}\nrun = [{PY}, '-c', {json.dumps(code)}]\n"


def hand_made(tmp_path: Path, declaration: str, cruft: object = None, name: str = "project") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / ".mlops-level.toml").write_text(declaration)
    if cruft is not None:
        text = cruft if isinstance(cruft, str) else json.dumps(cruft)
        (folder / ".cruft.json").write_text(text)
    return folder


def signed(folder: Path, cruft_from: Path) -> Path:
    """Give a hand-made folder the .cruft.json of a generated project, signed for its own commands."""
    record = json.loads((cruft_from / ".cruft.json").read_text())
    record["context"]["cookiecutter"][SIGNATURE] = sign(folder, load(folder))
    (folder / ".cruft.json").write_text(json.dumps(record))
    return folder


def one_error_line(code: int, err: str, expected: str = "") -> None:
    assert code == 2, err
    assert err.startswith("mlops-level: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and expected in err


# --- class 7: who may run what ---------------------------------------------------------------------------


def test_a_folder_holding_only_a_declaration_runs_nothing(tmp_path, cli, scratch_tmp):
    outside = tmp_path / "outside"
    folder = hand_made(tmp_path, "[verify]\n" + sentinel_step(outside))
    code, out, err = cli("verify", str(folder))
    one_error_line(code, err, "has no .cruft.json")
    assert "--yes" in err and "nothing was run" in err
    assert "writes outside" in out and "$ " in out  # the commands it would run are listed
    assert not outside.exists() and list(scratch_tmp.iterdir()) == []


def _forgeries(tmp_path: Path, generated: Path) -> dict[str, Path]:
    outside = tmp_path / "outside"
    hostile = "[verify]\n" + sentinel_step(outside)
    real = json.loads((generated / ".cruft.json").read_text())
    forged = json.loads(json.dumps(real))
    forged["context"]["cookiecutter"][SIGNATURE] = "hmac-sha256-v1:" + "0" * 64
    no_signature = json.loads(json.dumps(real))
    del no_signature["context"]["cookiecutter"][SIGNATURE]
    return {
        "minimal cruft": hand_made(tmp_path, hostile, {"context": {"cookiecutter": {"level": "0"}}}, "a"),
        "copied cruft": hand_made(tmp_path, hostile, real, "b"),
        "forged signature": hand_made(tmp_path, hostile, forged, "c"),
        "no signature": hand_made(tmp_path, hostile, no_signature, "d"),
        "garbage cruft": hand_made(tmp_path, hostile, "\x00\xff not json", "e"),
        "deep cruft": hand_made(tmp_path, hostile, "[" * 100_000, "f"),
        "cruft a list": hand_made(tmp_path, hostile, [1, 2], "g"),
        "other template": hand_made(tmp_path, hostile, {**real, "template": "gh:someone/evil-template"}, "h"),
    }


def test_forged_or_copied_answers_files_run_nothing(tmp_path, bake):
    generated = bake(0)
    for case, folder in _forgeries(tmp_path, generated).items():
        assert not plan(folder).origin.trusted, case
        with pytest.raises(UserError, match="nothing was run"):
            verify(folder)
    assert not (tmp_path / "outside").exists()


def test_cruft_from_an_endless_device_is_not_read_forever(tmp_path):
    folder = hand_made(tmp_path, "[verify]\n" + sentinel_step(tmp_path / "outside"))
    (folder / ".cruft.json").symlink_to("/dev/zero")
    assert not plan(folder).origin.trusted


def test_a_generated_project_is_trusted_here_and_lists_its_own_commands(bake):
    for level, command in ((0, "python -m pytest -q -p no:cacheprovider"), (2, "make unit-test")):
        found = plan(bake(level))
        assert found.origin.trusted, found.origin.reason
        assert any(command in shown for _, shown in found.commands)


@pytest.mark.parametrize(
    "change",
    ["edit the declaration", "edit a replayed workflow", "move it", "copy it", "another key", "no key"],
)
def test_a_changed_generated_project_needs_consent_again(tmp_path, bake, monkeypatch, change):
    project = bake(2)
    if change == "edit the declaration":
        with (project / ".mlops-level.toml").open("a") as handle:
            handle.write(sentinel_step(tmp_path / "outside"))
    elif change == "edit a replayed workflow":
        workflow = project / ".github" / "workflows" / "ci.yml"
        workflow.write_text(workflow.read_text().replace("make lint\n", "make lint && touch SENTINEL\n"))
    elif change == "move it":
        project = project.rename(tmp_path / "moved")
    elif change == "copy it":
        project = Path(shutil.copytree(project, tmp_path / "copied"))
    elif change == "another key":
        monkeypatch.setenv(CONFIG_DIR_ENV, str(tmp_path / "other-user"))
        sign(project, load(project))  # that user has a key of their own
    else:
        key_path().unlink()
    assert not plan(project).origin.trusted
    with pytest.raises(UserError, match="nothing was run"):
        verify(project)
    assert not (tmp_path / "outside").exists() and not (project / "SENTINEL").exists()


def test_dry_run_lists_the_commands_and_runs_nothing(tmp_path, cli):
    outside = tmp_path / "outside"
    folder = hand_made(tmp_path, "[verify]\ninstall = ['-r', 'req.txt']\n" + sentinel_step(outside))
    code, out, _ = cli("verify", str(folder), "--dry-run")
    assert code == 0
    assert "has no .cruft.json" in out and "pip install -r req.txt" in out and "open(" in out
    assert not outside.exists()


def test_shown_commands_cannot_drive_the_terminal(tmp_path, cli):
    declaration = (
        "[verify]\nenv = { 'E' = \"\\u001b[31m\" }\n[[verify.steps]]\n"
        'name = "\\u001b[2J\\u001b[Hall good"\nrun = [\'echo\', "\\u001b]0;title\\u0007", "\\u202egnp.exe"]\n'
    )
    code, out, _ = cli("verify", str(hand_made(tmp_path, declaration)), "--dry-run")
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "\\x1b[2J" in out and "\\u202e" in out


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/acme/churn",
        "http://example.com/x.git",
        "ssh://git@github.com/acme/churn.git",
        "git@github.com:acme/churn.git",
        "file:///tmp/repo",
        "git+https://example.com/x",
        "gh:acme/churn",
    ],
)
def test_a_url_is_never_cloned_nor_run_even_with_yes(cli, url):
    one_error_line(*cli("verify", url, "--yes")[::2], "never clones")
    with pytest.raises(UserError, match="never clones"):
        verify(url, confirm=lambda found: True)


def test_yes_runs_an_unknown_folder_after_listing_each_command(tmp_path, cli, fast_environment, scratch_tmp):
    outside = tmp_path / "outside"
    code, out, err = cli("verify", str(hand_made(tmp_path, "[verify]\n" + sentinel_step(outside))), "--yes")
    assert code == 0, out + err
    assert outside.read_text() == "ran"
    listed, shown, result = out.index("1. writes outside"), out.index("$ "), out.rindex("writes outside")
    assert listed < shown < result and "Verification passed" in out
    assert list(scratch_tmp.iterdir()) == []  # the fresh environment is gone


class _Answer:
    def __init__(self, answer):
        self.answer = answer

    def unsafe_ask(self):
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


@pytest.mark.parametrize(("answer", "code"), [(False, 2), (True, 0), (KeyboardInterrupt(), 130)])
def test_on_a_terminal_the_user_is_asked(tmp_path, cli, fast_environment, monkeypatch, answer, code):
    import questionary

    asked = []
    monkeypatch.setattr(new_cmd, "_interactive", lambda: True)
    monkeypatch.setattr(questionary, "confirm", lambda *a, **k: asked.append(a) or _Answer(answer))
    outside = tmp_path / "outside"
    assert cli("verify", str(hand_made(tmp_path, "[verify]\n" + sentinel_step(outside))))[0] == code
    assert len(asked) == 1 and outside.exists() == (code == 0)


def test_a_trusted_project_runs_unasked_and_shows_each_command_first(tmp_path, bake, cli, fast_environment):
    outside = tmp_path / "outside"
    folder = signed(hand_made(tmp_path, "[verify]\n" + sentinel_step(outside)), bake(0))
    assert plan(folder).origin.trusted
    code, out, err = cli("verify", str(folder))
    assert code == 0, out + err
    assert "would run" not in out  # no plan, no question
    assert out.index("$ ") < out.rindex("writes outside") and outside.exists()


# --- class 8: declarations that used to end in a traceback ------------------------------------------------

STEP = "[[verify.steps]]\nname = 'x'\n"


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        ("[verify]\n" + STEP + 'run = "echo \'unbalanced"\n', "cannot be split"),
        ("[verify]\n" + STEP + 'run = "echo trailing \\\\"\n', "cannot be split"),
        ("[verify]\n" + STEP + "run = 'true'\ntimeout = inf\n", "timeout"),
        ("[verify]\n" + STEP + "run = 'true'\ntimeout = -inf\n", "timeout"),
        ("[verify]\n" + STEP + "run = 'true'\ntimeout = nan\n", "timeout"),
        ("[verify]\n" + STEP + "run = 'true'\ntimeout = 1e12\n", "timeout"),
        ("[verify]\n" + STEP + "run = 'true'\ntimeout = 0\n", "timeout"),
        ("[verify]\n" + STEP + "run = 'true'\ntimeout = '10'\n", "timeout"),
        ('[verify]\nenv = { A = "x\\u0000y" }\n' + STEP + "run = 'true'\n", "NUL"),
        ("[verify]\nenv = { \"A\\u0000\" = 'x' }\n" + STEP + "run = 'true'\n", "not a valid environment"),
        ("[verify]\nenv = { \"A=B\" = 'x' }\n" + STEP + "run = 'true'\n", "not a valid environment"),
        ("[verify]\nenv = { \"\" = 'x' }\n" + STEP + "run = 'true'\n", "not a valid environment"),
        ("[verify]\nenv = { A = 1 }\n" + STEP + "run = 'true'\n", "table of strings"),
        ("[verify]\n" + STEP + "run = ['echo', \"a\\u0000b\"]\n", "NUL"),
        ('[verify]\ninstall = ["-r\\u0000x"]\n' + STEP + "run = 'true'\n", "NUL"),
        ("new = 5\n[verify]\n" + STEP + "run = 'true'\n", "[new] must be a table"),
        pytest.param("x = " + "[" * 20_000 + "\n", "cannot be read", id="deep-nesting"),
        ("[verify]\n" + STEP + "run = 'true'\n\0", "not text"),
    ],
)
def test_bad_declarations_are_one_line(tmp_path, cli, declaration, message):
    folder = hand_made(tmp_path, declaration)
    one_error_line(*cli("verify", str(folder), "--yes")[::2], message)


def test_binary_or_oversized_declarations_are_one_line(tmp_path, cli):
    binary = hand_made(tmp_path, "", name="binary")
    (binary / ".mlops-level.toml").write_bytes(bytes(range(256)) * 4)
    one_error_line(*cli("verify", str(binary), "--yes")[::2], "not UTF-8")
    huge = hand_made(tmp_path, "# " + "x" * (2 * 1024 * 1024) + "\n", name="huge")
    one_error_line(*cli("verify", str(huge), "--yes")[::2], "larger than 1 MiB")


JOB = "jobs:\n  test:\n    runs-on: ubuntu-latest\n"


@pytest.mark.parametrize(
    ("replay", "workflow", "message"),
    [
        ("../outside.yml", None, "not a workflow file inside the project"),
        ("/etc/passwd", None, "not a workflow file inside the project"),
        ("ci.yml", "jobs:\n  test: 5\n", "must be a mapping"),
        ("ci.yml", JOB + "    needs: 5\n    steps: [{run: 'true'}]\n", "needs must be"),
        ("ci.yml", JOB + "    timeout-minutes: abc\n    steps: [{run: 'true'}]\n", "timeout-minutes"),
        ("ci.yml", JOB + "    timeout-minutes: .inf\n    steps: [{run: 'true'}]\n", "timeout-minutes"),
        ("ci.yml", JOB + "    timeout-minutes: -1\n    steps: [{run: 'true'}]\n", "timeout-minutes"),
        ("ci.yml", JOB + "    env: {A: \"x\\0y\"}\n    steps: [{run: 'true'}]\n", "NUL"),
        ("ci.yml", JOB + "    env: {A: [1]}\n    steps: [{run: 'true'}]\n", "env values"),
        ("ci.yml", JOB + "    steps: [{run: 'true', working-directory: [a]}]\n", "working-directory"),
        ("ci.yml", JOB + '    steps: [{run: "echo \\0"}]\n', "NUL"),
        pytest.param("ci.yml", "jobs: " + "[" * 20_000, "cannot be read", id="deep-nesting"),
        ("ci.yml", b"\xff\xfe binary", "not UTF-8"),
    ],
)
def test_bad_replayed_workflows_are_one_line(tmp_path, cli, replay, workflow, message):
    (tmp_path / "outside.yml").write_text(JOB + "    steps: [{run: 'true'}]\n")
    declaration = f"[verify]\n[[verify.steps]]\nname = 'ci'\nreplay = {json.dumps(replay)}\n"
    folder = hand_made(tmp_path, declaration)
    if workflow is not None:
        path = folder / replay
        path.write_bytes(workflow) if isinstance(workflow, bytes) else path.write_text(workflow)
    one_error_line(*cli("verify", str(folder), "--yes")[::2], message)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_verify_with_stdout_on_a_full_device_is_one_line(tmp_path):
    folder = hand_made(tmp_path, "[verify]\n" + sentinel_step(tmp_path / "outside"))
    for extra in (["--dry-run"], []):
        with open("/dev/full", "w") as full:
            done = subprocess.run(
                [sys.executable, "-m", "mlops_level", "verify", str(folder), *extra],
                stdout=full,
                stderr=subprocess.PIPE,
                text=True,
                timeout=60,
            )
        one_error_line(done.returncode, done.stderr)
    assert not (tmp_path / "outside").exists()


# --- class 10: process groups and SIGTERM ----------------------------------------------------------------


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return state not in ("Z", "X")


def _ended(pid: int, within: float = 3.0) -> bool:
    deadline = time.monotonic() + within
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _spawner(pid_file: Path, then: str, grandchild: str = "import time; time.sleep(300)") -> list[str]:
    """A step that starts a grandchild (its pid written to pid_file), then runs `then`."""
    code = textwrap.dedent(f"""
        import subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", {grandchild!r}])
        open({str(pid_file)!r}, "w").write(str(child.pid))
        {then}
    """)
    return [sys.executable, "-c", code]


def test_a_timed_out_step_ends_its_grandchildren(tmp_path):
    pid_file = tmp_path / "pid"
    result = verification._run("slow", _spawner(pid_file, "time.sleep(300)"), tmp_path, dict(os.environ), 1.0)
    assert result.status == "failed" and "timed out after 1 s" in result.output
    assert _ended(int(pid_file.read_text()))


def test_a_finished_step_leaves_no_background_process(tmp_path):
    pid_file = tmp_path / "pid"
    started = time.monotonic()
    result = verification._run("quick", _spawner(pid_file, "print('done')"), tmp_path, dict(os.environ), 60)
    assert result.status == PASSED and result.output.strip() == "done"
    assert _ended(int(pid_file.read_text())) and time.monotonic() - started < 10


def test_a_grandchild_ignoring_sigterm_is_killed(tmp_path, monkeypatch):
    monkeypatch.setattr(processes, "GRACE_SECONDS", 0.5)
    pid_file = tmp_path / "pid"
    stubborn = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(300)"
    command = _spawner(pid_file, "time.sleep(300)", grandchild=stubborn)
    assert verification._run("stubborn", command, tmp_path, dict(os.environ), 1.0).status == "failed"
    assert _ended(int(pid_file.read_text()))


def test_ctrl_c_during_a_step_ends_its_group(tmp_path):
    pid_file = tmp_path / "pid"

    def interrupt_once_started():
        while not pid_file.exists():
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt_once_started, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        verification._run("long", _spawner(pid_file, "time.sleep(300)"), tmp_path, dict(os.environ), 60)
    assert _ended(int(pid_file.read_text()))


DRIVER = f"""
import sys
from mlops_level.scaffold.environment import Environment
Environment.create_command = lambda self: [sys.executable, "-c", {FAST_CREATE!r}, str(self.path)]
from mlops_level.app import main
sys.argv = ["mlops-level", "verify", sys.argv[1], "--yes"]
main()
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_verify_removes_the_environment_and_ends_the_step(tmp_path, signum):
    pid_file = tmp_path / "pid"
    folder = hand_made(tmp_path, "")
    command = json.dumps(_spawner(pid_file, "time.sleep(300)"))
    (folder / ".mlops-level.toml").write_text(f"[verify]\n[[verify.steps]]\nname = 'long'\nrun = {command}\n")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(folder)],
        env={**os.environ, "TMPDIR": str(scratch)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not pid_file.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any(scratch.iterdir()), "the fresh environment should exist while the step runs"
    process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    if signum == signal.SIGTERM:
        assert process.returncode == 143
        assert err.endswith("mlops-level: error: terminated by SIGTERM; temporary files were removed\n")
        assert "Traceback" not in err
    assert list(scratch.iterdir()) == []
    assert _ended(int(pid_file.read_text()))


@pytest.mark.slow
def test_sigterm_during_a_real_verify_removes_the_virtual_environment(tmp_path):
    pid_file = tmp_path / "pid"
    folder = hand_made(tmp_path, "")
    command = json.dumps(_spawner(pid_file, "time.sleep(300)"))
    (folder / ".mlops-level.toml").write_text(f"[verify]\n[[verify.steps]]\nname = 'long'\nrun = {command}\n")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "mlops_level", "verify", str(folder), "--yes"],
        env={**os.environ, "TMPDIR": str(scratch)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    while not pid_file.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    venvs = list(scratch.glob("mlops-level-verify-*/venv/bin/python"))
    assert venvs, "a real virtual environment should exist while the step runs"
    process.terminate()
    assert process.wait(60) == 143, process.stderr.read()
    assert list(scratch.iterdir()) == [] and _ended(int(pid_file.read_text()))
