"""Drift monitoring: recent data against the training data, feature by feature (PSI and KS).

`make monitor` (`python -m <package>.monitoring --retrain`) compares the newest rows of the service's prediction
log, read from the artifact store (`prediction_log`), with the training data (`--recent CSV` for a file instead),
and prints a Markdown report. When the largest PSI passes the configured `drift_threshold`, the data has drifted;
with `--retrain` the training pipeline then runs when new labelled data exists since the last training run (its own
gate still decides).
Drift never ends in a silent success: with no new data to retrain on, or a retrained model the gate rejects, or no
recent data to compare at all, the command prints a summary and exits 1, so the scheduled job fails visibly.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

from . import config, prediction_log
from .features import build_features

RECENT_ROWS = 5000  # the newest logged predictions compared with the training data
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
    parser.add_argument("--recent", type=Path,
                        help="CSV of recent raw rows (default: the service's prediction log in the artifact store)")
    parser.add_argument("--retrain", action="store_true", help="run the training pipeline when drift is detected")
    args = parser.parse_args(argv)
    settings = config.load()
    for path in (settings.raw_file, args.recent):
        if path is not None and not path.is_file():
            print(f"monitoring: error: {path} does not exist", file=sys.stderr)
            return 2
    if args.recent is not None:
        recent, source = pd.read_csv(args.recent), str(args.recent)
    else:
        recent, source = prediction_log.read(settings, RECENT_ROWS), prediction_log.where(settings)
        if recent.empty:
            print(f"**No recent data to monitor**: the service has logged no prediction in {source}; point the "
                  "service and this job at the same MLFLOW_TRACKING_URI (or pass --recent CSV). "
                  "Failing, not passing silently.")
            return 1
    try:
        report = drift_report(pd.read_csv(settings.raw_file), recent, settings.drift_threshold)
    except ValueError as error:
        print(f"monitoring: error: {source}: {error}", file=sys.stderr)
        return 2
    print(report.to_markdown())
    if report.detected and args.retrain:
        return _retrain(settings)
    return 0


def _retrain(settings: config.Settings) -> int:
    """Retrain on drift when new labelled data exists; otherwise, or when the gate rejects the result, exit 1."""
    from . import ingest, pipeline, registry

    current = ingest.tracked_versions(settings)["data_version"]  # refuses data unlike its DVC pointer
    trained = registry.last_trained_data_version(settings)
    if current == trained:
        print(f"**Drift detected, but no new labelled data** since the last training run (data version {current}): "
              "retraining on the same rows would change nothing. Label and add fresh data (`make new-data` "
              "simulates it), then run `make monitor` again.")
        return 1
    print(f"Drift passed the threshold and new data exists ({trained or 'never trained'} -> {current}): "
          "running the training pipeline.\n")
    result = pipeline.training_pipeline() or {}
    status = result.get("status", "unknown")
    reason = f" ({result['reason']})." if result.get("reason") else "."
    print(f"Retrained: version {result.get('version', '?')} {status}{reason}")
    if status == "rejected":
        print("**The retrained model was rejected by the gate**: the drift is still served; a person must look.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
