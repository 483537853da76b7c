"""The training pipeline as a Prefect flow.

This is the orchestrator seam: the steps are plain functions in their own modules, and only this module imports
Prefect. Another orchestrator (Airflow, Kubeflow Pipelines, DVC pipelines) would wrap the same functions.
"""

from __future__ import annotations

import os

from prefect import flow, get_run_logger, serve, task
from prefect.cache_policies import NO_CACHE
from prefect.deployments.runner import EntrypointType, RunnerDeployment
{% if cookiecutter.feature_store == "feast" %}
from . import __version__, config, evaluate, evidence, feature_store, ingest, registry, train, validation
{%- else %}
from . import __version__, config, evaluate, evidence, ingest, registry, train, validation
{%- endif %}

DEPLOYMENT_NAME = "scheduled-training"


def _task(function, name: str):
    return task(function, name=name, cache_policy=NO_CACHE)


ingest_task = _task(ingest.ingest, "ingest")
version_task = _task(ingest.version, "version-data")
check_data_task = _task(ingest.tracked_versions, "check-data")
last_version_task = _task(registry.last_trained_data_version, "last-trained-data-version")
load_task = _task(ingest.load_raw, "load-raw")
load_holdout_task = _task(ingest.load_holdout, "load-holdout")
validate_task = _task(validation.validate, "validate")
shift_task = _task(validation.shift_report, "shift-report")
train_task = _task(train.train, "train")
check_margin_task = _task(evidence.check_margin, "check-margin")
evaluate_task = _task(evaluate.evaluate, "evaluate")
correct_task = _task(evaluate.correct, "score-holdout-rows")
champion_task = _task(registry.load_champion, "load-champion")
gate_task = _task(registry.decide, "gate")
register_task = _task(registry.record, "register")
{%- if cookiecutter.feature_store == "feast" %}
publish_task = _task(feature_store.publish, "materialise-features")
historical_task = _task(feature_store.training_frame, "historical-features")
fit_task = _task(train.fit_features, "train")
{%- endif %}


@flow(name="training-pipeline", version=__version__)
def training_pipeline(force: bool = False) -> dict[str, object]:
    """Check the data (DVC pointers) -> skip if unchanged -> validate -> train -> evaluate -> gate -> register.

    The pipeline never writes or regenerates data: missing data, or data whose md5 differs from its `.dvc` pointer,
    stops it (ingest.DataError); `make init` pulls the tracked version. A margin the holdout cannot resolve stops
    it before training (evidence.UnresolvableMargin).
    """
    logger = get_run_logger()
    settings = config.load()
    versions = check_data_task(settings)
    if not force and versions["data_version"] == last_version_task(settings):
        logger.info("Data version %s is unchanged since the last training run: nothing to do.",
                    versions["data_version"])
        return {"status": "skipped", **versions}
    raw = validate_task(load_task(settings))
    holdout = validate_task(load_holdout_task(settings))
    check_margin_task(settings.min_improvement, len(holdout))
    shift = shift_task(raw, holdout, settings.shift_p_value)
    if shift["shifted_features"]:
        logger.warning("Distribution shift (KS p < %s) in %d feature(s): %s", settings.shift_p_value,
                       len(shift["shifted_features"]), ", ".join(shift["shifted_features"]))
    else:
        logger.info("No distribution shift against the holdout (largest KS statistic %.3f).",
                    shift["max_ks_statistic"])
{%- if cookiecutter.feature_store == "feast" %}
    published = publish_task(settings, raw)  # the validated rows' features, online too (Feast)
    logger.info("Feature store: %d rows, %d new or changed materialised online.", published["rows"],
                published["changed"])
    training = historical_task(settings, raw)  # read back point in time: what serving looks up by id
    model = fit_task(training, settings.seed)
{%- else %}
    model = train_task(raw, settings.seed)
{%- endif %}
    metrics = evaluate_task(model, holdout)
    champion = champion_task(settings)
    decision = gate_task(correct_task(model, holdout), correct_task(champion.model, holdout) if champion else None,
                         settings.accuracy_threshold, settings.min_improvement, settings.seed)
    version = register_task(settings, model, raw, metrics, decision, champion, versions, shift)
    status = "promoted" if decision.promote else "rejected"
    logger.info("Gate: version %s %s as %s: %s.", version, status,
                registry.CHAMPION if decision.promote else registry.CHALLENGER, decision.reason)
    return {"status": status, "version": version, "reason": decision.reason, **versions, **metrics}


def deployment(settings: config.Settings) -> RunnerDeployment:
    """The scheduled deployment: the same flow, run by cron (built without a server)."""
    return training_pipeline.to_deployment(
        name=DEPLOYMENT_NAME, cron=settings.schedule_cron, entrypoint_type=EntrypointType.MODULE_PATH
    )


def serve_schedule(settings: config.Settings) -> None:
    """Serve the scheduled deployment against a running Prefect server (blocks until interrupted)."""
    if not os.environ.get("PREFECT_API_URL"):
        raise RuntimeError(
            "scheduling needs a Prefect server: run `make ui` in another terminal, then `make schedule` "
            "(it sets PREFECT_API_URL=http://127.0.0.1:4200/api)"
        )
    serve(deployment(settings))
