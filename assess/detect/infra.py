"""Pipelines, schedules and CI/CD declared in infrastructure or platform configuration rather than in
code or CI YAML: Databricks jobs (dbx deployment files, Terraform), MLflow Recipes, AWS CodePipeline and
CodeBuild (CDK, CloudFormation, Terraform), EventBridge and Cloud Scheduler rules."""

from __future__ import annotations

import re

from mlops_level.assess.detect import match as m
from mlops_level.assess.detect import patterns as p
from mlops_level.assess.facts.repository import Facts
from mlops_level.assess.model import Evidence

_TF_BLOCK = re.compile(r'^\s*resource\s+"(\w+)"\s+"([\w-]+)"', re.M)
_TF_TASK = re.compile(r"^\s*task\s*\{", re.M)
_TF_SCHEDULE = re.compile(
    r"quartz_cron_expression|schedule_expression|google_cloud_scheduler_job|aws_scheduler_schedule|"
    r"google_cloudfunctions2?_function[\s\S]{0,2000}event_trigger"
)


def _tf_texts(facts: Facts) -> dict[str, str]:
    return {
        path: text
        for path, text in facts.texts.items()
        if path.endswith(".tf") and not path.startswith("../")
    }


def declared_pipelines(facts: Facts) -> dict[str, list[Evidence]]:
    """Multi-step ML pipelines declared in platform config: dbx deployment workflows, Databricks jobs in
    Terraform, MLflow Recipes."""
    found: dict[str, list[Evidence]] = {}
    for path, docs in facts.yaml.items():
        for doc in docs:
            if not isinstance(doc, dict):
                continue
            environments = doc.get("environments")
            if isinstance(environments, dict):
                workflows = [
                    w
                    for env in environments.values()
                    if isinstance(env, dict)
                    for w in _as_list(env.get("workflows") or env.get("jobs"))
                    if isinstance(w, dict)
                    and (w.get("tasks") or w.get("spark_python_task") or w.get("python_wheel_task"))
                ]
                if workflows:
                    names = [str(w.get("name", "")) for w in workflows][:4]
                    found.setdefault("Databricks Jobs (dbx)", []).append(
                        Evidence(path, None, f"{len(workflows)} workflow(s): {', '.join(names)}")
                    )
            steps = doc.get("steps")
            if isinstance(doc.get("recipe"), str) and isinstance(steps, dict) and len(steps) >= 2:
                found.setdefault("MLflow Recipes", []).append(
                    Evidence(path, None, f"recipe {doc['recipe']}: {', '.join(map(str, list(steps)[:6]))}")
                )
    for path, text in _tf_texts(facts).items():
        for block in _tf_resources(text, "databricks_job"):
            if len(_TF_TASK.findall(block)) >= 2:
                line = text.count("\n", 0, text.find(block)) + 1
                found.setdefault("Databricks Jobs (Terraform)", []).append(
                    Evidence(path, line, "resource databricks_job with several tasks")
                )
    return found


def _as_list(value) -> list:
    return value if isinstance(value, list) else []


def _tf_resources(text: str, kind: str) -> list[str]:
    """The bodies of Terraform resources of one kind (each up to the next top-level resource)."""
    starts = [(mt.start(), mt.group(1)) for mt in _TF_BLOCK.finditer(text)]
    bodies = []
    for index, (start, name) in enumerate(starts):
        if name == kind:
            end = starts[index + 1][0] if index + 1 < len(starts) else len(text)
            bodies.append(text[start:end])
    return bodies


def ml_resources(facts: Facts) -> list[Evidence]:
    """Terraform resources that define ML jobs, models or endpoints (Databricks, SageMaker, Vertex AI, Azure
    ML)."""
    found = []
    for path, text in _tf_texts(facts).items():
        for hit in _TF_BLOCK.finditer(text):
            if re.match(p.TF_ML_RESOURCES, hit.group(1)):
                found.append(Evidence(path, text.count("\n", 0, hit.start()) + 1, f"resource {hit.group(1)}"))
    return found


def schedules(facts: Facts) -> list[Evidence]:
    """Schedules and event rules declared in infrastructure code (CDK, Terraform)."""
    found = m.evidence(m.calls(facts, p.CDK_SCHEDULES, m.PROD))
    for path, text in _tf_texts(facts).items():
        hit = _TF_SCHEDULE.search(text)
        if hit:
            found.append(Evidence(path, text.count("\n", 0, hit.start()) + 1, hit.group(0)[:60]))
    return found


def _codepipelines(facts: Facts) -> tuple[list[Evidence], list[Evidence], list[Evidence]]:
    """(pipelines, build stages, deploy stages) of AWS CodePipeline in CDK, CloudFormation and Terraform."""
    pipes = m.evidence(m.calls(facts, p.CDK_PIPELINE, m.PROD))
    builds = m.evidence(m.calls(facts, p.CDK_BUILD, m.PROD))
    deploys = m.evidence(m.calls(facts, p.CDK_DEPLOY, m.PROD))
    for path in facts.yaml:
        text = facts.texts.get(path, "")
        if "AWS::CodePipeline::Pipeline" in text:
            pipes.append(Evidence(path, None, "AWS::CodePipeline::Pipeline"))
            if re.search(r"Category:\s*Build", text):
                builds.append(Evidence(path, None, "CodePipeline build stage"))
            if re.search(r"Category:\s*Deploy", text):
                deploys.append(Evidence(path, None, "CodePipeline deploy stage"))
    for path, text in _tf_texts(facts).items():
        for block in _tf_resources(text, "aws_codepipeline"):
            pipes.append(Evidence(path, None, "resource aws_codepipeline"))
            if re.search(r'category\s*=\s*"Build"', block):
                builds.append(Evidence(path, None, "CodePipeline build stage"))
            if re.search(r'category\s*=\s*"Deploy"', block):
                deploys.append(Evidence(path, None, "CodePipeline deploy stage"))
    return pipes, builds, deploys


def ci_pipelines(facts: Facts) -> list[Evidence]:
    """CodePipeline definitions with a build stage: CI declared as infrastructure."""
    pipes, builds, _ = _codepipelines(facts)
    return (pipes + builds)[:6] if pipes and builds else []


def cd_pipelines(facts: Facts) -> list[Evidence]:
    """CodePipeline definitions with a deploy stage: CD declared as infrastructure."""
    pipes, _, deploys = _codepipelines(facts)
    return (pipes + deploys)[:6] if pipes and deploys else []
