"""The rating policy, driven with literal results."""

from __future__ import annotations

from mlops_level.assess.model import CheckResult, CheckSpec, Status, Weight
from mlops_level.assess.rating import rate, tier_score

R, N, L = Weight.REQUIRED, Weight.NORMAL, Weight.LOW


def result(check_id: str, level: str, weight: Weight, status: Status) -> CheckResult:
    spec = CheckSpec(
        id=check_id,
        title=check_id,
        family="f",
        level=level,
        weight=weight,
        remediation="r",
        url="u",
        description="d",
    )
    return CheckResult(spec, status, [], "")


P, H, F, NA, IG = Status.PASS, Status.PARTIAL, Status.FAIL, Status.NOT_APPLICABLE, Status.IGNORED


def test_weighted_tier_score_leaves_out_na_and_ignored():
    results = [
        result("A", "F", R, P),
        result("B", "1", N, H),
        result("C", "1", L, F),
        result("D", "1", N, NA),
        result("E", "1", R, IG),
    ]
    assert tier_score(results, "1") == (3 * 1 + 2 * 0.5 + 1 * 0) / 6


def test_level_1_needs_80_percent_and_every_required_check():
    passing = [
        result("A", "F", R, P),
        result("B", "1", R, P),
        result("C", "1", N, P),
        result("D", "1", L, F),
        result("X", "2", R, F),
    ]
    assert rate(passing).level == 1
    assert rate(passing).next_level == 2
    blocked = passing[:1] + [result("B", "1", R, H)] + passing[2:]
    assert rate(passing).tier_scores == {"1": 8 / 9, "2": 0.0}
    rating = rate(blocked)
    assert (rating.level, rating.blocking) == (0, ["B"])
    assert rating.progress == round(100 * (3 + 1.5 + 2) / 9)


def test_below_80_percent_without_blocking_checks_stays_level_0():
    results = [result("A", "F", R, P), result("B", "1", N, F), result("C", "1", N, F)]
    rating = rate(results)
    assert (rating.level, rating.progress, rating.blocking) == (0, 43, [])


def test_level_2_is_cumulative_and_notes_strong_level_2_without_level_1():
    tier1 = [result("A", "1", R, P)]
    assert rate(tier1 + [result("X", "2", R, P), result("Y", "2", N, H)]).level == 2  # 4/5 = 80 % reaches it
    assert rate(tier1 + [result("X", "2", R, P), result("Y", "2", N, F)]).level == 1  # 3/5 does not
    top = rate(tier1 + [result("X", "2", R, P)])
    assert (top.level, top.next_level, top.progress, top.blocking) == (2, None, 100, [])
    without_l1 = rate([result("A", "1", R, F), result("X", "2", R, P)])
    assert without_l1.level == 0
    assert without_l1.notes == [
        "Level 2 capabilities are present, but the Level 1 foundation is not: levels are cumulative"
    ]


def test_ignoring_a_required_check_unblocks_it():
    level_2 = result("X", "2", R, F)
    assert rate([result("A", "1", R, P), result("B", "1", R, IG), level_2]).level == 1
    assert rate([result("A", "1", R, P), result("B", "1", R, F), level_2]).level == 0


def test_progress_toward_level_2_names_its_blocking_checks():
    rating = rate([result("A", "1", R, P), result("X", "2", R, F), result("Y", "2", N, P)])
    assert (rating.level, rating.next_level, rating.progress, rating.blocking) == (1, 2, 40, ["X"])
