"""One pass of the training pipeline through its plain step functions (the same ones the Prefect flow wraps),
without an orchestrator: the fast way for tests to put models in the registry and let the gate decide."""

from __future__ import annotations

from {{ cookiecutter.package_name }} import config, evaluate, ingest, registry, train, validation
from {{ cookiecutter.package_name }}.features import build_features


def gate_and_register(settings: config.Settings, model=None) -> tuple[str, registry.Decision]:
    """Train (or fit `model`), evaluate on the frozen holdout, gate against the champion, register the model."""
    ingest.ingest(settings)
    raw = validation.validate(ingest.load_raw(settings))
    holdout = validation.validate(ingest.load_holdout(settings))
    if model is None:
        model = train.train(raw, settings.seed)
    else:
        model.fit(build_features(raw), raw["target"])
    metrics = evaluate.evaluate(model, holdout)
    champion = registry.load_champion(settings)
    champion_metric = evaluate.evaluate(champion.model, holdout)[registry.GATE_METRIC] if champion else None
    decision = registry.decide(metrics[registry.GATE_METRIC], champion_metric,
                               settings.accuracy_threshold, settings.min_improvement)
    shift = validation.shift_report(raw, holdout, settings.shift_p_value)
    lineage = {"data_version": ingest.file_md5(settings.raw_file),
               "holdout_version": ingest.file_md5(settings.holdout_file)}
    version = registry.record(settings, model, build_features(raw), metrics, decision, champion, lineage, shift)
    return version, decision
