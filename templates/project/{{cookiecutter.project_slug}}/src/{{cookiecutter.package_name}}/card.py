"""The model card of one registered version: what the gate measured on the holdout, and what it decided.

The register step logs it with the version's run (`model_card.md`); MODEL_CARD.md at the project root says what
the model is, how it is judged and where it must not be used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .registry import Decision

FILE = "model_card.md"


def version_card(model_name: str, version: str, decision: Decision, decided: str, champion: str | None,
                 tags: dict[str, str]) -> str:
    """Markdown: the data and code it came from, the holdout accuracy with its interval, the paired comparison."""
    interval = decision.candidate_interval
    lines = [
        f"# Model card: {model_name} version {version}", "",
        "What the model is and where it must not be used: MODEL_CARD.md in the project.", "",
        "## Lineage", "",
        f"- data version `{tags.get('data_version', 'unknown')}`, holdout version "
        f"`{tags.get('holdout_version', 'unknown')}`",
        f"- code commit `{tags.get('git_commit', 'unknown')}` (uncommitted changes: "
        f"{tags.get('git_dirty', 'unknown')}), pipeline version {tags.get('pipeline_version', 'unknown')}", "",
        "## The gate", "",
        f"Scored on the frozen holdout: n = {decision.rows} rows (one row = {1 / decision.rows:.4f} of accuracy). "
        "Intervals are 95 % percentile bootstrap intervals (1,000 resamples of the rows, seeded).", "",
        "| | version | holdout accuracy | 95 % interval |", "|---|---:|---:|---:|",
        f"| candidate | {version} | {decision.candidate:.4f} | {interval.low:.4f} to {interval.high:.4f} |",
    ]
    if decision.paired is None:
        lines += ["", "No champion to compare with: the threshold alone decided."]
    else:
        paired = decision.paired
        lines += [
            f"| champion before the gate | {champion} | {decision.champion:.4f} | |", "",
            f"Paired on the same rows: candidate - champion = {paired.difference:+.4f}, 95 % interval "
            f"{paired.interval.low:+.4f} to {paired.interval.high:+.4f}; rows only the candidate gets right: "
            f"{paired.candidate_only}, only the champion: {paired.champion_only} (exact McNemar p = "
            f"{paired.mcnemar_p:.3g}).",
        ]
    lines += [
        "",
        f"Rule: accuracy >= {decision.threshold:.4f} and, against a champion, the paired interval's lower end >= "
        f"the margin {decision.min_improvement:.4f}.", "",
        f"**Decision: {decided}.** {decision.reason}", "",
    ]
    return "\n".join(lines)
