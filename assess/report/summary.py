"""Small pure helpers shared by the renderers: status symbols, counts, headline, next steps."""

from __future__ import annotations

from mlops_level.assess.model import Capability, CheckResult, Report, Status

SYMBOLS = {
    Status.PASS: "✔",
    Status.PARTIAL: "◐",
    Status.FAIL: "✘",
    Status.NOT_APPLICABLE: "–",
    Status.IGNORED: "⊘",
}
DEFAULT_EVIDENCE = 3


def counts(report: Report) -> str:
    tally = {status: 0 for status in Status}
    for result in report.checks:
        tally[result.status] += 1
    return (
        f"{tally[Status.PASS]} passed, {tally[Status.PARTIAL]} partial, {tally[Status.FAIL]} failed, "
        f"{tally[Status.NOT_APPLICABLE]} n/a, {tally[Status.IGNORED]} ignored"
    )


def headline(report: Report) -> str:
    rating = report.rating
    if rating.next_level is None:
        return f"Level {rating.level} (the top level)"
    return f"Level {rating.level} — {rating.progress}% toward Level {rating.next_level}"


def verdict_items(report: Report) -> list[tuple[str, Capability]]:
    """The verdict as (mark, capability) pairs: "+" decisive, "-" missing for the next level, "?" a decisive
    capability with doubts. Renderers escape and lay them out."""
    decided = report.rating.verdict
    if decided is None:
        return []
    items = [("?" if cap.doubts else "+", cap) for cap in decided.decisive]
    items += [("-", cap) for cap in decided.missing]
    return items


def why_title(report: Report) -> str:
    decided = report.rating.verdict
    return f"Why Level {report.rating.level} (confidence {decided.confidence})" if decided else ""


def first_location(cap: Capability) -> str:
    return location(cap.evidence[0].path, cap.evidence[0].line) if cap.evidence else ""


def by_family(report: Report) -> dict[str, list[CheckResult]]:
    families: dict[str, list[CheckResult]] = {}
    for result in report.checks:
        families.setdefault(result.spec.family, []).append(result)
    return families


def next_steps(report: Report) -> list[CheckResult]:
    """What to fix for the next level: its blocking required checks first, then its other unmet checks by
    weight (at Level 0, the unmet checks of the Level 1 tier only)."""
    if report.rating.next_level is None:
        return []
    tier = str(report.rating.next_level)
    unmet = [r for r in report.checks if r.spec.tier == tier and r.status in (Status.FAIL, Status.PARTIAL)]
    order = {"required": 0, "normal": 1, "low": 2}
    return sorted(
        unmet, key=lambda r: (r.spec.id not in report.rating.blocking, order[r.spec.weight.value], r.spec.id)
    )


def location(path: str, line: int | None) -> str:
    return f"{path}:{line}" if line else path
