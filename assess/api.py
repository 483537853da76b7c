"""The typed entry points: `run(target)` and `assess_directory(root)` return a `Report`; `report_to_dict`
gives the versioned JSON object (schema in docs/report.schema.json)."""

from __future__ import annotations

from pathlib import Path

from mlops_level.assess.checks.registry import all_checks
from mlops_level.assess.facts.gitinfo import BareRepository, GitFacts
from mlops_level.assess.facts.repository import Facts, collect
from mlops_level.assess.facts.target import TargetError, cloned, is_url, local_dir, redact_url
from mlops_level.assess.model import (
    Capability,
    CheckResult,
    CheckSpec,
    Evidence,
    Finding,
    Report,
    Status,
    Verdict,
)
from mlops_level.assess.rating import rate

SCHEMA_VERSION = "1.1"
CHECKS: list[CheckSpec] = [spec for spec, _ in all_checks()]


class AssessError(ValueError):
    """Bad input for an assessment (missing path, bare repository, refused URL ...): one line for the user."""


def run(target: str | Path = ".", **options) -> Report:
    """Assess a directory or a git URL (https://, ssh://, git@host:path, file://; cloned shallowly)."""
    text = str(target)
    try:
        if is_url(text):
            with cloned(text) as root:
                report = assess_directory(root, **options)
                report.root = redact_url(text)
                report.repo["url"] = redact_url(text)
                return report
        return assess_directory(local_dir(target), **options)
    except TargetError as exc:
        raise AssessError(str(exc)) from None


def assess_directory(root: Path, *, git_root: Path | None = None, git: GitFacts | None = None) -> Report:
    """Assess one directory. `git_root`: the repository top whose CI files also count when `root` is a
    sub-folder (default: found by git). `git`: precomputed git facts (for a revision extracted elsewhere)."""
    try:
        facts = collect(Path(root), git_root=git_root, git=git)
    except BareRepository:
        raise AssessError(
            f"{root}: is a bare git repository (no work tree); assess a clone, e.g. "
            f"`mlops-level assess file://{Path(root).resolve()}`"
        ) from None
    if not facts.files:
        raise AssessError(f"{root}: no files to assess (everything is ignored or skipped)")
    return build_report(facts)


def evaluate(facts: Facts) -> tuple[list[CheckResult], list[str]]:
    """Run every check over the facts and apply the repository's ignore settings."""
    from mlops_level.assess.facts.config import resolve_ignore

    ignored, warnings = resolve_ignore(facts.settings, {spec.id for spec in CHECKS})
    results = []
    for spec, fn in all_checks():
        try:
            finding = fn(facts)
        except Exception as exc:  # a bug in one check must not hide the others' results
            kind = exc.__class__.__name__
            finding = Finding(Status.FAIL, f"the check could not run ({kind})")
            warnings.append(f"internal error in {spec.id} ({kind}: {exc}); please report it")
        result = CheckResult(spec, finding.status, finding.evidence, finding.reason)
        if spec.id in ignored:
            result.ignore_reason = ignored[spec.id]
            result.status = Status.IGNORED
        results.append(result)
    return results, warnings


def build_report(facts: Facts) -> Report:
    from mlops_level import __version__
    from mlops_level.assess.detect.capabilities import capabilities
    from mlops_level.assess.detect.stack import detect_stack

    results, warnings = evaluate(facts)
    return Report(
        root=str(facts.root),
        schema_version=SCHEMA_VERSION,
        tool_version=__version__,
        stack=detect_stack(facts),
        checks=results,
        rating=rate(results, capabilities(facts, results)),
        warnings=facts.warnings + warnings,
        repo=facts.git.as_dict(),
    )


def _evidence(e: Evidence) -> dict:
    return {"path": e.path, "line": e.line, "snippet": e.snippet}


def _capability(cap: Capability) -> dict:
    return {
        "capability": cap.key,
        "label": cap.label,
        "present": cap.present,
        "reason": cap.reason,
        "evidence": [_evidence(e) for e in cap.evidence],
        "doubts": cap.doubts,
        "remediation": cap.remediation or None,
    }


def verdict_to_dict(verdict: Verdict) -> dict:
    return {
        "level": verdict.level,
        "confidence": verdict.confidence,
        "decisive": [_capability(c) for c in verdict.decisive],
        "missing": [_capability(c) for c in verdict.missing],
        "doubts": verdict.doubts,
    }


def report_to_dict(report: Report) -> dict:
    """The versioned JSON object (schema_version 1.1, documented in docs/report.schema.json)."""
    counts = {status.value: 0 for status in Status}
    for result in report.checks:
        counts[result.status.value] += 1
    return {
        "schema_version": report.schema_version,
        "tool": "mlops-level",
        "tool_version": report.tool_version,
        "root": report.root,
        "repo": report.repo,
        "level": report.rating.level,
        "next_level": report.rating.next_level,
        "progress": report.rating.progress,
        "blocking": report.rating.blocking,
        "tier_scores": {k: round(v, 4) for k, v in report.rating.tier_scores.items()},
        "notes": report.rating.notes,
        "verdict": verdict_to_dict(report.rating.verdict) if report.rating.verdict else None,
        "stack": report.stack,
        "counts": counts,
        "checks": [
            {
                "id": r.spec.id,
                "name": r.spec.name,
                "title": r.spec.title,
                "family": r.spec.family,
                "level": r.spec.level,
                "weight": r.spec.weight.value,
                "required": r.spec.required,
                "status": r.status.value,
                "score": r.score,
                "reason": r.reason,
                "ignore_reason": r.ignore_reason or None,
                "evidence": [_evidence(e) for e in r.evidence],
                "remediation": r.spec.remediation,
                "url": r.spec.url,
            }
            for r in report.checks
        ],
        "warnings": report.warnings,
    }
