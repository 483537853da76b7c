"""Pipelines found in the repository: orchestrator definitions in code and YAML, their steps, their schedules,
and the CI steps that (re)train."""

from __future__ import annotations

import re

from mlops_level.assess.detect import match as m
from mlops_level.assess.detect import patterns as p
from mlops_level.assess.facts.repository import Facts
from mlops_level.assess.model import Evidence


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
                    Evidence(path, None, f"{len(stages)} stage(s): {', '.join(map(str, list(stages)[:6]))}")
                )
            jobs = (
                (doc.get("resources") or {}).get("jobs") if isinstance(doc.get("resources"), dict) else None
            )
            if re.search(r"(^|/)databricks\.ya?ml$|(^|/)resources/.+\.ya?ml$", path) and isinstance(
                jobs, dict
            ):
                found.setdefault("Databricks Jobs", []).append(
                    Evidence(path, None, f"jobs: {', '.join(map(str, jobs))}")
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
            for job in jobs.values() if isinstance(jobs, dict) else ():
                tasks = job.get("tasks") if isinstance(job, dict) else None
                for task in tasks if isinstance(tasks, list) else []:
                    if isinstance(task, dict) and task.get("task_key"):
                        names.append(
                            (str(task["task_key"]), Evidence(path, None, f"task {task['task_key']}"))
                        )
    return names


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


def training_modules(facts: Facts) -> set[str]:
    """Production modules that train a model or define a pipeline (computed once per assessment)."""
    if "training_modules" not in facts.cache:
        training = {h.source.path for h in m.calls(facts, p.TRAINING_CALLS, m.PROD)}
        decorators = [x for v in p.PIPELINE_DECORATORS.values() for x in v]
        training |= {h.source.path for h in m.decorators(facts, decorators, m.PROD)}
        facts.cache["training_modules"] = training
    return facts.cache["training_modules"]


def training_steps(facts: Facts, steps: list[m.CIStep]) -> list[m.CIStep]:
    """CI steps that (re)train: training commands, or running a local module that trains or has a pipeline."""
    direct = m.steps_matching(steps, p.TRAIN_COMMANDS)
    trains = training_modules(facts)
    via = [step for path, step in m.invoked_sources(facts, steps).items() if path in trains]
    return list({id(s): s for s in direct + via}.values())


def ct_ci_steps(facts: Facts) -> list[m.CIStep]:
    """Training steps of CI jobs that run on a schedule or when data files change."""
    found = training_steps(facts, m.ci_steps(facts, "schedule"))
    data_regex = re.compile("|".join(p.DATA_TRIGGER_PATHS))
    for pipeline in facts.pipelines:
        if any(data_regex.search(path) for path in pipeline.push_paths) or "api" in pipeline.triggers:
            steps = [
                m.CIStep(pipeline, job, c, tuple(m.expand(facts, c)))
                for job in pipeline.jobs
                for c in job.commands
            ]
            found += training_steps(facts, steps)
    return found
