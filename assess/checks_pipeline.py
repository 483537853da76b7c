"""ML2xx: pipeline orchestration and continuous training (the Level 1 "chasm")."""

from __future__ import annotations

import re

from . import match as m
from . import patterns as p
from .facts import Facts
from .model import Evidence, Status, Weight
from .registry import Finding, check


def orchestrators(facts: Facts, roles: tuple[str, ...] = m.ANY_CODE) -> dict[str, list]:
    """Pipeline definitions per orchestrator: code hits, and for YAML-defined pipelines Evidence objects."""
    found: dict[str, list] = {}
    for tool, pats in p.PIPELINE_DECORATORS.items():
        found.setdefault(tool, []).extend(m.decorators(facts, pats, roles))
    for tool, pats in p.PIPELINE_CALLS.items():
        found.setdefault(tool, []).extend(m.calls(facts, pats, roles))
    for tool, pats in p.PIPELINE_BASES.items():
        found.setdefault(tool, []).extend(m.bases(facts, pats, roles))
    mage = m.imports(facts, ("mage_ai",), roles)
    if mage:
        found.setdefault("Mage", []).extend(mage)
    kedro = [
        m.Hit(s, None, "pipeline_registry")
        for s in facts.by_role(*roles)
        if s.path.endswith("pipeline_registry.py")
    ]
    found.setdefault("Kedro", []).extend(kedro)
    return {tool: hits for tool, hits in found.items() if hits}


def yaml_pipelines(facts: Facts) -> dict[str, list[Evidence]]:
    """Pipelines declared in YAML: DVC stages, Databricks jobs, Argo workflows, Azure ML pipelines, Mage."""
    found: dict[str, list[Evidence]] = {}
    for path, docs in facts.yaml.items():
        for doc in docs:
            if not isinstance(doc, dict):
                continue
            if path.endswith("dvc.yaml") and isinstance(doc.get("stages"), dict) and doc["stages"]:
                stages = doc["stages"]
                found.setdefault("DVC pipelines", []).append(
                    Evidence(path, None, f"{len(stages)} stage(s): {', '.join(list(stages)[:6])}")
                )
            jobs = (
                (doc.get("resources") or {}).get("jobs") if isinstance(doc.get("resources"), dict) else None
            )
            if re.search(r"(^|/)databricks\.ya?ml$|(^|/)resources/.+\.ya?ml$", path) and isinstance(
                jobs, dict
            ):
                found.setdefault("Databricks Jobs", []).append(
                    Evidence(path, None, f"jobs: {', '.join(jobs)}")
                )
            kind = doc.get("kind")
            if kind in ("Workflow", "CronWorkflow", "WorkflowTemplate") and "argoproj" in str(
                doc.get("apiVersion")
            ):
                found.setdefault("Argo Workflows", []).append(Evidence(path, None, f"kind: {kind}"))
            if doc.get("type") == "pipeline" and "jobs" in doc:
                found.setdefault("Azure ML pipelines", []).append(Evidence(path, None, "type: pipeline"))
            if "pipelineSpec" in doc or ("pipelineInfo" in doc and "root" in doc):
                found.setdefault("Kubeflow Pipelines", []).append(
                    Evidence(path, None, "compiled pipeline spec")
                )
    for path in facts.paths_matching(r"(^|/)pipelines/[^/]+/metadata\.ya?ml$"):
        if "blocks" in facts.texts.get(path, ""):
            found.setdefault("Mage", []).append(Evidence(path, None, "Mage pipeline"))
    return found


def stack(facts: Facts) -> list[str]:
    tools = set(orchestrators(facts)) | set(yaml_pipelines(facts))
    return sorted(tools)


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
    code = orchestrators(facts, m.PROD)
    declared = yaml_pipelines(facts)
    if code or declared:
        evidence = [e for hits in code.values() for e in m.evidence(hits)[:5]]
        evidence += [e for items in declared.values() for e in items[:5]]
        return Finding(
            Status.PASS,
            f"pipeline defined with {', '.join(sorted(set(code) | set(declared)))}",
            evidence[: m.MAX_EVIDENCE],
        )
    others = orchestrators(facts, ("notebook", "example"))
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


def stage_names(facts: Facts) -> list[tuple[str, Evidence]]:
    """Names of pipeline steps: orchestrator task/step functions (decorated, or wrapped by calling the
    decorator), operator task IDs, DVC stages, SageMaker and TFX step classes, Databricks task keys."""
    names: list[tuple[str, Evidence]] = []
    for source in facts.by_role("prod"):
        for dec in source.facts.decorated:
            if m.any_match(dec.decorator, p.STEP_DECORATORS) or dec.decorator in p.MAGE_DECORATORS:
                for name in (dec.function, *dec.strings):
                    names.append((name, Evidence(source.path, dec.line, f"@{dec.decorator} {dec.function}")))
        # steps made by calling the decorator (`train_task = task(train, name="train")`): every call of
        # the file may then run a step, so their names count
        wrapped = any(m.any_match(call.name, p.STEP_DECORATORS) for call in source.facts.calls)
        for call in source.facts.calls:
            if wrapped or m.any_match(call.name, p.STEP_CALLS):
                for name in (call.name.rsplit(".", 1)[-1], *call.strings):
                    names.append((name, Evidence(source.path, call.line, source.facts.snippet(call.line))))
    for path, docs in facts.yaml.items():
        for doc in docs:
            if isinstance(doc, dict) and path.endswith("dvc.yaml") and isinstance(doc.get("stages"), dict):
                for stage, spec in doc["stages"].items():
                    cmd = spec.get("cmd", "") if isinstance(spec, dict) else ""
                    names.append((f"{stage} {cmd}", Evidence(path, None, f"stage {stage}")))
            resources = doc.get("resources") if isinstance(doc, dict) else None
            jobs = resources.get("jobs") if isinstance(resources, dict) else None
            for job in (jobs or {}).values() if isinstance(jobs, dict) else ():
                for task in (job or {}).get("tasks") or []:
                    if isinstance(task, dict) and task.get("task_key"):
                        names.append(
                            (str(task["task_key"]), Evidence(path, None, f"task {task['task_key']}"))
                        )
    return names


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
    for name, ev in stage_names(facts):
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


