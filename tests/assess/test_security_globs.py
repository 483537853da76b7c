"""Issue 10, item 4: a pathological glob in `exclude` or a `.gitignore` cannot hang the assessment.

Each pattern below took over a minute with pathspec's regular expressions (or with git's own wildmatch, for
the `**/` chains), on one long name or one deep path; `ignorespec` matches them in linear time. The wall-clock
bounds are generous hang guards, not benchmarks. The semantics stay those of pathspec's GitIgnoreSpec.
"""

from __future__ import annotations

import time
from pathlib import Path

import pathspec
import pytest

from mlops_level.assess import run
from mlops_level.assess.facts import ignorespec
from mlops_level.assess.facts.config import read_settings
from mlops_level.assess.facts.ignorespec import IgnoreSpec
from mlops_level.assess.facts.repository import collect

from .conftest import init_repo

PATHOLOGICAL = [
    "*a*a*a*a*a*a*a*a*a*a*b",
    "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
    "**/**/**/**/**/**/**/**/**/**/**/**/x",
    "a/**/a/**/a/**/a/**/a/**/a/**/a/**/a/**/b",
    "**/a**a**a**a**a**a**a**a**a**a**b",
    "*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?b",
    "[a]*[a]*[a]*[ab]*[a]*[a]*[a]*[a]*[a]*c",
    "**/*a*/**/*a*/**/*a*/**/*a*/**/*a*/**/b",
]
LONG_NAME = "a" * 45
DEEP = "/".join(["a"] * 40) + "/" + "a" * 60


def _bounded(seconds: float = 5.0):
    start = time.monotonic()
    return lambda: time.monotonic() - start < seconds


@pytest.mark.parametrize("pattern", PATHOLOGICAL)
def test_pathological_patterns_match_in_linear_time(pattern):
    spec = IgnoreSpec.from_lines([pattern, "!" + pattern, pattern + "/"])
    within = _bounded(2.0)
    for path in (LONG_NAME, "a" * 250, DEEP, DEEP + "/", "/".join(["a"] * 1000)):
        spec.check_file(path)
    assert within()


def test_the_old_matcher_really_backtracks():
    """The control: pathspec's regex on a 26-character name already takes measurable, exponential time."""
    regex = pathspec.GitIgnoreSpec.from_lines([PATHOLOGICAL[0]])
    start = time.monotonic()
    regex.check_file("a" * 22)
    short = time.monotonic() - start
    start = time.monotonic()
    regex.check_file("a" * 26)
    assert time.monotonic() - start > 2 * short


