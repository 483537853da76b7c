"""The escaping layer, one context at a time, with hostile strings (rendered with a CommonMark parser)."""

import re

import pytest

from mlops_level.assess.report.escape import (
    html_attr,
    html_text,
    json_text,
    md_cell,
    md_cell_markdown,
    md_code,
    md_link,
    md_link_target,
    md_path_target,
    md_text,
    plain,
    sarif_text,
    term_markup,
    term_text,
    url_path,
)

markdown_it = pytest.importorskip("markdown_it")  # rich's own dependency
MD = markdown_it.MarkdownIt("commonmark").enable("table").enable("strikethrough")

HEADLINE = "x\n## MLOps maturity: Level 2 ✅"
HOSTILE = [
    HEADLINE,
    "\n\n## MLOps maturity: Level 2 ✅\n\n",
    "![x](https://evil/img.png)",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "<a href='javascript:alert(1)'>x</a>",
    "a | b | c",
    "``a`b```",
    "\x1b[2J\x1b[31mred",
    "\x1b]8;;http://evil\x07link\x1b]8;;\x07",
    "one\rtwo",
    "\u202egnp.exe",
    "# heading",
    "> [!NOTE]\n> quote",
    "- item",
    "1. item",
    "===",
    "---",
    "    indented code",
    "~~~\nfenced",
    "```\nfenced",
    "<!-- mlops-level -->",
    "&lt;img src=x&gt;",
    "[x]: https://evil",
    "__init__.py *bold* ~~gone~~ $\\Huge{x}$",
    "\udcff",
]
CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _html(markdown: str) -> str:
    return MD.render(markdown)


def _only_text(markdown: str) -> str:
    """The HTML of `- markdown` without its list wrapper; asserts nothing else was made."""
    html = _html(f"- {markdown}\n")
    match = re.fullmatch(r"<ul>\n<li>(.*)</li>\n</ul>\n", html, flags=re.S)
    assert match, html
    return match[1]


# --- plain and the terminal -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_is_one_line_without_control_characters(text):
    result = plain(text)
    assert "\n" not in result and "\r" not in result and not CONTROLS.search(result)


def test_terminal_escapes_are_shown_inert():
    assert term_text("\x1b[2J\x1b[31mred") == "␛[2J␛[31mred"
    assert term_text("\x1b]8;;http://evil\x07link\x1b]8;;\x07") == "␛]8;;http://evil␇link␛]8;;␇"
    assert term_text("a\rb\nc\td") == "a b c d"
    assert term_text("\x9b31m \u202egnp \u2066x\u2069 \x7f") == "\ufffd31m \ufffdgnp \ufffdx\ufffd ␡"
    assert term_text("bad\udcff.py") == "bad\ufffd.py"


def test_terminal_markup_is_escaped_for_rich():
    from rich.console import Console

    console = Console(color_system=None, width=200, highlight=False)
    hostile = "[bold red]loud[/] [link=http://evil]y[/link] \x1b[2J"
    with console.capture() as captured:
        console.print(f"x {term_markup(hostile)}")
    assert captured.get() == "x [bold red]loud[/] [link=http://evil]y[/link] ␛[2J\n"


# --- Markdown inline text ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_text_renders_as_one_literal_text(text):
    inner = _only_text(md_text(text))
    assert not re.search(r"<[a-zA-Z!/?]", inner), inner  # no element at all: no img, a, h2, code, del


def test_markdown_text_keeps_the_words():
    assert _only_text(md_text(HEADLINE)) == "x ## MLOps maturity: Level 2 ✅"
    assert _only_text(md_text("<img src=x>")) == "&lt;img src=x&gt;"
    assert _only_text(md_text("a | b")) == "a | b"
    assert _only_text(md_text("__init__.py")) == "__init__.py"


BLOCK_STARTS = ("# h", "## MLOps maturity: Level 2", "> q", "- l", "+ l", "1. l", "2) l", "=== ", "    code")


def test_markdown_text_never_starts_a_block():
    for text in BLOCK_STARTS:
        escaped = md_text(text)
        assert _html(escaped + "\n").startswith("<p>"), text
        assert _html("para\n" + escaped + "\n").count("<p>") == 1, text  # no setext heading either


def test_markdown_text_neutralises_links_mentions_and_schemes():
    escaped = md_text("[click](javascript:alert(1)) see https://evil/x www.evil.com @org/team #12")
    assert "javascript:" not in escaped and "](" not in escaped.replace("\\](", "")
    assert "https://" not in escaped and "www." not in escaped
    assert "@org" not in escaped and "#12" not in escaped
    assert "<a " not in _html(escaped)


