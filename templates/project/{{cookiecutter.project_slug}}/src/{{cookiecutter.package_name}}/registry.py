"""Register step: MLflow tracking (params, metrics, lineage) and the model registry with its promotion gate."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import TYPE_CHECKING

import mlflow
import mlflow.pyfunc
import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature
from mlflow.tracking import MlflowClient

from . import __version__, card, evidence, raw_model
from .config import Settings
from .features import RAW_COLUMNS

if TYPE_CHECKING:  # validation imports pandera and scipy: not needed at run time here
    from .validation import ShiftReport

CHAMPION, CHALLENGER, PREVIOUS_CHAMPION = "champion", "challenger", "previous-champion"
CANDIDATE = "candidate"  # Level 2 staging/prod: passed the gate, waiting for the approved production job
GATED_AGAINST = "gated_against_champion"  # model version tag: the champion version the gate compared with
GATE_METRIC = "accuracy"
MODEL_REQUIREMENTS = ("scikit-learn", "pandas", "numpy", "skops")  # pinned to the versions installed here
# the feature and model code the registered model carries, as a package of its own: it loads without this project
BUNDLE = f"{__package__}_model"
BUNDLED_MODULES = ("features.py", "raw_model.py")


class ChampionChanged(RuntimeError):
    """The champion alias moved between the gate's read and the promotion: another run promoted meanwhile."""


def is_not_found(error: MlflowException) -> bool:
    """True only for MLflow's "does not exist" answers: no such registered model, version or alias.

    Any other registry error (a 503 from the tracking server, a corrupted database, a permission error) is not
    "no champion yet" and must fail the run rather than promote against nothing.
    """
    if error.error_code == "RESOURCE_DOES_NOT_EXIST":
        return True
    # the SQL store answers a missing alias with INVALID_PARAMETER_VALUE "Registered model alias X not found."
    message = str(error.message)
    return error.error_code == "INVALID_PARAMETER_VALUE" and "alias" in message and "not found" in message


def alias_version(mlflow_client: MlflowClient, name: str, alias: str):
    """The model version `alias` points at, or None when the model or the alias does not exist (other errors raise)."""
    try:
        return mlflow_client.get_model_version_by_alias(name, alias)
    except MlflowException as error:
        if is_not_found(error):
            return None
        raise


def check_champion_unchanged(mlflow_client: MlflowClient, name: str, expected: str | None) -> None:
    """Check-and-set guard: re-read `champion` right before moving it; refuse if it changed since the gate read it."""
    current = alias_version(mlflow_client, name, CHAMPION)
    found = str(current.version) if current is not None else None
    if found != (str(expected) if expected is not None else None):
        raise ChampionChanged(
            f"{name}: {CHAMPION} is version {found or 'none'} now, but the gate compared against version "
            f"{expected or 'none'}; another run promoted meanwhile, so this promotion is refused (re-run to gate again)"
        )


@dataclasses.dataclass(frozen=True)
class Champion:
    version: str
    run_id: str
    model: mlflow.pyfunc.PyFuncModel  # predict(raw rows) -> a frame of "label" and "probability"


@dataclasses.dataclass(frozen=True)
class Decision:
    promote: bool
    reason: str
    candidate: float
    champion: float | None
    threshold: float
    min_improvement: float
    rows: int  # holdout rows both models were scored on
    candidate_interval: evidence.Interval
    paired: evidence.Paired | None  # None: no champion to compare with


def client(settings: Settings) -> MlflowClient:
    mlflow.set_tracking_uri(settings.tracking_uri)
    mlflow.set_registry_uri(settings.tracking_uri)
    return MlflowClient()


def experiment_id(settings: Settings) -> str:
    mlflow_client = client(settings)
    experiment = mlflow_client.get_experiment_by_name(settings.experiment_name)
    if experiment is not None:
        return experiment.experiment_id
    return mlflow_client.create_experiment(settings.experiment_name, artifact_location=settings.artifact_location)


def last_trained_data_version(settings: Settings) -> str | None:
    """The data version of the latest training run (None before the first): the new-data trigger's memory."""
    runs = client(settings).search_runs(
        [experiment_id(settings)], filter_string="tags.trained = 'true'",
        order_by=["attributes.start_time DESC"], max_results=1,
    )
    return runs[0].data.tags.get("data_version") if runs else None


