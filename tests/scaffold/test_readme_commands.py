"""Every command in a generated README works as typed, in a fresh clone (issue 12, item 6)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from readme_commands import Command, script, shell_blocks

from mlops_level.scaffold import render

README = """\
Intro.

```bash
echo one \\
  two            # a continuation
# a comment line
python3 -m http.server --bind 127.0.0.1 8765   # terminal 1: files on http://127.0.0.1:8765/
```

```python
print("not shell")
```

```sh
false
pip-audit   # needs the network: a vulnerability service
```
"""


def test_blocks_join_continuations_skip_comments_and_other_languages():
    blocks = shell_blocks(README)
    assert [[command.line for command in block] for block in blocks] == [
        [
            "echo one two            # a continuation",
            "python3 -m http.server --bind 127.0.0.1 8765   # terminal 1: files on http://127.0.0.1:8765/",
        ],
        ["false", "pip-audit   # needs the network: a vulnerability service"],
    ]
    assert blocks[0][1] == Command(blocks[0][1].line, background=True, url="http://127.0.0.1:8765/")
    assert not blocks[0][0].background
    assert blocks[1][1].needs_network and not blocks[1][0].needs_network


@pytest.mark.parametrize("text", ["```bash\nls\n", "```bash\nls \\\n```\n"])
def test_unclosed_blocks_and_dangling_continuations_are_errors(text):
    with pytest.raises(ValueError):
        shell_blocks(text)


def _run(text: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", script(shell_blocks(text), str(tmp_path))],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_script_waits_for_a_background_server_then_stops_it_and_fails_on_a_failing_command(tmp_path):
    text = README.replace("8765", str(_free_port()))
    url = shell_blocks(text)[0][1].url
    text = text.replace("```sh\nfalse", f"```sh\ncurl -fsS {url} >/dev/null && echo served")
    result = _run(text, tmp_path)
    assert result.returncode != 0  # the server was stopped with its block, so block 2's request fails
    assert "README command failed" in result.stderr and "curl" in result.stderr
    ok = _run(text.replace("```sh\ncurl", "```sh\ntrue || curl"), tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "README: not run (needs the network): pip-audit" in ok.stderr


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _clone_of_a_new_project(level: int, tmp_path: Path, env: dict[str, str]) -> Path:
    """The project as a teammate gets it: generated, committed, then cloned fresh."""
    origin = render({"level": level, "project_name": f"readme check {level}"}, tmp_path / "origin")
    for command in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "-A"],
        ["git", "commit", "-qm", "new"],
    ):
        subprocess.run(command, cwd=origin, env=env, check=True, capture_output=True)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], env=env, check=True, capture_output=True)
    return clone


def _jupyter_as_a_desktop_user(tmp_path: Path) -> dict[str, str]:
    """JupyterLab refuses to run as root (as CI does) and opens a browser: a desktop user's does neither."""
    config = tmp_path / "jupyter-config"
    config.mkdir()
    settings = {"ServerApp": {"allow_root": os.geteuid() == 0, "open_browser": False}}
    (config / "jupyter_server_config.json").write_text(json.dumps(settings), encoding="utf-8")
    return {"JUPYTER_CONFIG_DIR": str(config), "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime")}


# Levels 1 and 2 use the README's fixed ports (Prefect 4200, the service 8000), so they share one xdist
# group and run one after the other: side by side, one level's `make schedule` would reach the other's
# `make ui`. Level 0 uses only JupyterLab's 8888 and runs beside them on another worker.
FIXED_PORTS = pytest.mark.xdist_group("readme-fixed-ports")


@pytest.mark.slow
@pytest.mark.parametrize(
    "level",
    [
        pytest.param(0, marks=pytest.mark.xdist_group("readme-level-0")),
        pytest.param(1, marks=FIXED_PORTS),
        pytest.param(2, marks=FIXED_PORTS),
    ],
)
def test_every_readme_command_runs_as_typed_in_a_fresh_clone(level, tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env.update(
        GIT_AUTHOR_NAME="Readme Test",
        GIT_AUTHOR_EMAIL="readme@example.invalid",
        GIT_COMMITTER_NAME="Readme Test",
        GIT_COMMITTER_EMAIL="readme@example.invalid",
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
    )
    env.update(_jupyter_as_a_desktop_user(tmp_path))
    clone = _clone_of_a_new_project(level, tmp_path, env)
    remote = (
        Path.home() / ".cache" / f"readme-check-{level}"
    )  # the README's dev DVC remote, outside the clone
    shutil.rmtree(remote, ignore_errors=True)
    logs = tmp_path / "logs"
    logs.mkdir()
    commands = script(shell_blocks((clone / "README.md").read_text(encoding="utf-8")), str(logs))
    try:
        result = subprocess.run(
            ["bash", "-c", commands],
            cwd=clone,
            env=env,
            capture_output=True,
            text=True,
            timeout=1500,
            start_new_session=True,
        )
    finally:
        shutil.rmtree(remote, ignore_errors=True)
    if result.returncode != 0:
        pytest.fail(f"README commands failed ({result.returncode}):\n{result.stderr[-6000:]}", pytrace=False)