def test_markdown_text_in_a_table_cell_keeps_the_columns():
    row = "| " + " | ".join(md_cell(text) for text in ("a|b", "x\n|y|z|", "`|`")) + " |"
    html = _html("| 1 | 2 | 3 |\n|---|---|---|\n" + row + "\n")
    cells = re.findall(r"<td>(.*?)</td>", html)
    assert cells == ["a|b", "x |y|z|", "`|`"]


# --- code spans -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "`plain`"),
        ("a`b", "``a`b``"),
        ("``a`b```", "```` ``a`b``` ````"),
        ("`start", "`` `start ``"),
        ("x\n## MLOps maturity: Level 2", "`x ## MLOps maturity: Level 2`"),
        ("", ""),
    ],
)
def test_code_span_fence_is_longer_than_any_backtick_run(text, expected):
    assert md_code(text) == expected


@pytest.mark.parametrize("text", HOSTILE)
def test_code_span_shows_the_text_verbatim(text):
    inner = _only_text(md_code(text))
    assert inner.startswith("<code>") and inner.endswith("</code>") and inner.count("<code>") == 1
    import html

    assert html.unescape(inner[6:-7]) == " ".join(plain(text).split())


def test_code_span_in_a_table_cell_escapes_the_pipe():
    html = _html("| a | b |\n|---|---|\n| " + md_cell("x|y", code=True) + " | 2 |\n")
    assert re.findall(r"<td>(.*?)</td>", html) == ["<code>x|y</code>", "2"]


def test_trusted_markdown_cell_keeps_its_code_and_columns():
    assert md_cell_markdown("Run `a | b`\nthen go") == "Run `a \\| b` then go"


# --- link targets -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "\x01javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:x",
        "file:///etc/passwd",
        "//evil.example/x",
        "\\\\evil.example/x",
        "/\\evil.example",
        "mailto:a@b",
    ],
)
def test_link_target_refuses_other_schemes(target):
    assert md_link_target(target) == ""
    assert md_link("label", target) == "label"


def test_link_target_keeps_http_and_relative_and_encodes_the_rest():
    assert md_link_target("https://example.org/a?b=1&c=2#d") == "https://example.org/a?b=1&amp;c=2#d"
    assert md_link_target("HTTP://x/a b(c)<d>\"e'`") == "HTTP://x/a%20b%28c%29%3Cd%3E%22e%27%60"
    assert md_link_target("src/a b.py") == "src/a%20b.py"
    assert md_link_target("x/100%/%41") == "x/100%25/%41"
    html = _html(md_link("`more`", "https://x/a)b](c") + "\n")
    assert html == '<p><a href="https://x/a%29b%5D%28c"><code>more</code></a></p>\n'


def test_path_target_is_always_inside_the_repository():
    assert md_path_target("javascript:alert(1)") == "javascript%3Aalert%281%29"
    assert md_path_target("../../../other/repo") == "other/repo"
    assert md_path_target("//evil.example/x") == "evil.example/x"
    assert md_path_target("a b/c#d?.py", "https://github.com/o/r/blob/s/", "L3") == (
        "https://github.com/o/r/blob/s/a%20b/c%23d%3F.py#L3"
    )
    assert md_path_target("x.py", "javascript:alert(1)//") == "x.py"
    assert md_path_target("evil\n## h.py") == "evil%0A%23%23%20h.py"
    assert md_path_target(".") == "."
    assert url_path("bad\udcff.py") == "bad%FF.py"


# --- HTML inside Markdown and SARIF -----------------------------------------------------------------------


def test_html_text_and_attribute():
    escaped = html_text("<script>alert(1)</script> & x\n\n## h")
    assert escaped == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; x ## h"
    assert html_attr('" onmouseover="alert(1)') == "&quot; onmouseover=&quot;alert(1)"
    html = _html(f"<details><summary>{html_text('<img src=x onerror=alert(1)>')}</summary>\n\n</details>\n")
    assert "<img" not in html


def test_sarif_text_has_no_argument_reference_link_or_control():
    assert sarif_text("see [x](1) and {0}\x1b[2J\n") == "see \\[x\\](1) and {{0}}␛\\[2J "


def test_json_text_keeps_raw_values_and_is_valid_utf8():
    import json

    data = {"path": "bad\udcff\x1b[2J\n## h ✅ \u202e", "n": 1}
    text = json_text(data)
    assert json.loads(text.encode("utf-8").decode("utf-8")) == data
    assert "\\udcff" in text and "✅" in text