def load_champion(settings: Settings) -> Champion | None:
    """The champion as MLflow's pyfunc: `model.predict(raw rows)` -> `label`, `probability` (raw_model.RawModel)."""
    current = alias_version(client(settings), settings.model_name, CHAMPION)
    if current is None:  # no registered model or no champion yet; any other registry error raises
        return None
    for module in [name for name in sys.modules if name.split(".")[0] == BUNDLE]:
        del sys.modules[module]  # each version imports the feature code it carries, not one loaded before
    model = mlflow.pyfunc.load_model(f"models:/{settings.model_name}/{current.version}")
    return Champion(version=current.version, run_id=current.run_id, model=model)


def decide(candidate_correct, champion_correct, threshold: float, min_improvement: float, seed: int) -> Decision:
    """The gate, on one boolean per holdout row for each model (the same rows, in the same order).

    Promote only if the candidate's accuracy meets the threshold and, when there is a champion, the lower end of
    the 95 % paired bootstrap interval of (candidate - champion) accuracy reaches `min_improvement`: the holdout
    must show the candidate at least that much better, not merely be consistent with it. A margin the holdout
    cannot resolve (above 0, below one row) raises evidence.UnresolvableMargin.
    """
    candidate_correct = np.asarray(candidate_correct, dtype=bool)
    rows = len(candidate_correct)
    evidence.check_margin(min_improvement, rows)
    candidate = float(candidate_correct.mean())
    interval = evidence.accuracy_interval(candidate_correct, seed)
    paired = None if champion_correct is None else evidence.paired(candidate_correct, champion_correct, seed)
    champion = None if champion_correct is None else float(np.mean(champion_correct))
    measured = (f"{GATE_METRIC} {candidate:.4f} on {rows} holdout rows "
                f"(95 % interval {interval.low:.4f} to {interval.high:.4f})")
    if candidate < threshold:
        promote, reason = False, f"{measured} is below the threshold {threshold:.4f}"
    elif paired is None:
        promote, reason = True, f"{measured} meets the threshold {threshold:.4f}; no champion yet"
    else:
        shown = paired.interval.low >= min_improvement - 1e-9
        promote, reason = shown, (
            f"{measured} meets the threshold {threshold:.4f}; against the champion's {champion:.4f} the paired "
            f"difference is {paired.difference:+.4f} (95 % interval {paired.interval.low:+.4f} to "
            f"{paired.interval.high:+.4f}, McNemar p = {paired.mcnemar_p:.3g}), whose lower end "
            + (f"reaches the margin {min_improvement:.4f}" if shown
               else f"is below the margin {min_improvement:.4f}: not shown better")
        )
    return Decision(promote, reason, candidate, champion, threshold, min_improvement, rows, interval, paired)


class DirtyTree(RuntimeError):
    """The code is not a committed state: a model trained from it could not be traced back, so it is not registered."""


def _git(root: Path, *arguments: str) -> str | None:
    try:
        done = subprocess.run(["git", *arguments], cwd=root, capture_output=True, text=True, check=False)
    except FileNotFoundError:  # git is not installed
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_commit(root: Path) -> str | None:
    return _git(root, "rev-parse", "HEAD")


def git_dirty(root: Path) -> bool | None:
    """True when tracked files differ from HEAD or files git does not ignore are untracked; None outside git."""
    if git_commit(root) is None:
        return None if _git(root, "rev-parse", "--git-dir") is None else True  # a repository with no commit yet
    changes = _git(root, "status", "--porcelain")
    return None if changes is None else bool(changes)


def lineage_tags(root: Path) -> dict[str, str]:
    """The code's lineage, as MLflow tags: the commit, and whether the tree had uncommitted changes."""
    dirty = git_dirty(root)
    return {
        "git_commit": git_commit(root) or "none (not a git repository, or no commit yet)",
        "git_dirty": "unknown (not a git repository)" if dirty is None else str(dirty).lower(),
    }


