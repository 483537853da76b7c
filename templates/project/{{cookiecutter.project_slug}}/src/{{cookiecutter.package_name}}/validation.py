"""Validate step: the data contract (pandera) that stops the pipeline, and a distribution-shift report that does not."""

from __future__ import annotations

import math
from typing import TypedDict

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors
from scipy.stats import ks_2samp

from .data import TARGET, load_dataset
from .features import RAW_COLUMNS

RANGE_MARGIN = 3.0  # a measurement may reach RANGE_MARGIN times its largest value in the reference dataset
SHOWN_FAILURES = 10


class ShiftReport(TypedDict):
    """The distribution-shift report: logged with each training run (data_shift_report.json)."""

    max_ks_statistic: float
    shifted_features: list[str]
    p_value_threshold: float
    features: dict[str, dict[str, float]]


class DataValidationError(ValueError):
    """The data broke its contract: the pipeline stops before training and the registry is left untouched."""


def build_schema() -> pa.DataFrameSchema:
    """Exactly the raw columns and the target; measurements in [0, margin * reference max]; target 0/1; no nulls."""
    reference = load_dataset()
    columns = {
        name: pa.Column(float, pa.Check.in_range(0.0, math.ceil(reference[name].max() * RANGE_MARGIN)))
        for name in RAW_COLUMNS
    }
    columns[TARGET] = pa.Column(int, pa.Check.isin([0, 1]))
    return pa.DataFrameSchema(columns, strict=True)


SCHEMA = build_schema()


def validate(frame: pd.DataFrame) -> pd.DataFrame:
    """Return `frame` if it satisfies the schema, else raise DataValidationError listing the failures."""
    try:
        return SCHEMA.validate(frame, lazy=True)
    except SchemaErrors as errors:
        cases = errors.failure_cases
        lines = [
            f"  - column {row.column!r}: {row.check} (found {row.failure_case!r})"
            for row in cases.head(SHOWN_FAILURES).itertuples()
        ]
        if len(cases) > SHOWN_FAILURES:
            lines.append(f"  ... and {len(cases) - SHOWN_FAILURES} more")
        raise DataValidationError(
            f"data validation failed with {len(cases)} problem(s):\n" + "\n".join(lines)
        ) from None


def shift_report(current: pd.DataFrame, reference: pd.DataFrame, p_value: float) -> ShiftReport:
    """Per-measurement two-sample Kolmogorov-Smirnov test of `current` against `reference` (value skew)."""
    features = {}
    for name in RAW_COLUMNS:
        result = ks_2samp(current[name], reference[name])
        features[name] = {"ks_statistic": float(result.statistic), "p_value": float(result.pvalue)}
    return {
        "max_ks_statistic": max(stats["ks_statistic"] for stats in features.values()),
        "shifted_features": sorted(name for name, stats in features.items() if stats["p_value"] < p_value),
        "p_value_threshold": p_value,
        "features": features,
    }
