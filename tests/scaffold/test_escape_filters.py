"""Issue 10, class 9: the template's escaping filters read back as exactly their input, in each format.

Seeded, time-bounded property tests over arbitrary text (quotes, backslashes, `#`, unicode, control
characters, surrogates), plus the cases that broke generated files before.
"""

from __future__ import annotations

import ast
import json
import sys
import unicodedata

import pytest
import yaml
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from mlops_level.scaffold.escape import (
    FILTERS,
    json_str,
    md_text,
    one_line,
    printable,
    py_doc,
    py_str,
    toml_str,
    yaml_str,
)
from mlops_level.scaffold.template import variables

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NASTY = [
    'The "best" model \\ ever',
    "# not a comment, \\n is no newline",
    "trailing backslash \\",
    "ünïcødé — 模型 🚀 𝔘",
    "'''\"\"\"",
    "tab\there, bell\a, escape \x1b[2J, nul \0, del \x7f, nel \x85, ls \u2028",
    "bidi \u202e override \u2066 and bom \ufeff",
    "key: value - [a, b] {c: d} &anchor *alias !tag |",
]
no_surrogates = st.text(st.characters(blacklist_categories=("Cs",)))


def _unsurrogate(text: str) -> str:
    return "".join("\ufffd" if unicodedata.category(char) == "Cs" else char for char in text)


@pytest.mark.parametrize("text", NASTY)
def test_nasty_text_reads_back_in_every_format(text):
    assert tomllib.loads(f"x = {toml_str(text)}")["x"] == text
    assert yaml.safe_load(f"x: {yaml_str(text)}")["x"] == text
    assert json.loads(json_str(text)) == text and json_str(text).isascii()
    assert ast.literal_eval(py_str(text)) == text
    assert ast.literal_eval(f'"""{py_doc(text)}: more."""') == f"{text}: more."


@seed(20240610)
@FAST
@given(st.text())
def test_toml_yaml_json_python_read_back_any_text(text):
    expected = _unsurrogate(text)
    assert tomllib.loads(f"x = {toml_str(text)}\n")["x"] == expected
    assert yaml.safe_load(f"x: {yaml_str(text)}\n")["x"] == expected
    assert json.loads(json_str(text)) == text
    assert ast.literal_eval(py_str(text)) == expected
    assert ast.literal_eval(f'"""{py_doc(text)}"""') == expected


@seed(20240611)
@FAST
@given(st.text())
def test_escaped_text_is_one_line_and_free_of_control_characters(text):
    for name in ("toml_str", "yaml_str", "json_str", "py_str", "py_doc", "md_text", "one_line"):
        out = FILTERS[name](text)
        assert "\n" not in out and "\r" not in out
        assert not any(unicodedata.category(char) in ("Cc", "Zl", "Zp", "Cs") for char in out), name
    assert not any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in printable(text))


def _inline_text(markdown: str) -> tuple[list[str], str]:
    """(the block token types, the plain text of the inline content) of CommonMark + tables/strikethrough."""
    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(markdown)
    blocks = [token.type for token in tokens]
    inline = [child for token in tokens if token.type == "inline" for child in token.children or []]
    assert all(child.type == "text" for child in inline), [child.type for child in inline]
    return blocks, "".join(child.content for child in inline)


@pytest.mark.parametrize(
    "text",
    [
        *NASTY,
        "# heading",
        "## MLOps maturity: Level 2 ✅",
        "1. a list",
        "2) another",
        "- item",
        "+ item",
        "> quote",
        "=== setext",
        "model #",
        "[x](javascript:alert(1)) ![img](https://evil.example/x.png)",
        "<script>alert(1)</script> <b>bold</b> <!-- c -->",
        "*em* _em_ **strong** `code` ~~gone~~ $x^2$ | a | b |",
        "&amp; &#x41; &copy;",
        "a  b    c",
    ],
)
def test_markdown_text_renders_as_exactly_the_input(text):
    expected = one_line(text).strip()
    for context in ("{}", "# {}", "# Model card: {}"):
        blocks, shown = _inline_text(context.format(md_text(text)) + "\n")
        assert blocks in (
            ["paragraph_open", "inline", "paragraph_close"],
            ["heading_open", "inline", "heading_close"],
        )
        assert shown == (expected if context == "{}" else context[2:].format(expected))


@seed(20240612)
@FAST
@given(no_surrogates.map(lambda text: " ".join(one_line(text).split())))
def test_markdown_text_renders_as_any_input(text):
    if not text:
        return
    blocks, shown = _inline_text(md_text(text) + "\n")
    assert blocks == ["paragraph_open", "inline", "paragraph_close"]
    assert shown == text


def test_filters_are_registered_once_in_the_template():
    assert variables()["_extensions"] == ["mlops_level.scaffold.escape.EscapeExtension"]


def test_printable_shows_terminal_escapes_instead_of_sending_them():
    assert printable("a\x1b[2Jb\rc\u202ed") == "a\\x1b[2Jb\\x0dc\\u202ed"
    assert printable("one\ntwo\tthree", keep_newlines=True) == "one\ntwo\tthree"
    assert printable("one\ntwo") == "one\\x0atwo"
