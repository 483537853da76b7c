"""Escaping by output context: every renderer passes repository-controlled text through one of these.

A scanned repository controls file names, snippets, the reasons that embed them, ignore reasons, warnings,
branch names and the root path. None of it may change the structure of a report: a file named
`x\\n## MLOps maturity: Level 2 ✅` must not add a headline to a pull-request comment, an ignore reason must
not add an image or a link, and nothing may move the cursor or recolour a terminal.

One function per context, each pure and total (any `str` in, safe text out):

- `plain`: one line without control characters; the base of every other function.
- `term_text` / `term_markup`: the terminal, as a rich `Text` (no markup) or inside a rich markup string.
- `md_text`: Markdown inline text (paragraphs, list items, headings); also safe in a table cell.
- `md_code`: a Markdown code span whose fence is longer than any backtick run inside.
- `md_cell`: a GFM table cell, as text or as a code span; `md_cell_markdown` for trusted Markdown.
- `md_link_target` / `md_path_target`: link destinations; only relative paths and http(s) URLs.
- `md_link`: `[label](target)`, or the label alone when the target is refused.
- `url_path`: a repository path percent-encoded for a URI (Markdown links, SARIF locations).
- `html_text` / `html_attr`: HTML inside Markdown (`<details>`, `<summary>`).
- `sarif_text`: SARIF plain-text messages (§3.11: braces doubled, brackets escaped).
- `json_text`: JSON documents (JSON, SARIF, badge): raw values kept, always valid UTF-8.

Text written by this tool (check titles, remediations with their `code`) is trusted Markdown and is not
escaped; only values that come from the scanned repository or the command line are.
"""

from __future__ import annotations

import html
import json
import re
from urllib.parse import quote