def check_clean_tree(settings: Settings, root: Path | None = None) -> None:
    """With `require_clean_tree` (staging, prod): refuse to go on from a dirty tree or an unknown commit."""
    if not settings.require_clean_tree:
        return
    root = root or Path.cwd()
    dirty = git_dirty(root)
    if dirty is not False:
        where = "uncommitted changes" if dirty else "code outside a git repository"
        raise DirtyTree(f"refusing to register a model from {where} in {root}: commit first "
                        "(REQUIRE_CLEAN_TREE=false allows it for a local try)")


def _scalar_params(model) -> dict[str, object]:
    return {
        name: value for name, value in model.get_params(deep=True).items()
        if value is None or isinstance(value, (bool, int, float, str))
    }


def _gate_metrics(decision: Decision) -> dict[str, float]:
    metrics = {
        "gate_threshold": decision.threshold, "gate_min_improvement": decision.min_improvement,
        "gate_holdout_rows": decision.rows, f"gate_{GATE_METRIC}_low": decision.candidate_interval.low,
        f"gate_{GATE_METRIC}_high": decision.candidate_interval.high,
    }
    if decision.champion is not None:
        metrics[f"champion_holdout_{GATE_METRIC}"] = decision.champion
    if decision.paired is not None:
        metrics |= {
            "gate_difference": decision.paired.difference, "gate_difference_low": decision.paired.interval.low,
            "gate_difference_high": decision.paired.interval.high, "gate_mcnemar_p": decision.paired.mcnemar_p,
            "gate_candidate_only_rows": decision.paired.candidate_only,
            "gate_champion_only_rows": decision.paired.champion_only,
        }
    return metrics


def log_model(settings: Settings, model: raw_model.RawModel, raw: pd.DataFrame):
    """Log and register `model` as a pyfunc of raw rows carrying its feature code; return MLflow's ModelInfo."""
    here = Path(__file__).parent
    example = raw[RAW_COLUMNS].head(5).reset_index(drop=True).astype("float64")  # the signature: doubles
    with tempfile.TemporaryDirectory(prefix="model-") as folder:
        bundle = Path(folder) / BUNDLE
        bundle.mkdir()
        (bundle / "__init__.py").write_text(f'"""Feature and model code of {__package__}, carried by its model."""\n')
        for module in BUNDLED_MODULES:
            shutil.copyfile(here / module, bundle / module)
        raw_model.save(model.pipeline, Path(folder) / "pipeline")
        return mlflow.pyfunc.log_model(
            name="model", registered_model_name=settings.model_name,
            loader_module=f"{BUNDLE}.raw_model", data_path=str(Path(folder) / "pipeline"), code_paths=[str(bundle)],
            signature=infer_signature(example, model.predict(example)), input_example=example,
            pip_requirements=[f"{name}=={installed_version(name)}" for name in MODEL_REQUIREMENTS],
        )


