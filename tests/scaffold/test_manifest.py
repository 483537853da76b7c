from __future__ import annotations

import pytest

from mlops_level.scaffold.manifest import excluded, parse_line

PATHS = ["README.md", "predict.py", "src/pkg/data.py", ".github/workflows/ci.yml"]


def rules(*lines):
    return [parse_line(line, f"t:{n}") for n, line in enumerate(lines)]


def test_comments_and_blank_lines_are_skipped():
    assert parse_line("  # comment", "t:1") is None
    assert parse_line("", "t:2") is None


@pytest.mark.parametrize(
    ("levels", "admitted"), [("1+", [1, 2]), ("0", [0]), ("1-2", [1, 2]), ("0-1", [0, 1])]
)
def test_level_forms(levels, admitted):
    rule = parse_line(f"{levels} x", "t:1")
    assert [level for level in (0, 1, 2) if rule.admits(level)] == admitted


@pytest.mark.parametrize("line", ["src/", "x src/", "2-1 src/", "1+"])
def test_bad_lines(line):
    with pytest.raises(ValueError, match="t:1"):
        parse_line(line, "t:1")


def test_excluded_by_level():
    manifest = rules("0 predict.py", "1+ src/", "2+ .github/")
    assert excluded(PATHS, 0, manifest) == ["src/pkg/data.py", ".github/workflows/ci.yml"]
    assert excluded(PATHS, 1, manifest) == ["predict.py", ".github/workflows/ci.yml"]
    assert excluded(PATHS, 2, manifest) == ["predict.py"]


def test_every_matching_rule_must_admit():
    manifest = rules("1+ src/", "2 src/pkg/data.py")
    assert excluded(PATHS, 1, manifest) == ["src/pkg/data.py"]
    assert excluded(PATHS, 2, manifest) == []