def _project(root: Path, gitignore: list[str], exclude: list[str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    quoted = ", ".join(f"'{p}'" for p in exclude)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "x"\n\n[tool.mlops-level]\nexclude = [{quoted}]\n'
    )
    (root / ".gitignore").write_text("\n".join(gitignore) + "\n")
    (root / "train.py").write_text("print('train')\n")
    (root / f"{LONG_NAME}.py").write_text("x = 1\n")
    deep = root / DEEP
    deep.parent.mkdir(parents=True, exist_ok=True)
    deep.write_text("y = 2\n")
    (root / "sub" / LONG_NAME).mkdir(parents=True)
    (root / "sub" / LONG_NAME / f"{LONG_NAME}b").write_text("z\n")
    return root


@pytest.mark.parametrize("with_git", ["none", "tracked", "untracked"])
def test_assessing_with_pathological_exclude_and_gitignore_is_bounded(tmp_path, with_git):
    root = _project(tmp_path / "p", [], PATHOLOGICAL)
    if with_git == "tracked":
        init_repo(root)  # before the .gitignore exists: git's own matcher would hang on it
    elif with_git == "untracked":
        init_repo(root, commit=False)
    (root / ".gitignore").write_text("\n".join(PATHOLOGICAL) + "\n")
    within = _bounded()
    report = run(root)
    facts = collect(root)
    assert within()
    assert "train.py" in facts.files and report.rating is not None
    assert f"sub/{LONG_NAME}/{LONG_NAME}b" not in facts.files  # `*a*a...*b` does match this one


def test_a_git_repository_never_hands_its_gitignore_to_git(tmp_path):
    """git's own wildmatch is exponential on `**/` chains: the untracked files are listed by ignorespec."""
    root = _project(tmp_path / "p", ["**/**/**/**/**/**/**/**/**/**/**/**/**/x"], [])
    init_repo(root, commit=False)
    within = _bounded()
    facts = collect(root)
    assert within() and DEEP in facts.files


def test_exclude_semantics_are_kept(tmp_path):
    root = tmp_path / "p"
    for rel in ("vendor/a.py", "keep/vendor/b.py", "data/x.csv", "data/keep.csv", "docs/build/c.py", "d.py"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x = 1\n")
    settings = read_settings(
        {
            "pyproject.toml": {
                "tool": {"mlops-level": {"exclude": ["/vendor/", "data/*.csv", "!data/keep.csv", "**/build"]}}
            }
        }
    )
    spec = settings.exclude_spec
    assert [
        spec.match_file(p) for p in ("vendor/a.py", "keep/vendor/b.py", "data/x.csv", "data/keep.csv")
    ] == [
        True,
        False,
        True,
        False,
    ]
    assert spec.match_file("docs/build/c.py") and not spec.match_file("d.py")


def test_too_many_or_too_long_patterns_are_reported(tmp_path):
    root = tmp_path / "p"
    root.mkdir()
    (root / "train.py").write_text("x = 1\n")
    lines = [f"file{i}.txt" for i in range(ignorespec.MAX_PATTERNS + 5)] + ["*" * 5000, "/".join("a" * 100)]
    (root / ".gitignore").write_text("\n".join(["a" * 5000 + "*b", *lines]) + "\n")
    facts = collect(root)
    assert any(".gitignore" in w and "pattern(s) over" in w for w in facts.warnings)
    assert any(".gitignore" in w and f"only the first {ignorespec.MAX_PATTERNS}" in w for w in facts.warnings)
    settings = read_settings({".mlops-level.toml": {"exclude": ["*" * 5000, "vendor/"]}})
    assert any("`exclude`" in w and "not used" in w for w in settings.warnings)


def test_invalid_patterns_are_warnings_not_tracebacks():
    for patterns in (["foo\\"], ["!"], ["[z-a]"], ["[unclosed"], ["a\\/"]):
        settings = read_settings({".mlops-level.toml": {"exclude": patterns}})
        assert settings.exclude_spec is not None or any("invalid `exclude`" in w for w in settings.warnings)


CASES = [
    ("*.pyc", ["a.pyc", "x/a.pyc", "a.py", "a.pyc/", "x.pyc/y"]),
    ("/build", ["build", "build/", "build/x", "x/build"]),
    ("build/", ["build", "build/", "build/x", "x/build/y"]),
    ("a/**/b", ["a/b", "a/x/b", "a/x/y/b", "a/b/c", "x/a/b"]),
    ("**/foo/bar", ["foo/bar", "x/foo/bar", "x/foo/bar/y", "foo/baz"]),
    ("foo/**", ["foo", "foo/", "foo/x", "foo/x/y"]),
    ("doc/*.txt", ["doc/a.txt", "doc/x/a.txt", "a.txt"]),
    ("?at[ch]", ["cath", "bats", "xatc", "at"]),
    ("[!a]*", ["abc", "bcd", "x/abc"]),
    ("*", ["a", "a/b", "a/"]),
    ("*/", ["a", "a/b", "a/"]),
    ("\\#x", ["#x", "x"]),
    ("a b ", ["a b", "a b "]),
]


@pytest.mark.parametrize("pattern, paths", CASES)
def test_same_answers_as_pathspec(pattern, paths):
    for lines in ([pattern], [pattern, "!" + pattern], ["x", pattern, "!" + pattern + "/y"]):
        ours, theirs = IgnoreSpec.from_lines(lines), pathspec.GitIgnoreSpec.from_lines(lines)
        for path in paths:
            expected = theirs.check_file(path)
            assert ours.check_file(path) == ignorespec.Result(expected.include, expected.index), (lines, path)
