"""Which of many paths match a set of regular expressions, without running every regex on every path.

A path rule such as `(^|/)Pulumi\\.ya?ml$` can only match a path holding `Pulumi.y`. The paths are joined into
one string once; each rule's required literals (read from the regex's own parse: a run of plain characters,
or one literal per alternative of a group) are found there with `str.find`, at C speed, and the regex runs
only on the paths that hold one. A rule with no such literal (case-insensitive, or nothing but classes and
optional parts) runs on every path.
The regex always has the last word: the literal only decides which paths are worth asking.
"""

from __future__ import annotations

import bisect
import functools
import re

try:
    from re import _parser as _sre_parse  # Python 3.11+
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre_parse  # type: ignore[no-redef]

SEPARATOR = "\0"  # never part of a path: git and the file system both refuse it
MIN_LITERAL = 2  # shorter literals select nearly every path


@functools.lru_cache(maxsize=1024)
def required_literals(pattern: str) -> tuple[str, ...] | None:
    """Literals of which every match of `pattern` contains at least one (`(^|/)Pulumi\\.ya?ml$` -> `Pulumi.y`;
    `(Dockerfile|Containerfile)` -> both), or None when no useful set is found."""
    try:
        parsed = _sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError, ValueError):
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    try:
        return _needed(list(parsed))
    except RecursionError:
        return None


def _needed(items: list) -> tuple[str, ...] | None:
    """For a sequence of parsed items: the most selective set of literals, one of which every match holds."""
    options: list[tuple[str, ...]] = []
    run: list[str] = []
    for op, value in [*items, (None, None)]:
        if op is _sre_parse.LITERAL:
            run.append(chr(value))
            continue
        if run:
            options.append(("".join(run),))
            run = []
        if op is _sre_parse.SUBPATTERN:
            _, add_flags, _, inner = value
            found = None if add_flags & re.IGNORECASE else _needed(list(inner))
            if found:
                options.append(found)
        elif op is _sre_parse.BRANCH:
            branches = [_needed(list(branch)) for branch in value[1]]
            if all(branches):
                options.append(tuple(dict.fromkeys(x for branch in branches for x in branch)))
    useful = [o for o in options if min(map(len, o)) >= MIN_LITERAL and not any(SEPARATOR in x for x in o)]
    return max(useful, key=lambda o: (min(map(len, o)), -len(o))) if useful else None


class PathIndex:
    """A fixed list of paths, queried by regular expressions (`matching`)."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths
        self._text = SEPARATOR.join(paths)
        self._starts: list[int] = []
        position = 0
        for path in paths:
            self._starts.append(position)
            position += len(path) + 1

    def holding(self, literal: str) -> set[int]:
        """The indexes of the paths that contain `literal` (which holds no SEPARATOR)."""
        found: set[int] = set()
        text, starts = self._text, self._starts
        at = text.find(literal)
        while at != -1:
            index = bisect.bisect_right(starts, at) - 1
            found.add(index)
            following = index + 1
            if following == len(starts):
                break
            at = text.find(literal, starts[following])
        return found

    def matching(self, regexes: tuple[str, ...]) -> list[str]:
        """The paths (in their order) that any of the regexes matches (`re.search`)."""
        with_literal: list[str] = []
        candidates: set[int] = set()
        everywhere: list[str] = []
        for regex in regexes:
            literals = required_literals(regex)
            if literals is None:
                everywhere.append(regex)
            else:
                with_literal.append(regex)
                for literal in literals:
                    candidates |= self.holding(literal)
        paths = self.paths
        hits: set[int] = set()
        if with_literal and candidates:
            search = _combined(tuple(with_literal)).search
            hits.update(index for index in candidates if search(paths[index]))
        if everywhere:
            search = _combined(tuple(everywhere)).search
            hits.update(index for index, path in enumerate(paths) if search(path))
        return [paths[index] for index in sorted(hits)]


@functools.lru_cache(maxsize=256)
def _combined(regexes: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(f"(?:{regex})" for regex in regexes))
