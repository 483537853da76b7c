"""The candidate against the production champion: what the gate decided for the newest registered version.

`make evaluate` (`python -m <package>.promotion`) prints a Markdown table of the newest version and the
champion, both scored on the frozen holdout by the pipeline, with the holdout's size, the 95 % bootstrap
intervals (the candidate's accuracy; the paired difference with the champion), McNemar's test, and the gate's
decision and reason. It exits 1
when the newest candidate was rejected (CD then stops before production) or when nothing is registered;
with `--report-only` (CT's summary, `make gate-report`) it always exits 0 once something is registered.
`make promote` (`--promote`, the approved production job only) moves `@champion` to staging's `@candidate`.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from mlflow.exceptions import MlflowException

from . import config, registry


@dataclasses.dataclass(frozen=True)
class Evaluation:
    model_name: str
    candidate: str
    champion: str | None
    decision: str
    reason: str
    candidate_metric: float | None
    champion_metric: float | None
    metrics: dict[str, float] = dataclasses.field(default_factory=dict)  # the gate's evidence, as the run logged it

    @property
    def promoted(self) -> bool:
        """The candidate passed the gate: it is the champion, or the `candidate` the production job will promote."""
        return self.decision in ("promoted", registry.CANDIDATE)

    def to_markdown(self) -> str:
        metric = f"holdout {registry.GATE_METRIC}"
        candidate = "n/a" if self.candidate_metric is None else f"{self.candidate_metric:.4f}"
        champion = "n/a" if self.champion_metric is None else f"{self.champion_metric:.4f}"
        return "\n".join([
            f"## Candidate evaluation: {self.model_name}", "",
            f"| | version | {metric} |", "|---|---:|---:|",
            f"| candidate | {self.candidate} | {candidate} |",
            f"| champion before the gate | {self.champion or 'none'} | {champion} |", "",
            *self._evidence(),
            f"**Decision: {self.decision}.** {self.reason}", "",
            *([f"Staged as `@{registry.CANDIDATE}`: serving keeps `@{registry.CHAMPION}` until the approved "
               "production job runs `make promote`.", ""] if self.decision == registry.CANDIDATE else []),
        ])


    def _evidence(self) -> list[str]:
        """The holdout's size and the intervals, for runs that logged them."""
        found = self.metrics
        if "gate_holdout_rows" not in found:
            return []
        lines = [f"Holdout: {int(found['gate_holdout_rows'])} rows; candidate {registry.GATE_METRIC} 95 % bootstrap "
                 f"interval {found[f'gate_{registry.GATE_METRIC}_low']:.4f} to "
                 f"{found[f'gate_{registry.GATE_METRIC}_high']:.4f}."]
        if "gate_difference" in found:
            lines.append(
                f"Paired with the champion: difference {found['gate_difference']:+.4f}, 95 % interval "
                f"{found['gate_difference_low']:+.4f} to {found['gate_difference_high']:+.4f} (margin "
                f"{found['gate_min_improvement']:.4f}); rows only the candidate gets right: "
                f"{int(found['gate_candidate_only_rows'])}, only the champion: {int(found['gate_champion_only_rows'])};"
                f" McNemar p = {found['gate_mcnemar_p']:.3g}."
            )
        return [*lines, ""]


def evaluation(settings: config.Settings) -> Evaluation:
    """Read the newest model version, its training run and the gate's decision from the registry."""
    client = registry.client(settings)
    versions = client.search_model_versions(f"name = '{settings.model_name}'")  # [] for an unknown model
    if not versions:
        raise LookupError(f"no version of model {settings.model_name!r} is registered yet: run the pipeline first")
    newest = max(versions, key=lambda version: int(version.version))
    run = client.get_run(newest.run_id)
    tags, metrics = run.data.tags, run.data.metrics
    previous = tags.get("previous_champion_version", "none")
    return Evaluation(
        model_name=settings.model_name,
        candidate=str(newest.version),
        champion=None if previous == "none" else previous,
        decision=tags.get("decision", "unknown"),
        reason=tags.get("decision_reason", ""),
        candidate_metric=metrics.get(f"holdout_{registry.GATE_METRIC}"),
        champion_metric=metrics.get(f"champion_holdout_{registry.GATE_METRIC}"),
        metrics={name: value for name, value in metrics.items() if name.startswith("gate_")},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {__name__}", description=__doc__.splitlines()[0])
    parser.add_argument("--report-only", action="store_true", help="exit 0 whatever the gate decided")
    parser.add_argument("--promote", action="store_true",
                        help="make @candidate the champion (check-and-set); the approved production job runs this")
    args = parser.parse_args(argv)
    if args.promote:
        try:
            new, old = registry.promote(config.load())
        except (LookupError, registry.ChampionChanged, MlflowException) as error:
            print(f"promote: error: {error}", file=sys.stderr)
            return 1
        print(f"champion is now version {new}" + (f" ({registry.PREVIOUS_CHAMPION}: {old})" if old else ""))
        return 0
    try:
        result = evaluation(config.load())
    except (LookupError, MlflowException) as error:  # nothing registered; the registry failed
        print(f"evaluate: error: {error}", file=sys.stderr)
        return 1
    print(result.to_markdown())
    return 0 if result.promoted or args.report_only else 1


if __name__ == "__main__":
    sys.exit(main())
