"""ML2xx: pipeline orchestration and continuous training (the Level 1 "chasm")."""

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
    "ML201",
    "pipeline-as-code",
    "Training is an orchestrated pipeline defined in code",
    level="1",
    weight=Weight.REQUIRED,
    remediation=(
        "Wrap prepare -> validate -> train -> evaluate -> register as steps of an orchestrated pipeline "
        "(Prefect, Airflow, Kubeflow, Dagster, ZenML, Kedro, Metaflow, DVC pipelines ...)."
    ),
    url=(
        "https://cloud.google.com/architecture/mlops-continuous-delivery-and-automation-pipelines-in-machine-learning#mlops_level_1_ml_pipeline_automation"  # noqa: E501
    ),
)
def pipeline_as_code(facts: Facts) -> Finding:
    """A pipeline DAG defined in code or pipeline YAML: Prefect `@flow`, Airflow `DAG`/`@dag`, KFP
    `@dsl.pipeline`, TFX, Dagster, ZenML, Flyte, Metaflow `FlowSpec`, Kedro, SageMaker/Vertex/Azure ML
    pipelines, `dvc.yaml` stages, Databricks jobs, Argo, Mage. A Makefile chain or a lone training script
    is partial."""
    code = pl.orchestrators(facts, m.PROD)
    declared = pl.yaml_pipelines(facts)
    if code or declared:
        evidence = [e for hits in code.values() for e in m.evidence(hits)[:5]]
        evidence += [e for items in declared.values() for e in items[:5]]
        return Finding(
            Status.PASS,
            f"pipeline defined with {', '.join(sorted(set(code) | set(declared)))}",
            evidence[: m.MAX_EVIDENCE],
        )
    others = pl.orchestrators(facts, ("notebook", "example"))
    if others:
        hits = [h for items in others.values() for h in items]
        return Finding(
            Status.PARTIAL,
            f"{', '.join(sorted(others))} pipeline only in notebooks or examples",
            m.evidence(hits),
        )
    chain = [
        target
        for target, recipe in facts.make_targets.items()
        if len([r for r in recipe if re.search(r"\bpython|\bdvc|\buv run", r)]) >= 2
        or re.search(r"train|pipeline", target)
        and recipe
    ]
    if chain:
        return Finding(
            Status.PARTIAL,
            f"steps chained by make targets ({', '.join(chain[:4])}), no orchestrator",
            [
                Evidence(path, None, "make " + " ".join(chain[:4]))
                for path in facts.texts
                if path.rsplit("/", 1)[-1] in ("Makefile", "justfile")
            ][:3],
        )
    scripts = [s for s in facts.by_role("prod") if s.facts.has_main_guard and re.search(r"train", s.path)]
    if scripts:
        return Finding(
            Status.PARTIAL,
            "a training script, but no pipeline of steps",
            [Evidence(s.path) for s in scripts][:5],
        )
    return Finding(Status.FAIL, "no pipeline or orchestrator found")


@check(
    "ML202",
    "pipeline-has-ml-stages",
    "The pipeline has the ML stages, validation included",
    level="1",
    weight=Weight.NORMAL,
    remediation=(
        "Give the pipeline explicit steps for data preparation, data validation, training, evaluation/model "
        "validation and registration/push."
    ),
)
def ml_stages(facts: Facts) -> Finding:
    """Step names of the pipeline cover prepare, validate data, train, evaluate and register/push (at least
    four of the five, training included); fewer is partial."""
    covered: dict[str, Evidence] = {}
    for name, ev in pl.stage_names(facts):
        for stage, words in p.STAGE_WORDS.items():
            if stage not in covered and re.search(words, name, re.I):
                covered[stage] = ev
    if "train" in covered and len(covered) >= 4:
        return Finding(Status.PASS, f"stages: {', '.join(covered)}", list(covered.values()))
    missing = [s for s in p.STAGE_WORDS if s not in covered]
    if covered:
        return Finding(
            Status.PARTIAL,
            f"stages found: {', '.join(covered)}; missing {', '.join(missing)}",
            list(covered.values()),
        )
    return Finding(Status.FAIL, "no named pipeline steps found")


