"""What the frozen holdout can tell about a candidate: the smallest margin it resolves, a bootstrap interval of the
accuracy, and the candidate paired with the champion on the same rows (bootstrap interval and McNemar's test).

Accuracy on n rows moves in steps of 1/n: a margin below one row cannot be told apart from zero.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.stats import binomtest

CONFIDENCE = 0.95
RESAMPLES = 1000


class UnresolvableMargin(ValueError):
    """The configured margin is finer than one holdout row: the holdout cannot show it."""


@dataclasses.dataclass(frozen=True)
class Interval:
    low: float
    high: float


@dataclasses.dataclass(frozen=True)
class Paired:
    """The candidate against the champion on the same rows."""

    difference: float  # candidate accuracy - champion accuracy
    interval: Interval  # bootstrap interval of the difference, rows resampled together for both models
    candidate_only: int  # rows the candidate gets right and the champion wrong
    champion_only: int  # rows the champion gets right and the candidate wrong
    mcnemar_p: float  # exact McNemar test (two-sided) on those discordant rows


def check_margin(min_improvement: float, rows: int) -> None:
    """Refuse a margin the holdout cannot resolve: above zero but below one row (1/rows of accuracy)."""
    if rows < 1:
        raise UnresolvableMargin("the holdout is empty: the gate has nothing to measure")
    if 0 < min_improvement and min_improvement * rows < 1 - 1e-9:
        raise UnresolvableMargin(
            f"min_improvement (MIN_IMPROVEMENT) {min_improvement:g} is below one holdout row: accuracy on "
            f"{rows} rows moves in steps of 1/{rows} = {1 / rows:.4f}; use 0 or at least {1 / rows:.4f}"
        )


def _resampled_means(values: np.ndarray, seed: int, resamples: int) -> np.ndarray:
    rows = np.random.default_rng(seed).integers(0, len(values), size=(resamples, len(values)))
    return values[rows].mean(axis=1)


def _percentiles(means: np.ndarray, confidence: float) -> Interval:
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return Interval(float(low), float(high))


def accuracy_interval(correct: np.ndarray, seed: int, resamples: int = RESAMPLES,
                      confidence: float = CONFIDENCE) -> Interval:
    """Percentile bootstrap interval of the accuracy, `correct` being one boolean per holdout row."""
    return _percentiles(_resampled_means(np.asarray(correct, dtype=float), seed, resamples), confidence)


def paired(candidate: np.ndarray, champion: np.ndarray, seed: int, resamples: int = RESAMPLES,
           confidence: float = CONFIDENCE) -> Paired:
    """The candidate's accuracy minus the champion's, with the same resampled rows for both models."""
    candidate, champion = np.asarray(candidate, dtype=bool), np.asarray(champion, dtype=bool)
    if candidate.shape != champion.shape:
        raise ValueError(f"paired comparison needs the same rows: {candidate.shape} and {champion.shape}")
    differences = candidate.astype(float) - champion.astype(float)
    candidate_only, champion_only = int((candidate & ~champion).sum()), int((champion & ~candidate).sum())
    discordant = candidate_only + champion_only
    p_value = binomtest(candidate_only, discordant, 0.5).pvalue if discordant else 1.0
    return Paired(
        difference=float(differences.mean()),
        interval=_percentiles(_resampled_means(differences, seed, resamples), confidence),
        candidate_only=candidate_only, champion_only=champion_only, mcnemar_p=float(p_value),
    )
