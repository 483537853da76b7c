"""Compare the assessment of a base revision with the current one: level before -> after, gains, losses.

Pure policy over two Reports. A check is *gained* when it passes now and did not pass at the base, and *lost*
when it passed at the base and now fails or is only partial. A change is a *regression* when the level drops
or a required check is lost. Other status moves (to or from n/a or ignored, fail <-> partial) are listed as
changes but are neither gains nor losses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mlops_level.assess.model import CheckSpec, Report, Status


@dataclass(frozen=True)
class Change:
    """One check whose status differs between the base and the head."""

    spec: CheckSpec
    before: Status | None  # None: the check did not exist in the base's rubric
    after: Status


@dataclass
class Delta:
    """What a change did to the rating; `base_ref` is the revision the user named, `base_commit` its ID."""

    base_ref: str
    base_commit: str
    level_before: int
    level_after: int
    progress_before: int
    progress_after: int
    gained: list[Change] = field(default_factory=list)
    lost: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)

    @property
    def level_dropped(self) -> bool:
        return self.level_after < self.level_before

    @property
    def required_lost(self) -> list[Change]:
        return [change for change in self.lost if change.spec.required]

    @property
    def regression(self) -> bool:
        """The --fail-on-regression rule: the level dropped, or a required check that passed now does not."""
        return self.level_dropped or bool(self.required_lost)

    @property
    def regression_reason(self) -> str:
        """Why this is a regression, in a few words ("" when it is not one)."""
        reasons = []
        if self.level_dropped:
            reasons.append(f"the level dropped from {self.level_before} to {self.level_after}")
        if self.required_lost:
            lost = ", ".join(change.spec.id for change in self.required_lost)
            reasons.append(f"required check(s) lost: {lost}")
        return "; ".join(reasons)

    def headline(self) -> str:
        """`Level 1 → Level 0 (level down); progress 60% → 45%`."""
        if self.level_after > self.level_before:
            verdict = "level up"
        elif self.level_dropped:
            verdict = "level down"
        else:
            verdict = "level unchanged"
        return (
            f"Level {self.level_before} → Level {self.level_after} ({verdict}); "
            f"progress {self.progress_before}% → {self.progress_after}%"
        )


def compare(base: Report, head: Report, *, base_ref: str, base_commit: str) -> Delta:
    """The delta from `base` to `head`, in the head's rubric order."""
    before = {result.spec.id: result.status for result in base.checks}
    delta = Delta(
        base_ref=base_ref,
        base_commit=base_commit,
        level_before=base.rating.level,
        level_after=head.rating.level,
        progress_before=base.rating.progress,
        progress_after=head.rating.progress,
    )
    for result in head.checks:
        change = Change(spec=result.spec, before=before.get(result.spec.id), after=result.status)
        if change.before == change.after:
            continue
        delta.changed.append(change)
        if change.after is Status.PASS:
            delta.gained.append(change)
        elif change.before is Status.PASS and change.after in (Status.FAIL, Status.PARTIAL):
            delta.lost.append(change)
    return delta


def delta_to_dict(delta: Delta) -> dict:
    """The delta for the JSON report (its `delta` key): check IDs, statuses as their JSON strings."""
    return {
        "base_ref": delta.base_ref,
        "base_commit": delta.base_commit,
        "level_before": delta.level_before,
        "level_after": delta.level_after,
        "progress_before": delta.progress_before,
        "progress_after": delta.progress_after,
        "gained": [change.spec.id for change in delta.gained],
        "lost": [change.spec.id for change in delta.lost],
        "required_lost": [change.spec.id for change in delta.required_lost],
        "changed": [
            {
                "id": change.spec.id,
                "before": change.before.value if change.before else None,
                "after": change.after.value,
            }
            for change in delta.changed
        ],
        "regression": delta.regression,
    }
