"""Per-format escaping of user text for the bundled template: one Jinja extension, registered once.

cookiecutter.json lists `mlops_level.scaffold.escape.EscapeExtension` in `_extensions`, so every
environment that renders the template (mlops-level's own and plain cookiecutter/cruft) has these filters.
A template puts a user's answer in a file only through the filter of that file's format:

    description = {{ cookiecutter.description|toml_str }}      (pyproject.toml: a quoted TOML string)
    # {{ cookiecutter.project_name|md_text }}                  (README.md: Markdown inline text)
    \"\"\"{{ cookiecutter.project_name|py_doc }}: ...\"\"\"     (inside a Python docstring)

Each filter returns text that its format's parser reads back as exactly the input (the quoted filters
include their quotes), whatever the input holds: quotes, backslashes, `#`, unicode, control characters.
"""

from __future__ import annotations

import json
import re
import unicodedata

from jinja2.ext import Extension

# Line breaks other than \n that some parsers honour (YAML 1.1, Python's str.splitlines, Markdown viewers).
_LINE_BREAKS = "\x85\u2028\u2029"


def _is_unsafe(char: str) -> bool:
    """Control characters, surrogates and line/paragraph separators: never written raw by any filter."""
    return unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") or char in _LINE_BREAKS


def _unicode_escape(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


_TOML_SHORT = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def toml_str(value: object) -> str:
    """A TOML basic string, quotes included: `The "best"` -> `"The \\"best\\""`."""
    out = []
    for char in str(value):
        if char in _TOML_SHORT:
            out.append(_TOML_SHORT[char])
        elif unicodedata.category(char) == "Cs":
            out.append("\\uFFFD")  # TOML has no escape for a lone surrogate (invalid UTF-8 in argv)
        elif _is_unsafe(char):
            out.append(_unicode_escape(char))
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


_YAML_SHORT = {'"': '\\"', "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0"}
_YAML_PRINTABLE = re.compile("[\x09\x0a\x0d\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def yaml_str(value: object) -> str:
    """A YAML double-quoted scalar, quotes included; anything YAML would not print raw is escaped."""
    out = []
    for char in str(value):
        if char in _YAML_SHORT:
            out.append(_YAML_SHORT[char])
        elif unicodedata.category(char) == "Cs":
            out.append("\\uFFFD")
        elif _is_unsafe(char) or not _YAML_PRINTABLE.match(char) or char == "\ufeff":
            out.append(_unicode_escape(char))
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def json_str(value: object) -> str:
    """A JSON string, quotes included, ASCII only (every non-ASCII character as a \\u escape)."""
    return json.dumps(str(value), ensure_ascii=True)


def _py_escape(text: str, quote: str) -> str:
    out = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char == quote:
            out.append("\\" + quote)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif unicodedata.category(char) == "Cs":
            out.append("\\ufffd")
        elif _is_unsafe(char) or char == "\ufeff" or unicodedata.category(char) == "Cf":
            # Cf: bidirectional overrides and other invisible format characters ("Trojan source")
            out.append(f"\\x{ord(char):02x}" if ord(char) < 0x100 else _unicode_escape(char).lower())
        else:
            out.append(char)
    return "".join(out)


def py_str(value: object) -> str:
    """A Python string literal, double quotes included."""
    return '"' + _py_escape(str(value), '"') + '"'


def py_doc(value: object) -> str:
    """Text for inside a `\"\"\"docstring\"\"\"`: every quote and backslash escaped, one line."""
    return _py_escape(str(value), '"')


# Characters Markdown (CommonMark, GFM, Jupyter's MathJax) may treat as syntax anywhere on a line.
# `#` too: a trailing ` #` would be taken as an ATX heading's closing sequence and dropped.
_MD_ANYWHERE = set("\\`*_[]<>|~$&#")
# Characters that start a block (quote, list, setext underline, table) at the start of a line.
_MD_LINE_START = set(">+-=:")
_MD_ORDERED = re.compile(r"^(\d{1,9})([.)])")


def one_line(value: object) -> str:
    """The text on one line: every line break, tab and control character becomes a space."""
    return "".join(" " if _is_unsafe(char) else char for char in str(value))


def md_text(value: object) -> str:
    """Markdown inline text that renders as exactly the input: no headings, links, HTML, code or math."""
    text = one_line(value).strip()
    out = ["\\" + char if char in _MD_ANYWHERE else char for char in text]
    escaped = "".join(out)
    if escaped and escaped[0] in _MD_LINE_START:
        escaped = "\\" + escaped
    return _MD_ORDERED.sub(lambda found: f"{found.group(1)}\\{found.group(2)}", escaped, count=1)


def printable(value: object, keep_newlines: bool = False) -> str:
    """Text safe to print on a terminal (TTY or not): control characters (ANSI escapes included), line
    separators and invisible format characters (bidirectional overrides) are shown as escapes.
    `keep_newlines`: multi-line text (a script, a step's output) keeps its newlines and tabs."""
    out = []
    for char in str(value):
        if char in "\n\t" and keep_newlines:
            out.append(char)
        elif _is_unsafe(char) or unicodedata.category(char) == "Cf":
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


FILTERS = {
    "toml_str": toml_str,
    "yaml_str": yaml_str,
    "json_str": json_str,
    "py_str": py_str,
    "py_doc": py_doc,
    "md_text": md_text,
    "one_line": one_line,
}


class EscapeExtension(Extension):
    """Adds the escaping filters to a Jinja environment (listed in the template's `_extensions`)."""

    def __init__(self, environment):
        super().__init__(environment)
        environment.filters.update(FILTERS)
