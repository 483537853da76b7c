"""Path queries with a literal prefilter answer exactly what running every regex on every path answers."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_level.assess.facts.pathindex import PathIndex, required_literals


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"(^|/)Pulumi\.ya?ml$", ("Pulumi.y",)),
        (r"(^|/)(Dockerfile|Containerfile)[^/]*$", ("Dockerfile", "Containerfile")),
        (r"(x)?foo", ("foo",)),  # an optional group is not required
        (r"(?i:dock)er", ("er",)),  # a case-insensitive group is not a literal
        (r"(?i)readme", None),
        (r"(^|/)(a|bc)/", None),  # one alternative is too short to select anything
        (r"[^/]+\.", None),
        (r"(?=mlflow)\w+", None),  # a lookahead consumes nothing: not used
    ],
)
def test_required_literals_are_read_from_the_parse(pattern, expected):
    assert required_literals(pattern) == expected


FRAGMENTS = ["a", "b", "ab", "Docker", "file", ".y", "ml", "/", ".", "x", "AB", "\n", "é"]
PIECES = [
    "ab",
    "Docker",
    r"\.ya?ml",
    "(^|/)",
    "$",
    "[^/]*",
    "(Docker|file)",
    "(a|AB|x)",
    "(?i:docker)",
    "(ml)?",
    r"\b",
    ".",
    "x+",
]

paths = st.lists(st.lists(st.sampled_from(FRAGMENTS), max_size=6).map("".join), max_size=40)
patterns = st.lists(st.sampled_from(PIECES), min_size=1, max_size=4).map("".join)


@settings(max_examples=300, deadline=None)
@given(paths=paths, regexes=st.lists(patterns, min_size=1, max_size=3))
def test_the_prefilter_never_changes_the_answer(paths, regexes):
    combined = re.compile("|".join(f"(?:{r})" for r in regexes))
    assert PathIndex(paths).matching(tuple(regexes)) == [p for p in paths if combined.search(p)]


def test_paths_holding_a_literal_are_found_once_each_in_order():
    index = PathIndex(["a/ml.yml", "ml/ml.yaml", "data/x.csv", "ml"])
    assert index.holding("ml") == {0, 1, 3}
    assert index.matching((r"\.ya?ml$", r"^data/")) == ["a/ml.yml", "ml/ml.yaml", "data/x.csv"]
