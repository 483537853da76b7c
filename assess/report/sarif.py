"""SARIF 2.1.0 output for GitHub code scanning: one result per location of a failing or partial check.

Checks that fail for lack of something (no pipeline, no tests) have no location and are left out: code
scanning can only show findings that point at a file. Every check of the report is listed as a rule, its
severity taken from its weight (required -> error, normal -> warning, low -> note) and its help text from
the remediation.

Repository text reaches results only: the message (`message.text`, plain text for code scanning) goes
through `sarif_text` (one line, no control characters, no `{0}` argument reference or embedded link), the
snippet through `plain`, the URI is percent-encoded. No `message.markdown` is written, so nothing
repository-controlled is rendered as Markdown.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from mlops_level.assess.model import CheckResult, CheckSpec, Evidence, Report, Status, Weight
from mlops_level.assess.report.escape import json_text, plain, sarif_text, url_path

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
MAX_RESULTS_PER_CHECK = 100
_LEVELS = {Weight.REQUIRED: "error", Weight.NORMAL: "warning", Weight.LOW: "note"}


def render_sarif(report: Report, verbose: bool = False) -> str:
    """The report as a SARIF 2.1.0 log (`verbose` adds nothing: every located finding is always included)."""
    rules = [result.spec for result in report.checks]
    index = {spec.id: position for position, spec in enumerate(rules)}
    prefix = repo_prefix(report)
    results = [
        _result(check, evidence, index[check.spec.id], prefix)
        for check in report.checks
        if check.status in (Status.FAIL, Status.PARTIAL)
        for evidence in check.evidence[:MAX_RESULTS_PER_CHECK]
    ]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mlops-level",
                        "version": report.tool_version,
                        "rules": [_rule(spec) for spec in rules],
                    }
                },
                "results": results,
                "properties": _run_properties(report),
            }
        ],
    }
    return json_text(log) + "\n"


def _run_properties(report: Report) -> dict:
    """The level and its verdict (why, how sure, what the next level lacks) as run properties: code
    scanning shows them beside the findings."""
    from mlops_level.assess.api import verdict_to_dict

    properties: dict = {"mlops-level": report.rating.level, "progress": report.rating.progress}
    if report.rating.verdict is not None:
        properties["verdict"] = verdict_to_dict(report.rating.verdict)
    return properties


def _rule(spec: CheckSpec) -> dict:
    rule = {
        "id": spec.id,
        "name": _pascal(spec.name or spec.title),
        "shortDescription": {"text": spec.title},
        "fullDescription": {"text": spec.description or spec.title},
        "help": {"text": spec.remediation, "markdown": _help_markdown(spec)},
        "defaultConfiguration": {"level": _LEVELS[spec.weight]},
        "properties": {
            "tags": ["mlops", spec.family],
            "maturity-level": spec.level,
            "weight": spec.weight.value,
        },
    }
    if spec.url:
        rule["helpUri"] = spec.url
    return rule


def repo_prefix(report: Report) -> str:
    """Where the assessed folder sits in its git work tree ("" at the top): code scanning wants paths
    relative to the repository root, and evidence paths are relative to the assessed folder."""
    if not report.repo.get("git"):
        return ""
    root = Path(report.root)
    for folder in (root, *root.parents):
        if (folder / ".git").exists():
            relative = root.relative_to(folder).as_posix()
            return "" if relative == "." else relative
    return ""


def _result(check: CheckResult, evidence: Evidence, rule_index: int, prefix: str) -> dict:
    uri = posixpath.normpath(posixpath.join(prefix, evidence.path))
    location: dict = {"artifactLocation": {"uri": url_path(uri), "uriBaseId": "%SRCROOT%"}}
    if evidence.line:
        location["region"] = {"startLine": evidence.line}
        if evidence.snippet:
            location["region"]["snippet"] = {"text": plain(evidence.snippet)}
    status = "partly met" if check.status is Status.PARTIAL else "not met"
    return {
        "ruleId": check.spec.id,
        "ruleIndex": rule_index,
        "level": _LEVELS[check.spec.weight],
        "message": {"text": sarif_text(f"{check.spec.id} {check.spec.title} ({status}): {check.reason}")},
        "locations": [{"physicalLocation": location}],
    }


def _help_markdown(spec: CheckSpec) -> str:
    text = spec.remediation
    if spec.url:
        text += f"\n\n[Learn more]({spec.url})"
    return text


def _pascal(text: str) -> str:
    """`tests-exist` or `Tests exist` -> `TestsExist` (SARIF rule names are identifiers)."""
    return "".join(word[:1].upper() + word[1:] for word in text.replace("-", " ").replace("_", " ").split())
