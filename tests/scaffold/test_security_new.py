"""Issue 10 for `mlops-level new`: bounded, one-line-error input (class 8), files that parse (class 9), and a
SIGTERM that leaves nothing behind (class 10).

Class 8: a config from an endless device, a binary or oversized config, odd YAML, over-long or unprintable
answers, unusable output folders, stdout on a full device or a closed pipe: one line on stderr, exit 2.
Class 9: hostile text (quotes, backslashes, `#`, unicode, Markdown and HTML syntax) in every answer that
reaches a file; each level is rendered and every TOML/YAML/JSON/notebook/Python file parsed back.
"""

from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from markdown_it import MarkdownIt

from mlops_level.errors import Terminated, UserError
from mlops_level.scaffold import generate, render

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

LEVELS = [0, 1, 2]


def one_error_line(code: int, err: str, expected: str = "") -> None:
    assert code == 2, err
    assert err.startswith("mlops-level: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and expected in err


def subprocess_cli(*args: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mlops_level", *args], capture_output=True, text=True, timeout=60, **options
    )


# --- class 8: bounded reads -------------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_config_from_an_endless_device_stops_at_the_limit(tmp_path):
    done = subprocess_cli("new", "--no-input", "--config", "/dev/zero", "-o", str(tmp_path))
    one_error_line(done.returncode, done.stderr, "larger than 1 MiB")
    assert list(tmp_path.iterdir()) == []


def test_an_oversized_config_file_is_refused(tmp_path, cli):
    config = tmp_path / "answers.yaml"
    config.write_text("author: " + "a" * (2 * 1024 * 1024) + "\n")
    one_error_line(*cli("new", "--no-input", "--config", str(config), "-o", str(tmp_path / "out"))[::2])
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(256)),  # arbitrary binary
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
        "project_name: demo\n".encode("utf-16"),
        b"project_name: demo\0\n",  # valid UTF-8 holding NUL
        b"project_name: d\xe9mo\n",  # Latin-1
    ],
    ids=["binary", "png", "utf16", "nul", "latin1"],
)
def test_binary_config_files_are_one_line(tmp_path, cli, content):
    config = tmp_path / "answers.bin"
    config.write_bytes(content)
    code, _, err = cli("new", "--no-input", "--config", str(config), "-o", str(tmp_path / "out"))
    one_error_line(code, err, str(config))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[" * 50_000, id="deep-nesting"),  # exhausts a recursive parser
        pytest.param("author: " + "9" * 5000, id="huge-integer"),  # too long to convert
        "- a list\n- not a mapping\n",
        "!!python/object/apply:os.system ['touch SENTINEL']\n",
        "project_name: !!binary aGVsbG8=\n",
        "a: &x [*x]\n",
        "project_name: [1, 2]\n",
        "{project_name: demo, author: {nested: map}}\n",
        "project_name: demo\nproject_name: again\n{",
    ],
)
def test_odd_yaml_configs_are_one_line_and_run_nothing(tmp_path, cli, monkeypatch, text):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "answers.yaml"
    config.write_text(text)
    one_error_line(*cli("new", "--no-input", "--config", str(config), "-o", str(tmp_path / "out"))[::2])
    assert not (tmp_path / "SENTINEL").exists() and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "a" * 300], "at most 64"),
        (["--name", "a" * 65], "at most 64"),
        (["--set", "description=" + "d" * 600], "at most 500"),
        (["--set", "author=" + "x" * 10_000], "at most 500"),
        (["--set", "description=two\u2028lines"], "newline or control character"),
        (["--set", "description=nel\x85here"], "newline or control character"),
        (["--set", "author=\x1b[31mred"], "newline or control character"),
        (["--set", "author=bell\a"], "newline or control character"),
    ],
)
def test_over_long_or_unprintable_answers_are_one_line(tmp_path, cli, args, message):
    code, _, err = cli("new", "--no-input", "-o", str(tmp_path / "out"), *args)
    one_error_line(code, err, message)
    assert "\x1b" not in err and not (tmp_path / "out").exists()


def test_the_longest_name_allowed_still_renders(tmp_path):
    project = render({"level": 0, "project_name": "a" * 64}, tmp_path)
    assert project.name == "a" * 64


def test_undecodable_command_line_text_is_refused():
    with pytest.raises(UserError, match="not valid UTF-8"):
        render({"description": "broken \udcff byte"}, Path("unused"))


@pytest.mark.parametrize(
    "output", ["{tmp}/" + "x" * 300 + "/deeper", "{tmp}/file/below", "{tmp}/" + "y" * 300]
)
def test_unusable_output_folders_are_one_line(tmp_path, cli, output):
    (tmp_path / "file").write_text("a file, not a folder")
    code, _, err = cli("new", "--no-input", "-o", output.format(tmp=tmp_path))
    one_error_line(code, err)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["file"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_an_output_folder_below_an_unreadable_one_is_one_line(tmp_path, cli):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0)
    try:
        one_error_line(*cli("new", "--no-input", "-o", str(locked / "inner"))[::2])
    finally:
        locked.chmod(0o700)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_stdout_on_a_full_device_is_one_line(tmp_path):
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "mlops_level", "new", "--no-input", "-o", str(tmp_path)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    one_error_line(done.returncode, done.stderr, "cannot write to standard output: No space left on device")


