"""ML3xx: experiment tracking, lineage metadata, model registry, promotion and rollback."""

from __future__ import annotations

import re

from mlops_level.assess.checks.registry import check
from mlops_level.assess.detect import match as m
from mlops_level.assess.detect import patterns as p
from mlops_level.assess.detect import pipelines as pl
from mlops_level.assess.detect import tracking as tr
from mlops_level.assess.facts.repository import Facts
from mlops_level.assess.model import Evidence, Finding, Status, Weight


@check(
    "ML301",
    "experiment-tracking",
    "Runs are tracked (params, metrics, artifacts)",
    level="1",
    weight=Weight.REQUIRED,
    remediation=(
        "Log parameters, metrics and artifacts of every run with a tracker (MLflow, W&B, Neptune, Comet, "
        "ClearML, DVCLive, Aim) from the training code."
    ),
    url="https://mlflow.org/docs/latest/ml/tracking/",
)
def experiment_tracking(facts: Facts) -> Finding:
    """Tracker calls in the training code: `mlflow.start_run/log_metric/autolog`, `wandb.init/log`,
    `neptune.init_run`, `comet_ml.Experiment`, `clearml.Task.init`, `aim.Run`, `dvclive.Live`, Vertex or
    SageMaker experiments. TensorBoard or metrics files only, or tracking only in notebooks, are partial."""
    prod = tr.trackers(facts, m.PROD)
    if prod:
        hits = [h for items in prod.values() for h in items]
        return Finding(
            Status.PASS, f"{', '.join(sorted(prod))} tracking in {m.where_hits(hits)}", m.evidence(hits)
        )
    other = tr.trackers(facts, ("notebook", "example"))
    weak = m.calls(facts, p.WEAK_TRACKING_CALLS, m.PROD)
    metrics = [
        Evidence(path, None, "metrics:")
        for path, docs in facts.yaml.items()
        if path.endswith("dvc.yaml") and any(isinstance(d, dict) and "metrics" in str(d) for d in docs)
    ]
    if other or weak or metrics:
        hits = [h for items in other.values() for h in items] + weak
        what = (
            ", ".join(sorted(other)) + " only in notebooks" if other else "TensorBoard or metrics files only"
        )
        return Finding(Status.PARTIAL, what, m.evidence(hits) + metrics)
    return Finding(Status.FAIL, "no experiment tracking in code")


@check(
    "ML302",
    "lineage-metadata",
    "Each run records its data version and artifacts",
    level="1",
    weight=Weight.NORMAL,
    remediation=(
        "Record the input data version with each run (`mlflow.log_input`, a data-hash tag, W&B "
        "`use_artifact`, a committed `dvc.lock`)."
    ),
    url="https://mlflow.org/docs/latest/ml/dataset/",
)
def lineage(facts: Facts) -> Finding:
    """Per-run lineage: `mlflow.log_input`/`mlflow.data`, W&B `use_artifact`, tags or params carrying a data
    version or hash, a committed `dvc.lock`, or a KFP/TFX/Vertex/SageMaker pipeline (built-in lineage
    metadata). Tracking without data versions is partial."""
    direct = m.calls(facts, ("mlflow.log_input", "mlflow.data.*", ".use_artifact"), m.PROD)
    tagged = [
        h
        for h in m.calls(facts, p.LINEAGE_CALLS, m.PROD)
        if any(
            re.search(p.LINEAGE_WORDS, s, re.I)
            for c in h.source.facts.calls
            if c.line == h.line
            for s in c.strings
        )
    ]
    hashed = [
        h
        for h in m.strings(facts, p.LINEAGE_WORDS, m.PROD)
        if any(m.any_match(c.name, p.LINEAGE_CALLS) for c in h.source.facts.calls)
    ]
    locks = facts.paths_matching(r"(^|/)dvc\.lock$")
    metadata = {
        t: hits for t, hits in pl.orchestrators(facts, m.PROD).items() if t in tr.METADATA_ORCHESTRATORS
    }
    hits = direct + tagged + hashed + [h for items in metadata.values() for h in items]
    if hits or locks:
        return Finding(Status.PASS, "run inputs recorded", m.evidence(hits)[:10] + m.file_evidence(locks))
    tracked = tr.trackers(facts, m.PROD)
    if tracked:
        return Finding(
            Status.PARTIAL,
            "runs are tracked, but not the data version they used",
            m.evidence([h for items in tracked.values() for h in items])[:5],
        )
    return Finding(Status.FAIL, "no run metadata")


@check(
    "ML303",
    "model-registry",
    "Trained models are pushed to a model registry",
    level="2",
    weight=Weight.REQUIRED,
    remediation=(
        "Register every trained model version from the pipeline (`mlflow.register_model` or "
        "`log_model(registered_model_name=...)`, W&B `link_model`, Vertex `Model.upload`, SageMaker model "
        "packages, Azure ML `models.create_or_update`)."
    ),
    url="https://mlflow.org/docs/latest/ml/model-registry/",
)
def model_registry(facts: Facts) -> Finding:
    """Registration in code outside tests: MLflow (`register_model`, `registered_model_name=`,
    `create_model_version`), W&B registry links, Vertex `Model.upload`, SageMaker `RegisterModel`/model
    packages, Azure ML models, ZenML `Model`. Hugging Face Hub pushes or a BentoML local store are partial."""
    hits = tr.registrations(facts, m.ANY_CODE)
    if not m.production(hits):
        weak = m.calls(facts, p.WEAK_REGISTRY_CALLS, m.PROD)
        if weak:
            return Finding(
                Status.PARTIAL, "models pushed to a hub or local store, not a registry", m.evidence(weak)
            )
    return m.by_role(hits, "models registered", missing="no model registry use found")


@check(
    "ML304",
    "model-promotion-and-rollback",
    "Models are promoted (and rolled back) by alias or stage",
    level="2",
    weight=Weight.NORMAL,
    remediation=(
        "Promote by moving a registry alias (`set_registered_model_alias(name, 'champion', v)`) and serve "
        "`models:/name@champion`; roll back by moving the alias back."
    ),
    url="https://mlflow.org/docs/latest/ml/model-registry/#deploy-and-organize-models-with-aliases-and-tags",
)
def promotion(facts: Facts) -> Finding:
    """Aliases or stages managed in code (`set_registered_model_alias`, `get_model_version_by_alias`,
    `models:/name@alias`, Vertex `version_aliases`, SageMaker approval status, ZenML stages). The
    deprecated MLflow `transition_model_version_stage` passes with a note."""
    hits = m.calls(facts, p.PROMOTION_CALLS + (".get_model_version_by_alias",))
    hits += m.kwarg_calls(facts, ("version_aliases", "ModelApprovalStatus"))
    hits += m.strings(facts, r"^models:/[^/]+@\w+")
    finding = m.by_role(hits, "model versions promoted by alias", missing="no alias or stage management")
    if finding.status is Status.PASS and any("transition_model_version_stage" in h.label for h in hits):
        finding.reason += " (stages are deprecated since MLflow 2.9: prefer aliases)"
    return finding
