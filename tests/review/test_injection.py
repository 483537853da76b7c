"""End to end: a repository with hostile file names, ignore reasons, settings and branch names cannot change
the structure of any report: Markdown (report, --base delta, checklist, PR comment, step summary), the
terminal, SARIF and JSON. The Markdown is rendered with a CommonMark parser and its HTML inspected."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import jsonschema
import pytest

from mlops_level.assess import run
from mlops_level.assess.report.escape import md_cell
from mlops_level.assess.report.markdown import render_review
from mlops_level.assess.report.text import render_text
from mlops_level.assess.review.github_action import main
from mlops_level.assess.review.github_comment import MARKER, upsert_comment

from .gitrepo import PROJECT, commit, git, run_cli
from .test_github_comment import FakeGitHub

markdown_it = pytest.importorskip("markdown_it")  # rich's own dependency
MD = markdown_it.MarkdownIt("commonmark").enable("table").enable("strikethrough")
SARIF_SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

CLAIM = "## MLOps maturity: Level 2 ✅"
NAMES = [  # model binaries (ML104 lists them as evidence); `/` is the only character a name cannot hold
    f"evil\n{CLAIM}.onnx",
    f"\n\n{CLAIM}\n\n.onnx",
    "a|b|c.onnx",
    "\x1b[2J\x1b[31mred.onnx",
    "\x1b]8;;http:evil\x07click\x1b]8;;\x07.onnx",
    "![x](https:evil.png).onnx",
    "<img src=x onerror=alert(1)>.onnx",
    "<script>alert(1).onnx",
    "[click](javascript:alert(1)).onnx",
    "tick`s``.onnx",
    "\u202egnp.onnx",
    "cr\rname.onnx",
    "[bold red]markup[.onnx",
]
IGNORE_REASON = (
    "ok\\n## MLOps maturity: Level 2 ✅\\n![x](https://evil/img.png) <img src=x onerror=alert(1)> "
    "<script>alert(1)</script> [click](javascript:alert(1)) | \\u001b[2J\\u001b]8;;http://evil\\u0007 \\u202e"
)
PYPROJECT = f"""[project]
name = "hostile"

