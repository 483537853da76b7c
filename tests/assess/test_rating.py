"""The rating policy, driven with literal capabilities and results."""

from __future__ import annotations

from mlops_level.assess.model import Capability, CheckResult, CheckSpec, Status, Weight
from mlops_level.assess.rating import rate, tier_score, verdict

R, N, L = Weight.REQUIRED, Weight.NORMAL, Weight.LOW
P, H, F, NA, IG = Status.PASS, Status.PARTIAL, Status.FAIL, Status.NOT_APPLICABLE, Status.IGNORED
KEYS = ("pipeline", "metadata", "trigger", "ci", "cd")


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


def caps(*present: str, doubts: dict[str, list[str]] | None = None) -> dict[str, Capability]:
    doubts = doubts or {}
    return {k: Capability(k, k, k in present, f"{k} reason", [], doubts.get(k, [])) for k in KEYS}


def test_weighted_tier_score_leaves_out_na_and_ignored():
    results = [
        result("A", "F", R, P),
        result("B", "1", N, H),
        result("C", "1", L, F),
        result("D", "1", N, NA),
        result("E", "1", R, IG),
    ]
    assert tier_score(results, "1") == (3 * 1 + 2 * 0.5 + 1 * 0) / 6


def test_level_1_is_a_training_pipeline_with_metadata_whatever_the_practices_score():
    failing_practices = [result("ML005", "F", R, F), result("ML101", "F", R, F), result("ML201", "1", R, P)]
    rating = rate(failing_practices, caps("pipeline", "metadata", "trigger"))
    assert (rating.level, rating.next_level, rating.blocking) == (1, 2, ["ML502", "ML504"])
    assert rating.verdict.confidence == "high"
    assert [c.key for c in rating.verdict.decisive] == ["pipeline", "metadata", "trigger"]
    assert rating.progress == round(100 * tier_score(failing_practices, "2"))


def test_no_trigger_lowers_confidence_not_level():
    decided = verdict(caps("pipeline", "metadata"))
    assert (decided.level, decided.confidence) == (1, "medium")
    assert "no automated retraining trigger" in decided.doubts
    assert [c.key for c in decided.missing] == ["ci", "cd", "trigger"]


def test_each_level_1_capability_is_needed():
    assert verdict(caps("pipeline")).level == 0
    assert verdict(caps("metadata", "ci", "cd")).level == 0
    assert rate([], caps("metadata")).blocking == ["ML201"]


def test_level_2_needs_ci_and_cd_on_top_of_level_1():
    assert verdict(caps("pipeline", "metadata", "ci")).level == 1
    assert verdict(caps("pipeline", "metadata", "cd")).level == 1
    top = rate([], caps("pipeline", "metadata", "trigger", "ci", "cd"))
    assert (top.level, top.next_level, top.progress, top.blocking) == (2, None, 100, [])
    assert top.verdict.confidence == "high"


def test_ci_and_cd_without_a_pipeline_stay_level_0():
    assert verdict(caps("metadata", "trigger", "ci", "cd")).level == 0


def test_doubts_of_decisive_capabilities_set_the_confidence():
    one = verdict(caps("pipeline", "metadata", "trigger", "ci", "cd", doubts={"ci": ["tests on push only"]}))
    assert (one.level, one.confidence, one.doubts) == (2, "medium", ["tests on push only"])
    many = {"pipeline": ["notebook steps"], "ci": ["no tests", "push only"]}
    assert verdict(caps("pipeline", "metadata", "trigger", "ci", "cd", doubts=many)).confidence == "low"


def test_level_0_confidence_reflects_how_close_level_1_is():
    assert verdict(caps()).confidence == "high"
    assert verdict(caps("metadata", "ci", "cd")).confidence == "high"  # ad-hoc tracking is still manual
    etl_only = verdict(caps("metadata", doubts={"pipeline": ["the pipeline found does not train"]}))
    assert (etl_only.level, etl_only.confidence) == (0, "high")
    notebook = verdict(caps(doubts={"pipeline": ["the pipeline is only in notebooks or examples"]}))
    assert (notebook.level, notebook.confidence) == (0, "medium")
    close = verdict(caps("pipeline"))
    assert (close.level, close.confidence) == (0, "low")
