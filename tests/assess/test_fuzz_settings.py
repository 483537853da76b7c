"""Fuzz: `[tool.mlops-level]` tables of any shape and any gitignore/exclude globs never stop an assessment.

Seeded (derandomize) and bounded (a fixed number of examples, a deadline per example), so the test is
repeatable and fast. Each example writes a pyproject.toml with a random `[tool.mlops-level]` table (or a
`.mlops-level.toml`) and a random `.gitignore`, runs `mlops-level assess` through the CLI runner, and asserts:
no traceback, an exit code with its documented meaning (0 report, 1 below --fail-under, 2 bad input), and a
bounded time. A second test checks the linear matcher against pathspec on globs of random shape.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import pathspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mlops_level.app import app
from mlops_level.assess.facts.ignorespec import IgnoreSpec, Result
from mlops_level.errors import UserError

runner = CliRunner()
GLOB_ATOMS = st.sampled_from(
    ["a", "b", "*", "**", "?", "/", "[ab]", "[a-c]", "!", "\\*", "\\", "#", " ", "[", "x"]
)
GLOBS = st.lists(GLOB_ATOMS, min_size=1, max_size=14).map("".join)
KEYS = st.sampled_from(["ignore", "exclude", "skip-templates", "verify", "new", "ML201", "x", "tool", ""])
SCALARS = st.one_of(
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    GLOBS,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(KEYS | st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
TABLES = st.dictionaries(KEYS, VALUES, max_size=5)


def _toml_key(key: str) -> str:
    return json.dumps(key)  # a basic string: always a valid TOML key


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if "e" in repr(value) or "." in repr(value) else f"{value}.0"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"


def _write(root: Path, table: dict, gitignore: list[str], dotfile: bool) -> None:
    body = "\n".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items())
    if dotfile:
        (root / ".mlops-level.toml").write_text(body + "\n", encoding="utf-8")
    else:
        (root / "pyproject.toml").write_text(
            f'[project]\nname = "p"\n\n[tool.mlops-level]\n{body}\n', encoding="utf-8"
        )
    (root / ".gitignore").write_text("\n".join(gitignore) + "\n", encoding="utf-8")
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "src" / "pkg" / "train.py").write_text("import mlflow\nmlflow.start_run()\n")
    (root / ("a" * 30)).write_text("x\n")
    (root / "ab" / "ab").mkdir(parents=True)
    (root / "ab" / "ab" / ("ab" * 20)).write_text("y\n")


def _exit_code(args: list[str]) -> int:
    result = runner.invoke(app, args)
    if isinstance(result.exception, UserError):
        return result.exception.exit_code  # what app.main prints as one line
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code


@settings(
    derandomize=True,
    max_examples=30,
    deadline=5000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    table=TABLES, gitignore=st.lists(GLOBS, max_size=6), dotfile=st.booleans(), fail_under=st.integers(0, 2)
)
def test_any_settings_table_and_globs_give_a_documented_exit_code(table, gitignore, dotfile, fail_under):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        _write(root, table, gitignore, dotfile)
        start = time.monotonic()
        code = _exit_code(["assess", str(root), "--format", "json", "--fail-under", str(fail_under)])
        assert code in (0, 1, 2)
        assert time.monotonic() - start < 5


@settings(derandomize=True, max_examples=20, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(exclude=st.lists(GLOBS | st.text(max_size=8), max_size=6))
def test_any_exclude_list_gives_a_documented_exit_code(exclude):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        _write(root, {"exclude": exclude}, [], dotfile=False)
        start = time.monotonic()
        assert _exit_code(["assess", str(root), "--format", "markdown"]) in (0, 2)
        assert time.monotonic() - start < 5


PATH_SEGMENTS = st.lists(st.text(alphabet="abx*-", min_size=1, max_size=4), min_size=1, max_size=4)


@settings(derandomize=True, max_examples=300, deadline=1000)
@given(
    lines=st.lists(GLOBS.filter(lambda g: "[!" not in g), min_size=1, max_size=4),
    parts=PATH_SEGMENTS,
    folder=st.booleans(),
)
def test_linear_matcher_agrees_with_pathspec(lines, parts, folder):
    path = "/".join(parts) + ("/" if folder else "")
    try:
        theirs = pathspec.GitIgnoreSpec.from_lines(lines)
    except ValueError:
        try:
            IgnoreSpec.from_lines(lines)
        except ValueError:
            return
        raise AssertionError(f"pathspec refuses {lines!r}, ignorespec accepts it") from None
    expected = theirs.check_file(path)
    assert IgnoreSpec.from_lines(lines).check_file(path) == Result(expected.include, expected.index)
