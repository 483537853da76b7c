"""The result types every part of `assess` shares: check specs, verdicts, the rating and the report.

This module is a contract: renderers, the PR-review helpers and the JSON schema all read these names.
Fields may be added; existing names are never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Status(str, Enum):
    """The verdict of one check."""

    PASS = "pass"
    PARTIAL = "partial"
    FAIL = "fail"
    NOT_APPLICABLE = "n/a"
    IGNORED = "ignored"


class Weight(str, Enum):
    """How much a check counts in its tier; required checks also gate the level."""

    REQUIRED = "required"
    NORMAL = "normal"
    LOW = "low"


WEIGHT_POINTS = {Weight.REQUIRED: 3, Weight.NORMAL: 2, Weight.LOW: 1}
STATUS_SCORE = {Status.PASS: 1.0, Status.PARTIAL: 0.5, Status.FAIL: 0.0}


@dataclass(frozen=True)
class Evidence:
    """Where something was found: a POSIX path relative to the assessed root, an optional line, a snippet."""

    path: str
    line: int | None = None
    snippet: str = ""


@dataclass(frozen=True)
class CheckSpec:
    """What a check is: its stable ID, its place in the rubric and the advice shown when it does not pass.

    `level` is "F" (foundation, counted in the Level 1 gate), "1" or "2".
    """

    id: str
    title: str
    family: str
    level: str
    weight: Weight
    remediation: str
    url: str
    description: str
    name: str = ""

    @property
    def tier(self) -> str:
        """The tier whose gate this check belongs to: "1" (F and Level 1 checks) or "2"."""
        return "2" if self.level == "2" else "1"

    @property
    def required(self) -> bool:
        return self.weight is Weight.REQUIRED


@dataclass
class Finding:
    """What a check function returns: its status, a one-line reason and the evidence."""

    status: Status
    reason: str
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class CheckResult:
    """The verdict of one check on one repository; `reason` is one line saying what was found or why not."""

    spec: CheckSpec
    status: Status
    evidence: list[Evidence]
    reason: str
    ignore_reason: str = ""

    @property
    def score(self) -> float | None:
        """1, 0.5 or 0 for pass, partial, fail; None when the check is left out (n/a, ignored)."""
        return STATUS_SCORE.get(self.status)


@dataclass
class Rating:
    """The level reached, how far the next one is (0..100) and which required checks block it."""

    level: int
    next_level: int | None
    progress: int
    blocking: list[str] = field(default_factory=list)
    tier_scores: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    verdict: Verdict | None = None


@dataclass
class Capability:
    """One capability that defines a level (pipeline, metadata, trigger, ci, cd): whether it is present,
    a one-line reason, the evidence that decides it, and the doubts that make it arguable."""

    key: str
    label: str
    present: bool
    reason: str
    evidence: list[Evidence] = field(default_factory=list)
    doubts: list[str] = field(default_factory=list)
    remediation: str = ""


@dataclass
class Verdict:
    """Why this level, and how sure: the decisive capabilities, what the next level is missing, and a
    confidence (high, medium, low) computed from how clear the decisive evidence is."""

    level: int
    confidence: str
    decisive: list[Capability] = field(default_factory=list)
    missing: list[Capability] = field(default_factory=list)
    doubts: list[str] = field(default_factory=list)
    capabilities: dict[str, Capability] = field(default_factory=dict)  # all of them, decisive or not


@dataclass
class Report:
    """Everything `assess` found about one repository; renderers turn it into text, JSON or Markdown."""

    root: str
    schema_version: str
    tool_version: str
    stack: list[str]
    checks: list[CheckResult]
    rating: Rating
    warnings: list[str] = field(default_factory=list)
    repo: dict = field(default_factory=dict)

    def result(self, check_id: str) -> CheckResult:
        """The result of one check by ID (KeyError if the ID is unknown)."""
        for result in self.checks:
            if result.spec.id == check_id:
                return result
        raise KeyError(check_id)
