"""Drift monitoring: recent data against the training data, feature by feature (PSI and KS).

`make monitor` (`python -m <package>.monitoring --retrain`; `--recent CSV` for another file) prints a Markdown
report. When the largest PSI passes the configured `drift_threshold`, the data has drifted; with `--retrain` the
training pipeline then runs (its own gate still decides whether the new model is promoted).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

from . import config
from .features import build_features

BINS = 10
_FLOOR = 1e-4  # share given to an empty bin so the logarithm stays finite


def psi(reference: np.ndarray, recent: np.ndarray, bins: int = BINS) -> float:
    """Population stability index of `recent` against `reference`, on the reference's quantile bins.

    Rule of thumb: below 0.1 stable, 0.1 to 0.25 a moderate shift, above 0.25 a significant one.
    """
    cuts = np.unique(np.quantile(reference, np.linspace(0.0, 1.0, bins + 1)[1:-1]))
    # a value equal to a cut falls in the bin below it, so a constant reference still has two bins
    expected = np.bincount(np.searchsorted(cuts, reference), minlength=cuts.size + 1) / len(reference)
    actual = np.bincount(np.searchsorted(cuts, recent), minlength=cuts.size + 1) / len(recent)
    expected, actual = np.clip(expected, _FLOOR, None), np.clip(actual, _FLOOR, None)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


@dataclasses.dataclass(frozen=True)
class FeatureDrift:
    feature: str
    psi: float
    ks_statistic: float
    ks_p_value: float


@dataclasses.dataclass(frozen=True)
class DriftReport:
    features: list[FeatureDrift]
    threshold: float
    reference_rows: int
    recent_rows: int

    @property
    def drifted(self) -> list[FeatureDrift]:
        return [item for item in self.features if item.psi > self.threshold]

    @property
    def detected(self) -> bool:
        return bool(self.drifted)

    def to_markdown(self, top: int = 10) -> str:
        verdict = (f"**Drift detected** in {len(self.drifted)} of {len(self.features)} features"
                   if self.detected else f"No drift: every feature's PSI is at most {self.threshold}")
        lines = [
            "## Drift report", "",
            f"{verdict} (threshold PSI > {self.threshold}; {self.recent_rows} recent rows "
            f"against {self.reference_rows} training rows).", "",
            "| feature | PSI | KS statistic | KS p-value |", "|---|---:|---:|---:|",
        ]
        ranked = sorted(self.features, key=lambda item: item.psi, reverse=True)[:top]
        lines += [f"| {f.feature} | {f.psi:.3f} | {f.ks_statistic:.3f} | {f.ks_p_value:.2g} |" for f in ranked]
        return "\n".join(lines) + "\n"


def drift_report(reference_raw: pd.DataFrame, recent_raw: pd.DataFrame, threshold: float) -> DriftReport:
    """Compare the model inputs computed from both frames, with the same feature code as training and serving."""
    if recent_raw.empty:
        raise ValueError("the recent data has no rows")
    reference, recent = build_features(reference_raw), build_features(recent_raw)
    features = []
    for column in reference.columns:
        ref, new = reference[column].to_numpy(), recent[column].to_numpy()
        test = ks_2samp(ref, new)
        features.append(FeatureDrift(column, psi(ref, new), float(test.statistic), float(test.pvalue)))
    return DriftReport(features, threshold, len(reference), len(recent))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {__name__}", description=__doc__.splitlines()[0])
    parser.add_argument("--recent", type=Path, help="CSV of recent raw rows (default: the serving app's request log)")
    parser.add_argument("--retrain", action="store_true", help="run the training pipeline when drift is detected")
    args = parser.parse_args(argv)
    settings = config.load()
    if args.recent is None and not settings.request_log.is_file():
        print(f"No recent data yet: the serving app has logged no request in {settings.request_log}.")
        return 0
    recent_file = args.recent or settings.request_log
    for path in (settings.raw_file, recent_file):
        if not path.is_file():
            print(f"monitoring: error: {path} does not exist", file=sys.stderr)
            return 2
    try:
        report = drift_report(pd.read_csv(settings.raw_file), pd.read_csv(recent_file), settings.drift_threshold)
    except ValueError as error:
        print(f"monitoring: error: {recent_file}: {error}", file=sys.stderr)
        return 2
    print(report.to_markdown())
    if report.detected and args.retrain:
        from .pipeline import training_pipeline

        print("Drift passed the threshold: running the training pipeline.\n")
        training_pipeline()
    return 0


if __name__ == "__main__":
    sys.exit(main())