@check(
    "ML203",
    "continuous-training-trigger",
    "Training is triggered automatically (schedule, new data, drift)",
    level="1",
    weight=Weight.REQUIRED,
    remediation=(
        "Add a scheduled or data-triggered retrain: a cron schedule on the orchestrator "
        "(`flow.serve(cron=...)`, Airflow `schedule=`) or a scheduled CI workflow that runs the pipeline. "
        "Schedules configured in a UI cannot be seen: ignore the check with a reason."
    ),
    url=(
        "https://cloud.google.com/architecture/mlops-continuous-delivery-and-automation-pipelines-in-machine-learning#additional_components"  # noqa: E501
    ),
)
def ct_trigger(facts: Facts) -> Finding:
    """An automatic trigger on the training pipeline: an orchestrator schedule or sensor (Prefect `cron=`,
    Airflow `schedule=`, Dagster schedules/sensors, Vertex/KFP recurring runs, Azure ML schedules,
    Databricks and Argo cron), a scheduled CI workflow that runs training, or a CI workflow triggered by
    data changes. A scheduled workflow that only lints does not count; on-demand only (`workflow_dispatch`)
    is partial."""
    scheduled = pl.ct_ci_steps(facts)
    orchestrated = pl.orchestrator_schedules(facts)
    if scheduled or orchestrated:
        how = [
            x for x, found in (("CI schedule", scheduled), ("orchestrator schedule", orchestrated)) if found
        ]
        return Finding(
            Status.PASS,
            f"retraining triggered by {' and '.join(how)}",
            m.step_evidence(scheduled)[:5] + orchestrated[:10],
        )
    lint_only = [s for s in m.ci_steps(facts, "schedule")]
    notebook = pl.orchestrator_schedules(facts, ("notebook", "example"))
    manual = pl.training_steps(facts, m.ci_steps(facts, "manual"))
    deployments = m.calls(facts, (".to_deployment", ".serve", ".deploy"), m.PROD)
    if manual or notebook or deployments:
        return Finding(
            Status.PARTIAL,
            "training can be started on demand but nothing triggers it automatically",
            m.step_evidence(manual) + notebook + m.evidence(deployments),
        )
    if lint_only:
        return Finding(
            Status.FAIL,
            "a scheduled workflow exists but it does not run training",
            m.step_evidence(lint_only)[:3],
        )
    return Finding(Status.FAIL, "no schedule or data trigger for training")


_ENV_NAMES = "dev|develop|development|local|test|staging|stage|stg|preprod|qa|prod|production|prd"
_ENVS = rf"(^|[/_.-])({_ENV_NAMES})([/_.-]|$)"


@check(
    "ML204",
    "environment-parameterised-pipeline",
    "The same pipeline runs in dev, staging and production",
    level="2",
    weight=Weight.NORMAL,
    remediation=(
        "Parameterise one pipeline by environment (config per environment, Databricks bundle targets, Hydra "
        "groups) instead of forking code per environment."
    ),
)
def env_symmetry(facts: Facts) -> Finding:
    """Configuration per environment (`configs/dev.yaml`, `staging`, `prod`, Kedro/Hydra environment folders,
    Databricks bundle `targets`) for one pipeline implementation; two or more environments including
    production."""
    envs: dict[str, list[Evidence]] = {}
    for path in facts.paths_matching(r"\.(ya?ml|toml|json|env|ini|cfg)$"):
        if path.startswith("../") or path.startswith((".github/", "tests/")):
            continue
        hit = re.search(_ENVS, path.lower())
        if hit and re.search(r"conf|config|settings|env|params|deploy", path.lower()):
            envs.setdefault(_norm_env(hit.group(2)), []).append(Evidence(path))
    for path, docs in facts.yaml.items():
        for doc in docs:
            if (
                isinstance(doc, dict)
                and re.search(r"databricks\.ya?ml$", path)
                and isinstance(doc.get("targets"), dict)
            ):
                for target in doc["targets"]:
                    envs.setdefault(_norm_env(str(target)), []).append(
                        Evidence(path, None, f"target {target}")
                    )
    evidence = [e for items in envs.values() for e in items[:3]]
    if len(envs) >= 2 and "prod" in envs:
        return Finding(Status.PASS, f"environments: {', '.join(sorted(envs))}", evidence)
    if envs:
        return Finding(Status.PARTIAL, f"only {', '.join(sorted(envs))} configured", evidence)
    return Finding(Status.FAIL, "no per-environment configuration")


