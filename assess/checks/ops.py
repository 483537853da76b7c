"""ML6xx: serving, prediction logging, monitoring, operational metrics and model documentation."""

from __future__ import annotations

import re

from mlops_level.assess.checks.registry import check
from mlops_level.assess.detect import match as m
from mlops_level.assess.detect import patterns as p
from mlops_level.assess.detect import pipelines as pl
from mlops_level.assess.detect import serving as sv
from mlops_level.assess.facts.repository import Facts
from mlops_level.assess.model import Evidence, Finding, Status, Weight


@check(
    "ML601",
    "serving-defined",
    "How the model is served is defined in code",
    level="F",
    weight=Weight.LOW,
    remediation=(
        "Declare how the model is served: an online service (FastAPI, BentoML, KServe ...) or a batch "
        "scoring job."
    ),
    url=(
        "https://cloud.google.com/architecture/mlops-continuous-delivery-and-automation-pipelines-in-machine-learning#mlops_level_0_manual_process"  # noqa: E501
    ),
)
def serving_defined(facts: Facts) -> Finding:
    """An online service (FastAPI/Flask app, BentoML service, Ray Serve, KServe/Seldon manifests, Triton
    config, TorchServe handlers) or a batch scoring job (`predict.py`/`score.py` calling `.predict`, Spark
    UDFs, Vertex batch prediction, SageMaker Transformer). Only in notebooks is partial."""
    online = sv.online_serving(facts)
    manifests = sv.serving_manifests(facts)
    if online or manifests:
        return Finding(
            Status.PASS,
            f"online serving in {m.where([h.source.path for h in online] + [e.path for e in manifests])}",
            m.evidence(online)[:5] + manifests[:5],
        )
    batch = sv.batch_scoring(facts)
    if batch:
        return Finding(Status.PASS, f"batch scoring in {m.where_hits(batch)}", m.evidence(batch)[:5])
    elsewhere = sv.batch_scoring(facts, ("notebook", "example"))
    if elsewhere:
        return Finding(
            Status.PARTIAL, "predictions only made in notebooks or examples", m.evidence(elsewhere)[:5]
        )
    return Finding(Status.FAIL, "no serving or scoring code")


@check(
    "ML602",
    "prediction-logging",
    "Predictions are logged for monitoring",
    level="1",
    weight=Weight.NORMAL,
    remediation=(
        "Log each request's inputs and prediction (a log, table or request-response capture such as "
        "SageMaker `DataCaptureConfig`, KServe `logger`) so drift and quality can be measured."
    ),
    url="https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-data-capture.html",
)
def prediction_logging(facts: Facts) -> Finding:
    """The serving code writes inputs and predictions somewhere (logging, a table, a file) or the platform
    captures them (SageMaker `DataCaptureConfig`, KServe `logger:`, Databricks inference tables). Not
    applicable without online serving."""
    serving = sv.online_serving(facts)
    capture = m.calls(facts, ("sagemaker.model_monitor.DataCaptureConfig",), m.PROD)
    capture += m.kwarg_calls(
        facts,
        (
            "auto_capture_config",
            "data_capture_config",
            "enable_request_response_logging",
            "request_response_logging_sampling_rate",
        ),
        m.PROD,
    )
    manifests = [
        Evidence(path, None, "logger:")
        for path, docs in facts.yaml.items()
        if any(
            isinstance(d, dict) and d.get("kind") == "InferenceService" and "logger" in str(d) for d in docs
        )
    ]
    if capture or manifests:
        return Finding(Status.PASS, "request/response capture configured", m.evidence(capture) + manifests)
    if not serving:
        return Finding(Status.NOT_APPLICABLE, "no online serving")
    files = sv.with_local_imports(facts, {h.source.path for h in serving})
    logs = [
        m.Hit(s, c.line, c.name)
        for s in files
        for c in s.facts.calls
        if m.any_match(c.name, p.PREDICTION_LOG_CALLS)
        or re.search(r"log_prediction|record_prediction", c.name)
    ]
    if logs:
        return Finding(
            Status.PASS, f"the service logs predictions ({m.where_hits(logs)})", m.evidence(logs)[:5]
        )
    return Finding(Status.FAIL, "the service does not log its predictions", m.evidence(serving)[:3])


