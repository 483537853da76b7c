"""Gitignore-style patterns (`.gitignore`, info/exclude, the `exclude` setting) matched in linear time.

pathspec's `GitIgnoreSpec` (used by `scaffold` on the tool's own templates) translates each pattern into one
backtracking regular expression: `*a*a*a*a*a*a*a*a*a*a*b` against a 45-character name, or a chain of `**/`
against a deep path, takes minutes (git's own wildmatch is exponential on the second kind too). A scanned
repository writes these patterns, so `assess` matches them here instead, with the same semantics as
`GitIgnoreSpec` (checked against it in the tests) but an algorithm whose cost is bounded by
(pattern length x path length):

- a pattern is split into `/`-separated segments; `**` segments match any number of path segments, every
  other segment matches exactly one; blocks of segments between `**` are placed leftmost, greedily, which is
  exact for "match anything" separators;
- inside a segment, the pieces between `*` have a fixed width: each is a quantifier-free regular expression,
  placed leftmost after the previous one, with the first anchored at the start and the last at the end.

A file holding more than MAX_PATTERNS patterns is cut to size, and a pattern longer than MAX_PATTERN_CHARS
or with more than MAX_SEGMENTS segments is not used; the caller reports both (`problems`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

MAX_PATTERNS = 1000  # per file: github/gitignore's largest templates hold a few hundred
MAX_PATTERN_CHARS = 1024
MAX_SEGMENTS = 64  # `/`-separated segments in one pattern
_STARSTAR = None  # a `**` segment in a normalised pattern


class _RangeError(ValueError):
    """An unclosed `[`: git discards the pattern."""


class _Glob:
    """One path segment of a pattern (no `/`), compiled into fixed-width pieces separated by `*`."""

    __slots__ = ("pieces", "widths", "starred", "nonempty", "longest")

    def __init__(self, text: str) -> None:
        self.nonempty = text == "*"  # pathspec: a whole-segment `*` needs at least one character
        pieces: list[list[str]] = [[]]
        runs = [""]  # runs of literal characters: a path matching the glob contains each of them
        i, end = 0, len(text)
        while i < end:
            char = text[i]
            i += 1
            if char == "\\":
                if i >= end:
                    raise ValueError(f"Escape character found with no next character to escape: {text!r}")
                char = text[i]
                i += 1
            elif char in "*?[":
                runs.append("")
                if char == "*":
                    if pieces[-1] or len(pieces) == 1:
                        pieces.append([])
                elif char == "?":
                    pieces[-1].append(".")
                else:
                    atom, i = _bracket(text, i)
                    pieces[-1].append(atom)
                continue
            pieces[-1].append(re.escape(char))
            runs[-1] += char
        self.longest = max(runs, key=len)
        self.starred = len(pieces) > 1
        self.widths = [len(piece) for piece in pieces]
        self.pieces = [re.compile("".join(piece), re.S) for piece in pieces]

    def match(self, segment: str) -> bool:
        if self.nonempty:
            return bool(segment)
        pieces, widths = self.pieces, self.widths
        if not self.starred:
            return len(segment) == widths[0] and pieces[0].match(segment) is not None
        if len(segment) < widths[0] + widths[-1] or pieces[0].match(segment) is None:
            return False
        pos = widths[0]
        for piece in pieces[1:-1]:
            found = piece.search(segment, pos)
            if found is None:
                return False
            pos = found.end()
        start = len(segment) - widths[-1]
        return start >= pos and pieces[-1].match(segment, start) is not None


def _bracket(text: str, i: int) -> tuple[str, int]:
    """The regex of the bracket expression starting after `[` at `i`, and the index after its `]`.

    As pathspec: `!` or `^` negates, a `]` first is literal, the expression ends at the next `]`, every other
    character is literal (backslash included) except ranges `a-z`; a reversed range matches nothing (git)."""
    end = len(text)
    j = i
    if j < end and text[j] in "!^":
        j += 1
    if j < end and text[j] == "]":
        j += 1
    while j < end and text[j] != "]":
        j += 1
    if j >= end:
        raise _RangeError(text)
    negate = text[i] in "!^"
    body = text[i + 1 if negate else i : j]
    members: list[str] = []
    k = 0
    while k < len(body):
        if k + 2 < len(body) and body[k + 1] == "-":
            low, high = body[k], body[k + 2]
            if low <= high:
                members.append(f"{_code(low)}-{_code(high)}")
            k += 3
        else:
            members.append(_code(body[k]))
            k += 1
    if not members:
        return ("." if negate else "(?!)"), j + 1
    return f"[{'^' if negate else ''}{''.join(members)}]", j + 1


def _code(char: str) -> str:
    return f"\\U{ord(char):08x}"


class Pattern:
    """One line: `pattern` as written, `include` True (ignores), False (`!` re-includes) or None (no-op)."""

    __slots__ = ("pattern", "include", "kind", "items", "is_dir", "needle")

    def __init__(self, line: str) -> None:
        self.pattern = line
        self.include: bool | None = None
        self.kind = "none"  # none | any | slash | segments
        self.items: list[_Glob | None] = []
        self.is_dir = False
        self.needle = ""
        if len(line) > MAX_PATTERN_CHARS or line.count("/") > MAX_SEGMENTS:
            return
        text = line if line.endswith("\\ ") else line.rstrip()
        if not text or text.startswith("#") or text == "/":
            return
        include = True
        if text.startswith("!"):
            include = False
            text = text[1:]
        segments = text.split("/")
        self.is_dir = not segments[-1]
        if not segments[0]:
            del segments[0]
        elif (len(segments) == 1 or (len(segments) == 2 and not segments[1])) and segments[0] != "**":
            segments.insert(0, "**")
        if not segments:
            raise ValueError(f"Invalid git pattern: {line!r}")
        if not segments[-1]:
            segments[-1] = "**"
        segments = [s for k, s in enumerate(segments) if not (s == "**" and k and segments[k - 1] == "**")]
        if segments == ["**"]:
            self.kind = "slash" if self.is_dir else "any"
        elif segments == ["**", "*"]:
            self.kind = "any"
        elif segments == ["**", "*", "**"]:
            self.kind = "slash"
        else:
            try:
                self.items = [_STARSTAR if s == "**" else _Glob(s) for s in segments]
            except _RangeError:
                return  # git discards a pattern with an unclosed `[`
            self.kind = "segments"
            self.needle = max((g.longest for g in self.items if g is not None), key=len, default="")
        self.include = include

    def match(self, path: str) -> bool | None:
        """None when `path` does not match; else whether it matched as a folder above it (pathspec's
        directory mark: a match of lower priority)."""
        kind = self.kind
        if kind == "any":
            return False if path else None
        if kind == "slash":
            return self.is_dir if "/" in path else None
        if kind == "none" or (self.needle and self.needle not in path):
            return None
        parts = path.split("/")
        items = self.items
        if items[-1] is _STARSTAR:
            return self.is_dir if len(parts) > 1 and _segments_match(items, parts[:-1]) else None
        if _segments_match(items, parts):
            return False
        if len(parts) > 1 and _segments_match([*items, _STARSTAR], parts[:-1]):
            return True
        return None


def _segments_match(items: list[_Glob | None], parts: list[str]) -> bool:
    """Whether the segments match the whole path: `**` spans any number of segments (greedy leftmost)."""
    blocks: list[list[_Glob]] = [[]]
    for item in items:
        if item is _STARSTAR:
            blocks.append([])
        else:
            blocks[-1].append(item)
    if len(blocks) == 1:
        return len(parts) == len(items) and all(g.match(p) for g, p in zip(items, parts, strict=True))
    first, middle, last = blocks[0], blocks[1:-1], blocks[-1]
    if len(parts) < len(first) + len(last) or not _block_at(first, parts, 0):
        return False
    pos = len(first)
    limit = len(parts) - len(last)
    for block in middle:
        start = pos
        while start + len(block) <= limit and not _block_at(block, parts, start):
            start += 1
        if start + len(block) > limit:
            return False
        pos = start + len(block)
    return _block_at(last, parts, limit)


def _block_at(block: list[_Glob], parts: list[str], start: int) -> bool:
    return all(glob.match(parts[start + k]) for k, glob in enumerate(block))


@dataclass(frozen=True)
class Result:
    include: bool | None  # True: ignored (excluded); False: re-included by a `!` pattern; None: no match
    index: int | None  # the deciding pattern


@dataclass
class IgnoreSpec:
    """The patterns of one file (or setting), in order, with pathspec's `GitIgnoreSpec` semantics."""

    patterns: list[Pattern] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what was cut to size, for the caller's warning

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> IgnoreSpec:
        """Compile the lines; ValueError for a pattern git cannot read (a trailing backslash ...)."""
        spec = cls()
        long = 0
        for count, line in enumerate(lines):
            if count >= MAX_PATTERNS:
                spec.problems.append(f"only the first {MAX_PATTERNS} patterns are used")
                break
            pattern = Pattern(line)
            long += len(line) > MAX_PATTERN_CHARS or line.count("/") > MAX_SEGMENTS
            spec.patterns.append(pattern)
        if long:
            spec.problems.append(
                f"{long} pattern(s) over {MAX_PATTERN_CHARS} characters or {MAX_SEGMENTS} segments "
                "are not used"
            )
        return spec

    def check_file(self, path: str) -> Result:
        """The last pattern matching `path` decides; a match as a file beats one as a folder above it."""
        found: bool | None = None
        index: int | None = None
        priority = 0
        for k in range(len(self.patterns) - 1, -1, -1):
            pattern = self.patterns[k]
            if pattern.include is None:
                continue
            mark = pattern.match(path)
            if mark is None:
                continue
            level = 1 if mark else 2
            if level > priority:
                found, index, priority = pattern.include, k, level
            if level == 2:
                break
        return Result(found, index)

    def match_file(self, path: str) -> bool:
        return bool(self.check_file(path).include)
