"""The rating policy: pure, driven by check results alone (see docs/assess.md, "The rating rule").

1. Each check scores 1 (pass), 0.5 (partial) or 0 (fail); n/a and ignored checks are left out.
2. Tier 1 = the foundation and Level 1 checks, tier 2 = the Level 2 checks; a tier's score is the
   weighted mean (required 3, normal 2, low 1) of its applicable checks.
3. Level 1: tier 1 >= 80 % and every required foundation/Level 1 check passes.
   Level 2: Level 1, tier 2 >= 80 % and every required Level 2 check passes. Otherwise Level 0.
4. Progress = the next tier's score in percent; blocking = its required checks that do not pass.
"""

from __future__ import annotations

from collections.abc import Sequence

from mlops_level.assess.model import WEIGHT_POINTS, CheckResult, Rating, Status

THRESHOLD = 0.80
TOP_LEVEL = 2


def tier_score(results: Sequence[CheckResult], tier: str) -> float:
    """Weighted mean score of the applicable checks of a tier (1.0 when none applies)."""
    scored = [
        (WEIGHT_POINTS[r.spec.weight], r.score)
        for r in results
        if r.spec.tier == tier and r.score is not None
    ]
    total = sum(weight for weight, _ in scored)
    return sum(weight * score for weight, score in scored) / total if total else 1.0


def blocking(results: Sequence[CheckResult], tier: str) -> list[str]:
    """Required checks of a tier that do not pass (ignored and n/a checks never block)."""
    return [
        r.spec.id
        for r in results
        if r.spec.tier == tier and r.spec.required and r.status in (Status.FAIL, Status.PARTIAL)
    ]


def reached(results: Sequence[CheckResult], tier: str) -> bool:
    return tier_score(results, tier) >= THRESHOLD and not blocking(results, tier)


def rate(results: Sequence[CheckResult]) -> Rating:
    scores = {"1": tier_score(results, "1"), "2": tier_score(results, "2")}
    level = 0
    if reached(results, "1"):
        level = 2 if reached(results, "2") else 1
    notes = []
    if level == 0 and reached(results, "2"):
        notes.append(
            "Level 2 capabilities are present, but the Level 1 foundation is not: levels are cumulative"
        )
    if level == TOP_LEVEL:
        return Rating(level, None, 100, [], scores, notes)
    next_tier = str(level + 1)
    return Rating(
        level, level + 1, round(100 * scores[next_tier]), blocking(results, next_tier), scores, notes
    )