def record(settings: Settings, model: raw_model.RawModel, raw: pd.DataFrame, metrics: dict[str, float],
           decision: Decision, champion: Champion | None, lineage: dict[str, str], shift: ShiftReport) -> str:
    """Log the run and its lineage, register the model, move the aliases as the gate decided; return the version.

    `model` is the trained pipeline behind the feature function (raw_model.RawModel) and `raw` its training rows.
    """
    from .validation import INPUT_RANGES_FILE, input_ranges  # pandera: only a training run needs it

    check_clean_tree(settings)
    mlflow_client = client(settings)
    staged = decision.promote and getattr(settings, "promotion", "champion") == CANDIDATE
    decision_tag = (CANDIDATE if staged else "promoted") if decision.promote else "rejected"
    tags = {
        "trained": "true",
        "pipeline_version": __version__,
        **lineage_tags(Path.cwd()),
        "previous_champion_version": champion.version if champion else "none",
        "previous_champion_run_id": champion.run_id if champion else "none",
        "decision": decision_tag,
        "decision_reason": decision.reason,
        "shifted_features": ",".join(shift["shifted_features"]) or "none",
        **lineage,
    }
    with mlflow.start_run(experiment_id=experiment_id(settings)) as run:
        mlflow.set_tags(tags)
        mlflow.log_params(_scalar_params(model.pipeline) | {"seed": settings.seed, "training_rows": len(raw)})
        mlflow.log_metrics({f"holdout_{name}": value for name, value in metrics.items()})
        mlflow.log_metrics(_gate_metrics(decision) | {"shift_max_ks_statistic": shift["max_ks_statistic"]})
        mlflow.log_dict(shift, "data_shift_report.json")
        mlflow.log_dict(input_ranges(raw), INPUT_RANGES_FILE)  # what serving accepts for this model
        new_version = str(log_model(settings, model, raw).registered_model_version)
        mlflow.set_tag("registered_version", new_version)
        mlflow.log_text(card.version_card(settings.model_name, new_version, decision, decision_tag,
                                          champion.version if champion else None, tags), card.FILE)
    mlflow_client.set_model_version_tag(settings.model_name, new_version, GATED_AGAINST,
                                        champion.version if champion else "none")
    if staged:  # the production alias is not touched: `promote` (the approved production job) moves it
        mlflow_client.set_registered_model_alias(settings.model_name, CANDIDATE, new_version)
    elif decision.promote:
        try:
            check_champion_unchanged(mlflow_client, settings.model_name, champion.version if champion else None)
        except ChampionChanged as conflict:
            mlflow_client.set_tag(run.info.run_id, "decision", "refused")
            mlflow_client.set_tag(run.info.run_id, "decision_reason", str(conflict))
            mlflow_client.set_model_version_tag(settings.model_name, new_version, "decision", "refused")
            mlflow_client.set_model_version_tag(settings.model_name, new_version, "run_id", run.info.run_id)
            raise
        if champion is not None:
            mlflow_client.set_registered_model_alias(settings.model_name, PREVIOUS_CHAMPION, champion.version)
        mlflow_client.set_registered_model_alias(settings.model_name, CHAMPION, new_version)
    else:
        mlflow_client.set_registered_model_alias(settings.model_name, CHALLENGER, new_version)
    mlflow_client.set_model_version_tag(settings.model_name, new_version, "decision", decision_tag)
    mlflow_client.set_model_version_tag(settings.model_name, new_version, "run_id", run.info.run_id)
    return new_version


def promote(settings: Settings) -> tuple[str, str | None]:
    """Make `@candidate` the champion (the old champion becomes `previous-champion`); return (new, old) versions.

    Check-and-set: the champion alias is re-read right before it moves, and the promotion is refused when it is
    no longer the version the gate compared the candidate with (another promotion or a rollback happened since).
    """
    mlflow_client = client(settings)
    name = settings.model_name
    candidate = alias_version(mlflow_client, name, CANDIDATE)
    if candidate is None:
        raise LookupError(f"model {name!r} has no {CANDIDATE!r} version: staging's gate has not passed one")
    gated_against = candidate.tags.get(GATED_AGAINST, "none")
    expected = None if gated_against == "none" else gated_against
    check_champion_unchanged(mlflow_client, name, expected)
    if expected is not None:
        mlflow_client.set_registered_model_alias(name, PREVIOUS_CHAMPION, expected)
    mlflow_client.set_registered_model_alias(name, CHAMPION, candidate.version)
    mlflow_client.delete_registered_model_alias(name, CANDIDATE)
    mlflow_client.set_model_version_tag(name, candidate.version, "decision", "promoted")
    if candidate.run_id:
        mlflow_client.set_tag(candidate.run_id, "decision", "promoted")
    return str(candidate.version), expected


def status(settings: Settings) -> dict[str, object]:
    """The registry at a glance: each alias's version, and every version with its gate decision."""
    mlflow_client = client(settings)
    try:
        registered = mlflow_client.get_registered_model(settings.model_name)
    except MlflowException as error:
        if not is_not_found(error):
            raise
        return {"model": settings.model_name, "aliases": {}, "versions": []}
    versions = mlflow_client.search_model_versions(f"name = '{settings.model_name}'")
    return {
        "model": settings.model_name,
        "aliases": {name: str(version) for name, version in sorted(registered.aliases.items())},
        "versions": sorted(
            ({"version": v.version, "decision": v.tags.get("decision"), "run_id": v.run_id} for v in versions),
            key=lambda item: int(item["version"]),
        ),
    }
