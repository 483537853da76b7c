"""The level manifest: which rendered files belong to which levels.

Rules live in `manifest/*.txt` next to cookiecutter.json, one per line: `LEVELS [KEY=VALUE] PATTERN`, where
LEVELS is `N+` (level N and above), `N` (only N) or `N-M`, the optional KEY=VALUE is an answer the file also
needs (`2+ feature_store=feast /feature_repo/`), and PATTERN is a gitignore-style pattern matched against
paths in the rendered project. A file is kept when every rule matching it admits the level and the answers;
a file no rule matches is kept at every level.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pathspec

_LEVELS = re.compile(r"^(\d+)(\+|-(\d+))?$")
_ANSWER = re.compile(r"^([a-z][a-z0-9_]*)=(\S+)$")


@dataclass(frozen=True)
class Rule:
    low: int
    high: int | None  # None: no upper bound
    pattern: str
    origin: str  # "level1.txt:12", for error messages
    answer: tuple[str, str] | None = None  # (key, value) the answers must hold too

    def admits(self, level: int, answers: Mapping[str, str] | None = None) -> bool:
        in_range = self.low <= level and (self.high is None or level <= self.high)
        if self.answer is None:
            return in_range
        key, value = self.answer
        return in_range and (answers or {}).get(key) == value

    @cached_property
    def spec(self) -> pathspec.GitIgnoreSpec:
        return pathspec.GitIgnoreSpec.from_lines([self.pattern])

    def matches(self, path: str) -> bool:
        return self.spec.match_file(path)


def parse_line(line: str, origin: str) -> Rule | None:
    """One manifest line to a Rule; blank lines and `#` comments give None."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    levels, _, pattern = text.partition(" ")
    condition = _ANSWER.match(pattern.strip().partition(" ")[0])
    if condition:
        pattern = pattern.strip().partition(" ")[2]
    found = _LEVELS.match(levels)
    if not found or not pattern.strip():
        raise ValueError(f"{origin}: expected 'LEVELS [KEY=VALUE] PATTERN' such as '1+ src/', got {text!r}")
    low = int(found.group(1))
    high = None if found.group(2) == "+" else int(found.group(3) or low)
    if high is not None and high < low:
        raise ValueError(f"{origin}: level range {levels!r} is empty")
    answer = (condition.group(1), condition.group(2)) if condition else None
    return Rule(low=low, high=high, pattern=pattern.strip(), origin=origin, answer=answer)


def load_rules(template_root: Path) -> list[Rule]:
    rules = []
    for path in sorted((template_root / "manifest").glob("*.txt")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            rule = parse_line(line, f"{path.name}:{number}")
            if rule is not None:
                rules.append(rule)
    return rules


def excluded(
    paths: list[str], level: int, rules: list[Rule], answers: Mapping[str, str] | None = None
) -> list[str]:
    """The paths (POSIX, relative to the project) that the level and the answers leave out."""
    return [
        path
        for path in paths
        if any(rule.matches(path) and not rule.admits(level, answers) for rule in rules)
    ]