[tool.mlops-level]
ignore = {{ML203 = "{IGNORE_REASON}", "ML999\\n{CLAIM} <img src=x>" = "x"}}
"""
BRANCH = "x`<img-src=x-onerror=alert(1)>`##-MLOps-maturity"  # git accepts all of these in a ref name
ESCAPE_SEQUENCE = re.compile(r"\x1b\[[0-9;]*m")
CONTROLS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # all but \n


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    """A committed repository full of hostile names, with a hostile branch at the first commit."""
    repo = tmp_path_factory.mktemp("hostile") / "repo"
    commit(repo, {**PROJECT, "pyproject.toml": PYPROJECT}, "base")
    git(repo, "branch", BRANCH)
    commit(repo, {name: "x" for name in NAMES}, "hostile names")
    return repo


def assert_safe_markdown(text: str) -> None:
    """One headline, first; no HTML element, image, script or unsafe link; no control characters."""
    lines = text.splitlines()
    body = lines[1:] if lines[0] == MARKER else lines
    assert [line for line in body if line.lstrip().startswith("## ")] == [body[0]]
    assert body[0].startswith("## MLOps maturity: Level 0")
    assert not CONTROLS.search(text)
    html = MD.render(text)
    assert html.count("<h2>") == 1 and "<h1>" not in html
    assert not re.search(r"<(img|script|iframe|style|svg|object|a href=\"javascript)", html, flags=re.I)
    tags = set(re.findall(r"<([a-z0-9]+)", html))
    assert tags <= {"h2", "h3", "h4", "p", "ul", "ol", "li", "strong", "code", "a", "details", "summary", "s"}
    for href in re.findall(r'href="([^"]*)"', html):
        assert href.startswith("https://") or not re.match(r"^[a-z][a-z0-9+.-]*:|^//", href, flags=re.I), href
    outside_code = re.sub(r"(`+).+?\1", "", text)  # code spans show `<img` or `javascript:` verbatim, inertly
    for raw in ("javascript:", "<img", "<script", "https://evil"):  # not even as text GitHub would auto-link
        assert raw not in outside_code, raw


def assert_safe_terminal(text: str, color: bool = False) -> None:
    if color:
        text = ESCAPE_SEQUENCE.sub("", text)  # rich's own colours
    assert "\x1b" not in text and not CONTROLS.search(text), repr(CONTROLS.findall(text))
    assert not any(line.startswith(CLAIM) for line in text.splitlines())


def test_markdown_report_from_the_cli(hostile):
    for options in ((), ("--verbose",)):
        result = run_cli("assess", str(hostile), "--format", "markdown", *options)
        assert result.returncode == 0, result.stderr
        assert_safe_markdown(result.stdout)
    assert "tick`s``.onnx" in result.stdout and "a|b|c.onnx" in result.stdout  # shown verbatim in code


def test_markdown_delta_from_a_hostile_branch(hostile):
    result = run_cli("assess", str(hostile), "--format", "markdown", "--base", BRANCH)
    assert result.returncode == 0, result.stderr
    assert_safe_markdown(result.stdout)
    assert f"**Change from ``{BRANCH}``" in result.stdout


def test_checklist_from_the_cli(hostile):
    result = run_cli("checklist", str(hostile))
    assert result.returncode == 0, result.stderr
    assert_safe_markdown(f"## MLOps maturity: Level 0\n{result.stdout}")


def test_pull_request_comment_and_step_summary(hostile, tmp_path):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 3}}))
    env = {
        "GITHUB_WORKSPACE": str(hostile),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "output.txt"),
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "acme/churn",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_SHA": "f" * 40,
        "GITHUB_TOKEN": "t0k",
        "MLOPS_LEVEL_COMMENT": "true",
        "MLOPS_LEVEL_BASE": BRANCH,
        "MLOPS_LEVEL_SARIF_FILE": str(tmp_path / "out.sarif"),
    }
    fake = FakeGitHub([])
    assert main(env, transport=fake) == 0
    body = fake.calls[-1][3]["body"]
    assert body.startswith(MARKER + "\n") and body.count(MARKER) == 1
    assert_safe_markdown(body)
    assert_safe_markdown((tmp_path / "summary.md").read_text(encoding="utf-8"))
    assert "](https://github.com/acme/churn/blob/" + "f" * 40 + "/%1B%5B2J" in body
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(json.loads((tmp_path / "out.sarif").read_text()))


def test_text_report_has_no_control_characters(hostile):
    outputs = {}
    for options in ((), ("--verbose",), ("--base", BRANCH)):
        result = run_cli("assess", str(hostile), "--format", "text", *options)
        assert result.returncode == 0, result.stderr
        assert_safe_terminal(result.stdout)
        outputs[options] = result.stdout
    verbose = outputs[("--verbose",)]
    assert "␛[2J␛[31mred.onnx" in verbose and "[bold red]markup[.onnx" in verbose  # shown, inert
    assert f"Change from {BRANCH}" in outputs[("--base", BRANCH)]


def test_coloured_text_report_has_only_its_own_escape_sequences(hostile):
    report = run(hostile)
    assert_safe_terminal(render_text(report, verbose=True, color=True), color=True)
    assert_safe_terminal(render_text(report, verbose=True))


def test_sarif_messages_are_plain_and_the_log_valid(hostile):
    result = run_cli("assess", str(hostile), "--format", "sarif")
    assert result.returncode == 0, result.stderr
    log = json.loads(result.stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    results = log["runs"][0]["results"]
    assert len([r for r in results if r["ruleId"] == "ML104"]) == len(NAMES)
    for item in results:
        assert set(item["message"]) == {"text"} and not CONTROLS.search(item["message"]["text"])
        uri = item["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert re.fullmatch(r"[A-Za-z0-9_.~/%-]+", uri), uri


def test_json_keeps_the_raw_names_and_stays_valid(hostile):
    result = run_cli("assess", str(hostile), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    ml104 = next(check for check in data["checks"] if check["id"] == "ML104")
    assert {evidence["path"] for evidence in ml104["evidence"]} == set(NAMES)
    ml203 = next(check for check in data["checks"] if check["id"] == "ML203")
    assert ml203["ignore_reason"].startswith("ok\n## MLOps maturity")


def test_an_undecodable_file_name_in_every_format(tmp_path):
    repo = tmp_path / "bytes"
    commit(repo, PROJECT, "base")
    (repo / os.fsdecode(b"bad\xff.onnx")).write_text("x")
    commit(repo, {}, "an undecodable name")
    for output_format in ("json", "sarif", "markdown", "text", "badge"):
        out = tmp_path / f"report.{output_format}"
        result = run_cli("assess", str(repo), "--format", output_format, "-o", str(out))
        assert result.returncode == 0, result.stderr
        text = out.read_bytes().decode("utf-8")  # valid UTF-8, whatever the file system held
        if output_format in ("json", "sarif", "badge"):
            json.loads(text)
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    ml104 = next(check for check in data["checks"] if check["id"] == "ML104")
    assert [evidence["path"] for evidence in ml104["evidence"]] == [os.fsdecode(b"bad\xff.onnx")]  # raw
    assert "bad\ufffd.onnx" in (tmp_path / "report.markdown").read_text(encoding="utf-8")


def test_api_renderers_and_a_table_of_evidence(hostile):
    report = run(hostile)
    assert_safe_markdown(render_review(report, all_evidence=True))
    paths = [evidence.path for evidence in report.result("ML104").evidence]
    rows = "".join(f"| {md_cell(path)} | {md_cell(path, code=True)} |\n" for path in paths)
    table = "| path | as code |\n|---|---|\n" + rows
    html = MD.render(table)
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
    assert len(rows) == len(paths) + 1 and all(row.count("<td>") == 2 for row in rows[1:])


# --- the PR comment's marker ------------------------------------------------------------------------------


def _upsert(fake: FakeGitHub) -> str:
    return upsert_comment(
        api_url="https://api.example", repo="o/r", number=7, token="t", body=f"{MARKER}\nnew", transport=fake
    )


class _Refusing(FakeGitHub):
    """Refuses to edit comment 5 (a person's), accepts everything else."""

    def __call__(self, method, url, headers, body):
        status, payload = super().__call__(method, url, headers, body)
        return (403, None) if method == "PATCH" and url.endswith("/comments/5") else (status, payload)


def test_a_planted_marker_does_not_silence_the_report():
    planted = {"id": 5, "body": f"{MARKER}\n## MLOps maturity: Level 2 ✅", "user": {"type": "User"}}
    fake = _Refusing([planted])
    assert _upsert(fake) == "created"
    assert [call[0] for call in fake.calls] == ["GET", "PATCH", "POST"]


def test_the_bots_own_marked_comment_is_preferred():
    planted = {"id": 5, "body": f"{MARKER}\nfake", "user": {"type": "User"}}
    ours = {"id": 6, "body": f"{MARKER}\nold", "user": {"login": "github-actions[bot]", "type": "Bot"}}
    fake = _Refusing([planted, ours])
    assert _upsert(fake) == "updated" and fake.calls[-1][1].endswith("/issues/comments/6")
