"""Validate step: the data contract (pandera) that stops the pipeline, and a distribution-shift report that does not.
{%- if cookiecutter.level|int >= 2 %}

The same contract, without the target, checks every prediction request (`request_schema`, `RequestSchema`).
{%- endif %}
"""

from __future__ import annotations

{% if cookiecutter.level|int >= 2 -%}
import dataclasses
{% endif -%}
import math
from typing import TypedDict

{% if cookiecutter.level|int >= 2 -%}
import numpy as np
{% endif -%}
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors
from scipy.stats import ks_2samp

from .data import TARGET, load_dataset
from .features import RAW_COLUMNS

RANGE_MARGIN = 3.0  # a measurement may reach RANGE_MARGIN times its largest value in the reference dataset
SHOWN_FAILURES = 10
# Serving accepts a measurement within its training [min, max] widened by INPUT_MARGIN times that span (and within
# the training schema's range): a patient beyond every training example is scored, a unit error is refused. One span
# is not enough for the heavy-tailed columns (`area error`): up to 2 % of unseen holdout rows fell outside it.
INPUT_MARGIN = 2.0
INPUT_RANGES_FILE = "input_ranges.json"  # logged with each training run: the ranges serving enforces for its model


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


# ---- the request contract: the training schema, without the target, applied to the rows of a prediction request ----


def input_ranges(training: pd.DataFrame) -> dict[str, list[float]]:
    """Per raw measurement, the [low, high] a request may carry: learned from the training rows at training time.

    Stored with the run that trained the model (INPUT_RANGES_FILE) rather than declared in config: the valid input
    domain belongs to the model version, so a retrained champion brings its own ranges and a config cannot go stale.
    """
    declared = _declared_ranges(SCHEMA)
    ranges = {}
    for name in RAW_COLUMNS:
        low, high = float(training[name].min()), float(training[name].max())
        span = high - low
        ranges[name] = [max(low - INPUT_MARGIN * span, declared[name][0]),
                        min(high + INPUT_MARGIN * span, declared[name][1])]
    return ranges


def _declared_ranges(schema: pa.DataFrameSchema) -> dict[str, tuple[float, float]]:
    """Each raw measurement's in_range bounds in `schema` (which must give each exactly that one check)."""
    ranges = {}
    for name in RAW_COLUMNS:
        checks = schema.columns[name].checks
        if len(checks) != 1 or checks[0].name != "in_range":
            raise TypeError(f"column {name!r}: the request contract expects exactly one in_range check, got {checks}")
        ranges[name] = (float(checks[0].statistics["min_value"]), float(checks[0].statistics["max_value"]))
    return ranges
{%- if cookiecutter.level|int >= 2 %}


def request_schema(ranges: dict[str, list[float]] | None = None) -> pa.DataFrameSchema:
    """The training schema without the target: exactly the raw columns, floats, no nulls, each within its range.

    `ranges` (the model's `input_ranges`) narrows each measurement's range; it never widens the training one.
    """
    schema = SCHEMA.remove_columns([TARGET])
    if not ranges:
        return schema
    declared = _declared_ranges(SCHEMA)
    return schema.update_columns({
        name: {"checks": [pa.Check.in_range(max(low, declared[name][0]), min(high, declared[name][1]))]}
        for name, (low, high) in ranges.items()
    })


class RequestRejected(ValueError):
    """A request's rows broke the contract: `reason` is the metric label, `columns` the offending columns."""

    def __init__(self, reason: str, columns: list[str], message: str):
        super().__init__(message)
        self.reason, self.columns = reason, columns


_REASONS = {"column_in_schema": "unknown_column", "column_in_dataframe": "missing_column",
            "not_nullable": "missing_column"}  # a row without a key is a null in its column


@dataclasses.dataclass(frozen=True)
class RequestSchema:
    """A pandera request schema, and the same bounds as arrays for a fast path that only ever accepts.

    Rows exactly on the schema's columns, every value within its in_range bounds, are accepted without running
    pandera (about 0.1 ms instead of tens of ms for one row); anything else is judged by pandera itself, so the
    schema stays the single authority and only its report names the offending columns.
    """

    schema: pa.DataFrameSchema
    columns: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray

    @classmethod
    def build(cls, ranges: dict[str, list[float]] | None = None) -> RequestSchema:
        schema = request_schema(ranges)
        bounds = _declared_ranges(schema)
        return cls(schema, tuple(RAW_COLUMNS), np.array([bounds[name][0] for name in RAW_COLUMNS]),
                   np.array([bounds[name][1] for name in RAW_COLUMNS]))

    def accept(self, rows: list[dict[str, float]]) -> pd.DataFrame:
        """The rows as a frame of the raw columns, or RequestRejected naming what is wrong (rows hold floats)."""
        keys = set(self.columns)
        if all(row.keys() == keys for row in rows):
            values = np.array([[row[name] for name in self.columns] for row in rows], dtype="float64")
            if ((values >= self.low) & (values <= self.high)).all():
                return pd.DataFrame(values, columns=list(self.columns))
        frame = pd.DataFrame(rows, dtype="float64")
        try:
            return self.schema.validate(frame, lazy=True)[list(self.columns)]
        except SchemaErrors as errors:
            raise _rejection(errors.failure_cases) from None


_DESCRIBED = {  # in the order of precedence for the rejection's reason
    "unknown_column": "unknown columns",
    "missing_column": "missing values in columns",
    "out_of_range": "values outside the model's input range in columns",
    "schema": "invalid values in columns",
}


def _rejection(cases: pd.DataFrame) -> RequestRejected:
    """One RequestRejected from pandera's failure cases: every offending column, grouped by reason."""
    problems: dict[str, set[str]] = {}
    for case in cases.itertuples():
        check = str(case.check)
        column = case.failure_case if check in ("column_in_schema", "column_in_dataframe") else case.column
        reason = _REASONS.get(check, "out_of_range" if check.startswith("in_range") else "schema")
        problems.setdefault(reason, set()).add(str(column))
    found = [reason for reason in _DESCRIBED if reason in problems]
    message = "; ".join(f"{_DESCRIBED[reason]}: {', '.join(sorted(problems[reason]))}" for reason in found)
    return RequestRejected(found[0], sorted(set().union(*problems.values())), message)
{%- endif %}