def _norm_env(name: str) -> str:
    name = name.lower()
    for canonical, words in (
        ("prod", ("prod", "production", "prd")),
        ("staging", ("staging", "stage", "stg", "preprod", "qa")),
        ("dev", ("dev", "develop", "development", "local", "test")),
    ):
        if name in words:
            return canonical
    return name


@check(
    "ML205",
    "feature-store-or-shared-features",
    "Features are defined once for training and serving",
    level="1",
    weight=Weight.LOW,
    remediation=(
        "Serve features from a feature store (Feast, Tecton, Hopsworks, cloud stores) or import one feature "
        "module from both training and serving code."
    ),
    url="https://docs.feast.dev/",
)
def shared_features(facts: Facts) -> Finding:
    """A feature store (Feast, Tecton, Hopsworks, Databricks, Vertex, SageMaker Feature Store) used in code,
    or one local feature module imported by both training and online serving code. Not applicable without
    online serving."""

    store = {
        tool: hits for tool, hits in m.by_tool(facts, p.FEATURE_STORE, m.PROD, "imports").items() if hits
    }
    feast = facts.paths_matching(r"(^|/)feature_store\.ya?ml$")
    if store or feast:
        hits = [h for items in store.values() for h in items]
        return Finding(
            Status.PASS,
            f"feature store: {', '.join(sorted(store)) or 'Feast'}",
            m.file_evidence(feast) + m.evidence(hits),
        )
    serving = sv.online_serving(facts)
    if not serving:
        return Finding(Status.NOT_APPLICABLE, "no online serving, so no training/serving skew to prevent")
    trainers = {h.source.path for h in m.calls(facts, p.TRAINING_CALLS, m.PROD)}
    importers: dict[str, set[str]] = {}
    for source in facts.by_role("prod"):
        for name, _ in source.facts.imports + source.facts.relative_imports:
            last = name.rstrip(".").rsplit(".", 1)[-1]
            if "feature" in last.lower():
                importers.setdefault(last, set()).add(source.path)
    for module, users in importers.items():
        if users & trainers and users & {h.source.path for h in serving}:
            return Finding(
                Status.PASS,
                f"feature module `{module}` shared by training and serving",
                [Evidence(path, None, f"imports {module}") for path in sorted(users)][:5],
            )
    return Finding(Status.FAIL, "online serving without a feature store or a shared feature module")


@check(
    "ML206",
    "monitoring-triggered-retraining",
    "Drift or performance monitoring triggers retraining",
    level="2",
    weight=Weight.NORMAL,
    remediation=(
        "Wire the drift/performance monitor to the pipeline: when it fires, start a training run "
        "(`run_deployment`, a `repository_dispatch`/`gh workflow run`, a pipeline submit)."
    ),
)
def monitoring_trigger(facts: Facts) -> Finding:
    """Drift or performance monitoring code (Evidently, whylogs, NannyML, alibi-detect, KS/PSI) that starts a
    retraining run itself, or a CI job that runs the monitor and then the pipeline or a dispatch."""

    monitors = sv.drift_sources(facts)
    if not monitors:
        return Finding(Status.FAIL, "no drift or performance monitoring code")
    evidence = []
    for source in monitors:
        triggers = [
            c
            for c in source.facts.calls
            if m.any_match(c.name, p.RETRAIN_TRIGGER_CALLS)
            or re.search(
                r"retrain|train_flow|training_flow|pipeline|run_deployment", c.name.rsplit(".", 1)[-1]
            )
        ]
        evidence += [Evidence(source.path, c.line, source.facts.snippet(c.line)) for c in triggers]
    steps = m.ci_steps(facts)
    monitor_steps = {
        id(s) for path, s in m.invoked_sources(facts, steps).items() if path in {x.path for x in monitors}
    }
    for pipeline in facts.pipelines:
        for job in pipeline.jobs:
            job_steps = [s for s in steps if s.job is job]
            if any(id(s) in monitor_steps for s in job_steps) and m.steps_matching(
                job_steps, r"gh workflow run|dispatches|repository_dispatch|" + p.TRAIN_COMMANDS
            ):
                evidence += m.step_evidence(job_steps)[:3]
    if evidence:
        return Finding(Status.PASS, "drift monitoring starts retraining", evidence[:10])
    return Finding(
        Status.PARTIAL,
        "drift is measured but nothing retrains on it",
        [Evidence(s.path) for s in monitors][:5],
    )
