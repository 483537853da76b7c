"""The rating policy: pure, driven by the defining capabilities and the check results (see docs/assess.md,
"How the level is decided").

1. The level is decided by the capabilities that define it (`detect/capabilities.py` finds them):
   Level 1 = an orchestrated training pipeline + at least one metadata or validation part;
   Level 2 = Level 1 + CI that tests or builds the pipeline on push or pull request + CD that deploys the
   pipeline or the model without hand steps. Nothing else refuses a level.
2. Confidence: high when the decisive evidence is plain (and, for Level 1 and 2, a retraining trigger is
   found); medium with one doubt; low with more. Level 0 is high when no Level 1 capability is present.
3. Every check still scores 1 (pass), 0.5 (partial) or 0 (fail), n/a and ignored left out; a tier's
   score is the weighted mean (required 3, normal 2, low 1) of its checks: tier 1 = foundation and
   Level 1 checks, tier 2 = Level 2 checks. Progress = the next tier's score in percent; these practices
   rank the next steps but never decide the level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mlops_level.assess.model import WEIGHT_POINTS, Capability, CheckResult, Rating, Verdict

TOP_LEVEL = 2
LEVEL_CAPABILITIES = {1: ("pipeline", "metadata"), 2: ("ci", "cd")}
# the check that tells how to build each capability (listed as "blocking" for the next level)
CAPABILITY_CHECKS = {
    "pipeline": "ML201",
    "metadata": "ML301",
    "trigger": "ML203",
    "ci": "ML502",
    "cd": "ML504",
}


def tier_score(results: Sequence[CheckResult], tier: str) -> float:
    """Weighted mean score of the applicable checks of a tier (1.0 when none applies)."""
    scored = [
        (WEIGHT_POINTS[r.spec.weight], r.score)
        for r in results
        if r.spec.tier == tier and r.score is not None
    ]
    total = sum(weight for weight, _ in scored)
    return sum(weight * score for weight, score in scored) / total if total else 1.0


def level_of(capabilities: Mapping[str, Capability]) -> int:
    level = 0
    for candidate in (1, 2):
        if all(capabilities[key].present for key in LEVEL_CAPABILITIES[candidate]):
            level = candidate
        else:
            break
    return level


def verdict(capabilities: Mapping[str, Capability]) -> Verdict:
    """The level, the capabilities that decide it, what the next level lacks, and the confidence."""
    level = level_of(capabilities)
    decisive = [capabilities[k] for n in range(1, level + 1) for k in LEVEL_CAPABILITIES[n]]
    if level >= 1 and capabilities["trigger"].present:
        decisive.append(capabilities["trigger"])
    missing = []
    if level < TOP_LEVEL:
        missing = [capabilities[k] for k in LEVEL_CAPABILITIES[level + 1] if not capabilities[k].present]
    if level >= 1 and not capabilities["trigger"].present:
        missing.append(capabilities["trigger"])
    doubts = [doubt for cap in decisive for doubt in cap.doubts]
    if level == 0:
        # one capability away from Level 1 (a training pipeline without metadata) is a close call; a pipeline
        # seen only in notebooks or examples is arguable; anything else is plainly manual
        pipeline = capabilities["pipeline"]
        if pipeline.present:
            confidence, doubts = "low", [f"{pipeline.label} is present: {pipeline.reason}"]
        elif any("notebooks or examples" in doubt for doubt in pipeline.doubts):
            confidence, doubts = "medium", list(pipeline.doubts)
        else:
            confidence, doubts = "high", []
    else:
        if not capabilities["trigger"].present:
            doubts.append("no automated retraining trigger")
        confidence = "high" if not doubts else "medium" if len(doubts) <= 2 else "low"
    return Verdict(level, confidence, decisive, missing, list(dict.fromkeys(doubts)), dict(capabilities))


def rate(results: Sequence[CheckResult], capabilities: Mapping[str, Capability]) -> Rating:
    scores = {"1": tier_score(results, "1"), "2": tier_score(results, "2")}
    decided = verdict(capabilities)
    level = decided.level
    notes = [f"confidence {decided.confidence}: {doubt}" for doubt in decided.doubts]
    if level == TOP_LEVEL:
        return Rating(level, None, 100, [], scores, notes, decided)
    blocking = [
        CAPABILITY_CHECKS[cap.key] for cap in decided.missing if cap.key in LEVEL_CAPABILITIES[level + 1]
    ]
    return Rating(level, level + 1, round(100 * scores[str(level + 1)]), blocking, scores, notes, decided)
