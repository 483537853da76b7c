"""The level manifest: which rendered files belong to which levels.

Rules live in `manifest/*.txt` next to cookiecutter.json, one per line: `LEVELS PATTERN`, where LEVELS is
`N+` (level N and above), `N` (only N) or `N-M`, and PATTERN is a gitignore-style pattern matched against
paths in the rendered project. A file is kept when every rule matching it admits the level; a file no rule
matches is kept at every level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pathspec

_LEVELS = re.compile(r"^(\d+)(\+|-(\d+))?$")


@dataclass(frozen=True)
class Rule:
    low: int
    high: int | None  # None: no upper bound
    pattern: str
    origin: str  # "level1.txt:12", for error messages

    def admits(self, level: int) -> bool:
        return self.low <= level and (self.high is None or level <= self.high)

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
    found = _LEVELS.match(levels)
    if not found or not pattern.strip():
        raise ValueError(f"{origin}: expected 'LEVELS PATTERN' such as '1+ src/', got {text!r}")
    low = int(found.group(1))
    high = None if found.group(2) == "+" else int(found.group(3) or low)
    if high is not None and high < low:
        raise ValueError(f"{origin}: level range {levels!r} is empty")
    return Rule(low=low, high=high, pattern=pattern.strip(), origin=origin)


def load_rules(template_root: Path) -> list[Rule]:
    rules = []
    for path in sorted((template_root / "manifest").glob("*.txt")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            rule = parse_line(line, f"{path.name}:{number}")
            if rule is not None:
                rules.append(rule)
    return rules


def excluded(paths: list[str], level: int, rules: list[Rule]) -> list[str]:
    """The paths (POSIX, relative to the project) that the level leaves out."""
    return [path for path in paths if any(rule.matches(path) and not rule.admits(level) for rule in rules)]