REPLACEMENT = "\ufffd"
# Line and paragraph breaks of every kind (CommonMark knows LF and CR; terminals and editors know more).
_BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]+")
# C0 controls and DEL become their visible Control Pictures (ESC -> ␛), so an escape sequence is shown, inert.
_C0 = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")
# C1 controls (0x9b is a one-character CSI), bidirectional overrides and isolates (Trojan Source), and
# lone surrogates (undecodable bytes in file names) cannot be shown; they become U+FFFD.
_UNSHOWABLE = re.compile(r"[\x80-\x84\x86-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def plain(text: object) -> str:
    """`text` on one line with no control characters: line breaks and tabs become one space, other C0
    controls their Control Picture (`\\x1b[2J` -> `␛[2J`), C1 and bidirectional controls U+FFFD."""
    text = _BREAKS.sub(" ", str(text))
    text = _C0.sub(lambda match: "\u2421" if match[0] == "\x7f" else chr(0x2400 + ord(match[0])), text)
    return _UNSHOWABLE.sub(REPLACEMENT, text)


# --- terminal ---------------------------------------------------------------------------------------------


def term_text(text: object) -> str:
    """Text for the terminal, TTY or not: no ANSI/OSC escape can start (ESC, BEL, CSI are made visible)."""
    return plain(text)


def term_markup(text: object) -> str:
    """`term_text` for a rich markup string (`console.print(f"... {term_markup(x)}")`): `[` escaped too."""
    from rich.markup import escape

    return escape(plain(text))


# --- Markdown (GitHub-flavoured) ----------------------------------------------------------------------------

# Backslash-escaped everywhere: code spans, emphasis, strikethrough, links and images, tables, headings, math.
_MD_PUNCTUATION = re.compile(r"([\\`*_\[\]!|~#$])")
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# A line starting with one of these is a list item, a block quote, a setext underline or a thematic break.
_MD_LEADING = re.compile(r"^([-+=]|\d{1,9}[.)])")
# `javascript:` in text is inert, but some renderers auto-link schemes; the colon becomes an entity.
_MD_SCHEME = re.compile(r"(?i)\b(javascript|vbscript|data):(?=\S)")
# GitHub notifies on @mentions, cross-links #123 and auto-links bare URLs even when escaped (it works on the
# rendered text); a word joiner (U+2060, invisible) keeps all of them inert.
_MD_MENTION = re.compile(r"([@#])(?=[0-9A-Za-z])")
_MD_AUTOLINK = re.compile(r"(?i)\b(https?:|ftp:|www)(?=//|\.)")


def md_text(text: object) -> str:
    """Repository text as Markdown inline text: rendered literally, on one line, wherever it is placed
    (a paragraph, a list item, a heading, a table cell); no HTML, link, image, heading or mention forms,
    and a URL in the text is not made a link."""
    text = " ".join(plain(text).split())
    text = "".join(_MD_ENTITIES.get(char, char) for char in text)
    text = _MD_PUNCTUATION.sub(r"\\\1", text)
    text = _MD_LEADING.sub(lambda match: _escape_leading(match[0]), text)
    text = _MD_MENTION.sub("\\1\u2060", text)
    text = _MD_AUTOLINK.sub("\\1\u2060", text)
    return _MD_SCHEME.sub(r"\1&#58;", text)


def _escape_leading(marker: str) -> str:
    return "\\" + marker if len(marker) == 1 else marker[:-1] + "\\" + marker[-1]


def md_code(text: object, *, table: bool = False) -> str:
    """`text` as a Markdown code span (shown verbatim, on one line): the fence is one backtick longer than the
    longest run inside, padded when the text starts or ends with a backtick. `table`: inside a GFM table
    cell, where `|` must be escaped even in code (GitHub removes the backslash). Empty text gives ""."""
    text = " ".join(plain(text).split())
    if not text:
        return ""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text[0] == "`" or text[-1] == "`" else ""
    if table:
        text = text.replace("|", "\\|")
    return f"{fence}{pad}{text}{pad}{fence}"


def md_cell(text: object, *, code: bool = False) -> str:
    """Repository text for a GFM table cell: `|` cannot end the cell, nothing else can end the row."""
    return md_code(text, table=True) if code else md_text(text)


def md_cell_markdown(markdown: str) -> str:
    """Trusted Markdown (a remediation with `code`) for a table cell: one line, `|` escaped."""
    return " ".join(markdown.split()).replace("|", "\\|")


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_SAFE_URL_CHARS = "/:?#@!$*+,;=-._~%"
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def md_link_target(target: object) -> str:
    """A link destination for Markdown, or "" when it is refused: only http(s) URLs and relative paths
    pass. `javascript:`, `data:`, any other scheme and `//host` are refused; spaces, parentheses, quotes,
    backslashes, `<`/`>` and non-ASCII characters are percent-encoded, `&` is written as an entity."""
    text = str(target)
    # Browsers drop tabs and line breaks anywhere in a URL and C0/space at its ends (`java\tscript:`).
    probe = re.sub(r"[\t\n\r]", "", text).strip(_C0_AND_SPACE)
    match = _SCHEME.match(probe)
    if match and match[1].lower() not in ("http", "https"):
        return ""
    if not match and re.match(r"^[/\\]{2}", probe):
        return ""
    text = probe if match else text
    encoded = quote(_utf8(_PERCENT.sub("%25", text)), safe=_SAFE_URL_CHARS + "&")
    return encoded.replace("&", "&amp;")


def md_path_target(path: object, base: str = "", fragment: str = "") -> str:
    """The link to a file of the repository: `base` (a URL or "", refused when unsafe) + the path,
    percent-encoded so it is always a relative path (`a:b` -> `a%3Ab`, no `..`, no leading `/`)."""
    parts = [part for part in str(path).split("/") if part not in ("", ".", "..")]
    relative = url_path("/".join(parts)) or "."
    base = md_link_target(base) if base else ""
    fragment = quote(_utf8(fragment), safe="") if fragment else ""
    return base + relative + (f"#{fragment}" if fragment else "")


def url_path(path: str) -> str:
    """A POSIX path as a URI path: every character but letters, digits, `/` and `_.-~` percent-encoded
    (`a b:c` -> `a%20b%3Ac`, so no segment reads as a scheme); undecodable bytes are kept as they were."""
    return quote(_utf8(path), safe="/")


def _utf8(text: str) -> bytes:
    """The bytes of `text`; a file name's undecodable bytes (lone surrogates) come back as they were."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return plain(text).encode("utf-8")


def md_link(label: str, target: str) -> str:
    """`[label](target)` with `label` already Markdown (md_text or md_code); the label alone when the
    target is refused by md_link_target."""
    safe = md_link_target(target)
    return f"[{label}]({safe})" if safe else label


# --- HTML inside Markdown ---------------------------------------------------------------------------------


def html_text(text: object) -> str:
    """Repository text inside an HTML element of the Markdown (`<summary>…</summary>`): one line (a blank
    line would end the HTML block), `&`, `<` and `>` as entities."""
    return html.escape(" ".join(plain(text).split()), quote=False)


def html_attr(text: object) -> str:
    """Repository text as an HTML attribute value, to be written between double quotes."""
    return html.escape(" ".join(plain(text).split()), quote=True)


# --- SARIF ------------------------------------------------------------------------------------------------


def sarif_text(text: object) -> str:
    """A SARIF plain-text message: one line without controls; `{`/`}` doubled so no `{0}` argument reference
    forms (§3.11.5), and `[` and `]` escaped with a backslash so no embedded link forms (§3.11.6)."""
    text = re.sub(r"([\[\]])", r"\\\1", plain(text))
    return text.replace("{", "{{").replace("}", "}}")


# --- JSON -------------------------------------------------------------------------------------------------

_SURROGATE = re.compile(r"[\ud800-\udfff]")


def json_text(data: object, *, indent: int | None = 2) -> str:
    """`data` as a JSON document with its values kept raw (non-ASCII as is, control characters as JSON
    escapes); a lone surrogate (an undecodable byte of a file name) is written as its `\\udcff` escape, so
    the document is valid UTF-8 and reads back to the same value."""
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    return _SURROGATE.sub(lambda match: f"\\u{ord(match[0]):04x}", text)