def orchestrator_schedules(facts: Facts, roles: tuple[str, ...] = m.PROD) -> list:
    """Schedules and sensors defined in orchestrator code or pipeline YAML."""
    hits: list = m.calls(facts, p.SCHEDULE_CALLS, roles, kwargs=p.SCHEDULE_KWARGS)
    plain = tuple(x for x in p.SCHEDULE_CALLS if not x.startswith("."))
    hits += [
        h
        for h in m.calls(facts, plain, roles) + m.decorators(facts, plain, roles)
        if not h.label.startswith(("prefect.", "@prefect."))
    ]
    hits += m.calls(
        facts,
        p.PIPELINE_CALLS["Airflow"] + ("airflow.decorators.dag", "airflow.sdk.dag"),
        roles,
        kwargs=("schedule", "schedule_interval", "timetable"),
    )
    hits += [
        h
        for h in m.decorators(facts, ("airflow.decorators.dag", "airflow.sdk.dag"), roles)
        if h.source.facts
        and any(
            d.kwargs & {"schedule", "schedule_interval", "timetable"}
            for d in h.source.facts.decorated
            if d.line == h.line
        )
    ]
    evidence = m.evidence(hits)
    if roles == m.PROD:
        evidence += yaml_schedules(facts)
    return evidence


def yaml_schedules(facts: Facts) -> list[Evidence]:
    found = []
    for path, docs in facts.yaml.items():
        text = facts.texts.get(path, "")
        if path.startswith("../") or re.search(
            r"^\.github/|gitlab-ci|azure-pipelines|bitbucket|circleci", path
        ):
            continue
        for doc in docs:
            if not isinstance(doc, dict):
                continue
            kind = doc.get("kind")
            if kind in ("CronWorkflow", "CronJob", "ScheduledWorkflow"):
                found.append(Evidence(path, None, f"kind: {kind}"))
        if re.search(r"(^|/)prefect\.ya?ml$", path) and re.search(
            r"^\s*-?\s*(cron|interval|rrule)\s*:", text, re.M
        ):
            found.append(Evidence(path, None, "prefect deployment schedule"))
        if re.search(
            r"quartz_cron_expression|file_arrival|table_update|ScheduleExpression|cron_expression", text
        ):
            found.append(Evidence(path, None, "schedule"))
        elif re.search(r"^\s*schedules?\s*:", text, re.M) and re.search(r"cron|interval", text):
            found.append(Evidence(path, None, "schedule"))
    return found


def _training_steps(facts: Facts, steps: list[m.CIStep]) -> list[m.CIStep]:
    """CI steps that (re)train: training commands, or running a local module that trains or has a pipeline."""
    direct = m.steps_matching(steps, p.TRAIN_COMMANDS)
    trains = {
        s.path
        for s in facts.by_role("prod")
        if any(m.any_match(c.name, p.TRAINING_CALLS) for c in s.facts.calls)
        or any(
            m.any_match(d.decorator, [x for v in p.PIPELINE_DECORATORS.values() for x in v])
            for d in s.facts.decorated
        )
    }
    via = [step for path, step in m.invoked_sources(facts, steps).items() if path in trains]
    return list({id(s): s for s in direct + via}.values())


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
    scheduled = ct_ci_steps(facts)
    orchestrated = orchestrator_schedules(facts)
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
    notebook = orchestrator_schedules(facts, ("notebook", "example"))
    manual = _training_steps(facts, m.ci_steps(facts, "manual"))
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


def ct_ci_steps(facts: Facts) -> list[m.CIStep]:
    """Training steps of CI jobs that run on a schedule or when data files change."""
    found = _training_steps(facts, m.ci_steps(facts, "schedule"))
    data_regex = re.compile("|".join(p.DATA_TRIGGER_PATHS))
    for pipeline in facts.pipelines:
        if any(data_regex.search(path) for path in pipeline.push_paths) or "api" in pipeline.triggers:
            steps = [
                m.CIStep(pipeline, job, c, tuple(m.expand(facts, c)))
                for job in pipeline.jobs
                for c in job.commands
            ]
            found += _training_steps(facts, steps)
    return found


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
    from .checks_ops import online_serving

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
    serving = online_serving(facts)
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
    from .checks_ops import drift_sources

    monitors = drift_sources(facts)
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