def test_stdout_on_a_closed_pipe_is_one_line(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "mlops_level", "new", "--no-input", "-o", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    process.stdout.close()
    err = process.stderr.read()
    one_error_line(process.wait(60), err, "Broken pipe")


# --- class 10: SIGTERM during new -------------------------------------------------------------------------


def test_sigterm_while_rendering_leaves_nothing(tmp_path, monkeypatch):
    real_bake = generate._bake

    def bake_then_terminated(*args):
        project = real_bake(*args)
        os.kill(os.getpid(), signal.SIGTERM)  # as a cancelled CI job would, half-way through
        return project

    monkeypatch.setattr(generate, "_bake", bake_then_terminated)
    with pytest.raises(Terminated):
        render({"level": 0}, tmp_path / "new" / "folders")
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the default comes back


# --- class 9: every generated file parses, whatever the answers hold ---------------------------------------

DESCRIPTION = (
    "The \"best\" model \\ ever # not a comment: ünïcødé — 模型 🚀 'single' `tick` *star* _under_ "
    "[link](javascript:alert(1)) <script>x</script> | pipe $x$ &amp; %s \\n literal, ends with \\"
)
AUTHOR = 'O\'Brien "Ada" \\ #1 <ada@example.com> — Zoë'
NAME = "My.Model__v2_ -x"


def _parse(path: Path):
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        return ast.parse(text, filename=str(path))
    if path.suffix in (".yml", ".yaml"):
        return yaml.safe_load(text)
    if path.suffix == ".toml":
        return tomllib.loads(text)
    if path.suffix == ".json":
        return json.loads(text)
    if path.suffix == ".ipynb":
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        return notebook
    return None


def _markdown_text(markdown: str) -> list[tuple[str, str]]:
    """(block type, plain text) per block; fails on any inline markup (links, HTML, code, emphasis)."""
    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(markdown)
    blocks = []
    for opening, inline in zip(tokens, tokens[1:], strict=False):
        if inline.type == "inline" and opening.type in ("heading_open", "paragraph_open"):
            kinds = {child.type for child in inline.children}
            blocks.append((opening.tag, "".join(c.content for c in inline.children), kinds))
    return blocks


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    answers = {"project_name": NAME, "description": DESCRIPTION, "author": AUTHOR}
    return {level: render({"level": level, **answers}, folder / str(level)) for level in LEVELS}


@pytest.mark.parametrize("level", LEVELS)
def test_every_generated_file_parses_with_hostile_answers(hostile, level):
    parsed = [path for path in hostile[level].rglob("*") if path.is_file() and _parse(path) is not None]
    assert any(path.suffix == ".toml" for path in parsed) and any(path.suffix == ".py" for path in parsed)


@pytest.mark.parametrize("level", LEVELS)
def test_pyproject_holds_the_answers_exactly(hostile, level):
    pyproject = hostile[level] / "pyproject.toml"
    if not pyproject.exists():
        pytest.skip("Level 0 has no pyproject.toml")
    project = tomllib.loads(pyproject.read_text())["project"]
    assert project["description"] == DESCRIPTION
    assert project["authors"] == [{"name": AUTHOR}]


@pytest.mark.parametrize("level", LEVELS)
def test_readme_and_model_card_show_the_answers_as_plain_text(hostile, level):
    readme = _markdown_text((hostile[level] / "README.md").read_text())
    assert readme[0][:2] == ("h1", NAME) and readme[0][2] == {"text"}
    assert readme[1][:2] == ("p", DESCRIPTION) and readme[1][2] == {"text"}
    card = hostile[level] / "MODEL_CARD.md"
    if card.exists():
        assert _markdown_text(card.read_text())[0][:2] == ("h1", f"Model card: {NAME}")


@pytest.mark.parametrize("level", LEVELS)
def test_notebooks_and_package_docstring_keep_the_answers(hostile, level):
    project = hostile[level]
    for notebook_path in sorted((project / "notebooks").glob("*.ipynb")):
        notebook = nbformat.read(notebook_path, as_version=4)
        intro = _markdown_text(notebook.cells[0].source)
        assert intro[0][1].startswith(f"{NAME}: ") and intro[0][2] == {"text"}
        if notebook_path.name.startswith("01"):
            assert ("p", DESCRIPTION, {"text"}) in intro
    for init in project.glob("src/*/__init__.py"):
        assert ast.get_docstring(ast.parse(init.read_text())).startswith(f"{NAME}: ")


@pytest.mark.parametrize(
    "description",
    ["# looks like a heading", "1. looks like a list", "- a bullet", "> a quote", "=== underline", "ends #"],
)
def test_block_syntax_at_the_start_stays_text(tmp_path, description):
    project = render({"level": 0, "description": description}, tmp_path)
    blocks = _markdown_text((project / "README.md").read_text())
    assert blocks[1][:2] == ("p", description)