@check(
    "ML603",
    "model-monitoring",
    "Drift and model performance are monitored on a schedule",
    level="2",
    weight=Weight.REQUIRED,
    remediation=(
        "Run a scheduled monitoring job comparing live data and predictions with the training reference "
        "(Evidently, whylogs, NannyML, alibi-detect, KS/PSI) and alert or retrain on drift."
    ),
    url="https://docs.evidentlyai.com/",
)
def model_monitoring(facts: Facts) -> Finding:
    """Drift or performance monitoring code (Evidently, whylogs, NannyML, alibi-detect, SageMaker/Vertex/Azure
    monitors, KS/PSI statistics) that runs on a schedule (a scheduled CI job or orchestrator schedule
    invoking it) or inside the service. Monitoring code run by hand or in notebooks is partial."""
    monitors = sv.drift_sources(facts)
    platform = m.calls(facts, (".create_monitoring_schedule", "azure.ai.ml.entities.MonitorSchedule"), m.PROD)
    if platform:
        return Finding(Status.PASS, "platform model monitor scheduled", m.evidence(platform))
    if not monitors:
        notebooks = sv.drift_sources(facts, ("notebook", "example"))
        if notebooks:
            return Finding(
                Status.PARTIAL, "drift analysed only in notebooks", [Evidence(s.path) for s in notebooks][:5]
            )
        return Finding(Status.FAIL, "no drift or performance monitoring")
    monitor_paths = {s.path for s in monitors}
    monitor_modules = {s.module.rsplit(".", 1)[-1] for s in monitors if s.module}
    scheduled = [
        s
        for path, s in m.invoked_sources(facts, m.ci_steps(facts, "schedule")).items()
        if path in monitor_paths
    ]
    scheduled += m.steps_matching(m.ci_steps(facts, "schedule"), r"\b(drift|monitor\w*)\b")

    schedule_files = {e.path for e in pl.orchestrator_schedules(facts)}
    wired = [
        s
        for s in facts.by_role("prod")
        if s.path in schedule_files
        or any(
            m.any_match(d.decorator, [x for v in p.PIPELINE_DECORATORS.values() for x in v])
            for d in s.facts.decorated
        )
    ]
    wired = [
        s
        for s in wired
        if s.path in monitor_paths
        or any(
            name.rstrip(".").rsplit(".", 1)[-1] in monitor_modules
            for name, _ in s.facts.imports + s.facts.relative_imports
        )
    ]
    serving = {h.source.path for h in sv.online_serving(facts)}
    in_service = (
        [s for s in sv.with_local_imports(facts, serving) if s.path in monitor_paths] if serving else []
    )
    if scheduled or wired or in_service:
        evidence = (
            m.step_evidence(scheduled)[:3] + [Evidence(s.path, None, "runs the monitor") for s in wired][:3]
        )
        evidence += [Evidence(s.path) for s in monitors][:3]
        return Finding(Status.PASS, f"monitoring in {m.where(monitor_paths)} runs automatically", evidence)
    return Finding(
        Status.PARTIAL,
        "monitoring code exists but nothing runs it on a schedule",
        [Evidence(s.path) for s in monitors][:5],
    )


@check(
    "ML604",
    "ops-metrics-and-alerting",
    "The service exports operational metrics and alerts",
    level="2",
    weight=Weight.LOW,
    remediation=(
        "Expose latency/throughput/error metrics (prometheus-client, OpenTelemetry) and alert on them."
    ),
    url="https://prometheus.io/docs/instrumenting/clientlibs/",
)
def ops_metrics(facts: Facts) -> Finding:
    """prometheus-client, prometheus-fastapi-instrumentator, OpenTelemetry, StatsD or Datadog in production
    code, Grafana dashboards, or Prometheus alerting rules."""
    hits = m.imports(facts, tuple(x[:-2] for x in p.OPS_METRICS), m.PROD)
    rules = [
        Evidence(path, None, "PrometheusRule")
        for path, text in facts.texts.items()
        if "PrometheusRule" in text or re.search(r"^\s*alert:", text, re.M)
    ]
    dashboards = facts.paths_matching(r"(^|/)(grafana|dashboards?)/[^/]+\.json$")
    if hits or rules or dashboards:
        return Finding(
            Status.PASS,
            "operational metrics exported",
            m.evidence(hits)[:5] + rules[:3] + m.file_evidence(dashboards)[:3],
        )
    return Finding(Status.FAIL, "no operational metrics or alerts")


@check(
    "ML605",
    "model-card-docs",
    "The model and its data are documented",
    level="F",
    weight=Weight.LOW,
    remediation=(
        "Write a model card (`MODEL_CARD.md`: intended use, data, metrics, limits) and keep it with the code."
    ),
    url="https://modelcards.withgoogle.com/about",
)
def model_card(facts: Facts) -> Finding:
    """A model card (`MODEL_CARD.md`, `model_card.md`, `model_cards/`), a datasheet, docs about the model,
    data or features."""
    found = [f for f in facts.paths_matching(*p.MODEL_CARD_FILES) if not f.startswith("../")]
    if found:
        return Finding(Status.PASS, f"model documentation: {m.where(found)}", m.file_evidence(found)[:5])
    return Finding(Status.FAIL, "no model card or model documentation")
