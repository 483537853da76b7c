"""ML5xx: CI/CD automation (what CI really runs, pipeline and model delivery, environments, IaC, bots)."""

from __future__ import annotations

import re

from mlops_level.assess.checks.registry import check
from mlops_level.assess.detect import match as m
from mlops_level.assess.detect import patterns as p
from mlops_level.assess.facts.repository import Facts
from mlops_level.assess.model import Evidence, Finding, Status, Weight


@check(
    "ML501",
    "ci-configured",
    "CI builds or tests the code (not only lint)",
    level="2",
    weight=Weight.REQUIRED,
    remediation=(
        "Add a CI workflow (GitHub Actions, GitLab CI, ...) that installs the project and runs its tests."
    ),
    url="https://docs.github.com/en/actions/automating-builds-and-tests/building-and-testing-python",
)
def ci_configured(facts: Facts) -> Finding:
    """A CI configuration (GitHub Actions, GitLab CI, Azure Pipelines, Jenkins, CircleCI, Bitbucket, Cloud
    Build, Travis, Buildkite, Drone, CodeBuild) whose jobs test, build or train. CI that only lints is
    partial."""
    if not facts.pipelines:
        return Finding(Status.FAIL, "no CI configuration")
    steps = m.ci_steps(facts)
    useful = m.steps_matching(
        steps,
        "|".join(
            (
                p.TEST_COMMANDS,
                p.BUILD_COMMANDS,
                p.TRAIN_COMMANDS,
                p.PIPELINE_DEPLOY_COMMANDS,
                p.MODEL_DEPLOY_COMMANDS,
            )
        ),
    )
    providers = sorted({pl.provider for pl in facts.pipelines})
    if useful:
        return Finding(
            Status.PASS,
            f"{', '.join(providers)}: {len(facts.pipelines)} configuration(s) that test or build",
            m.step_evidence(useful)[:10],
        )
    lint = m.steps_matching(steps, p.LINT_COMMANDS)
    what = "only lints" if lint else "runs nothing recognisable as tests or builds"
    return Finding(
        Status.PARTIAL,
        f"CI {what}",
        m.step_evidence(lint or steps)[:5] or [Evidence(pl.path) for pl in facts.pipelines][:5],
    )


@check(
    "ML502",
    "ci-tests-on-pr",
    "CI runs the tests on every pull request",
    level="2",
    weight=Weight.REQUIRED,
    remediation=(
        "Trigger the test workflow on `pull_request` (GitLab `merge_request_event`, Azure `pr:`) and run "
        "pytest there."
    ),
    url="https://github.com/ossf/scorecard/blob/main/docs/checks.md#ci-tests",
)
def ci_tests_on_pr(facts: Facts) -> Finding:
    """A pull-request-triggered CI job running pytest/tox/nox/unittest (directly or via a make target). Tests
    run only on push are partial."""
    on_pr = m.steps_matching(m.ci_steps(facts, "pull_request"), p.TEST_COMMANDS)
    if on_pr:
        return Finding(
            Status.PASS,
            f"tests run on pull requests ({m.where(s.pipeline.path for s in on_pr)})",
            m.step_evidence(on_pr)[:5],
        )
    other = m.steps_matching(m.ci_steps(facts), p.TEST_COMMANDS)
    if other:
        return Finding(Status.PARTIAL, "tests run in CI but not on pull requests", m.step_evidence(other)[:5])
    return Finding(Status.FAIL, "CI does not run tests" if facts.pipelines else "no CI configuration")


@check(
    "ML503",
    "ci-ml-checks",
    "CI runs data and model checks",
    level="2",
    weight=Weight.NORMAL,
    remediation=(
        "Run data validation and model checks in CI: data tests, `dvc repro` on sample data, GX checkpoints,"
        " CML metric reports."
    ),
    url="https://cml.dev/",
)
def ci_ml_checks(facts: Facts) -> Finding:
    """CI steps that validate data or models: data/validation test suites, `dvc repro`/`dvc metrics diff`,
    CML, Great Expectations checkpoints, Deepchecks/Evidently, or running a local module that validates
    data."""
    steps = m.ci_steps(facts)
    direct = m.steps_matching(steps, p.ML_CHECK_COMMANDS)
    validators = {
        h.source.path
        for items in m.by_tool(facts, p.DATA_VALIDATION, m.PROD, "imports").values()
        for h in items
    }
    validators |= {h.source.path for h in m.calls(facts, p.MODEL_GATE_CALLS, m.PROD)}
    via = [s for path, s in m.invoked_sources(facts, steps).items() if path in validators]
    if direct or via:
        return Finding(Status.PASS, "CI validates data or models", m.step_evidence(direct + via)[:5])
    return Finding(
        Status.FAIL, "CI runs no data or model checks" if facts.pipelines else "no CI configuration"
    )


def _delivery_steps(facts: Facts) -> list[m.CIStep]:
    """CI steps that run on merge, tag, release, schedule or by hand: not pull-request-only jobs."""
    steps = []
    for trigger in ("push", "tag", "manual", "workflow_run", "schedule", "api", "called"):
        steps += [s for s in m.ci_steps(facts, trigger) if id(s) not in {id(x) for x in steps}]
    return list({(s.pipeline.path, s.job.name, s.command): s for s in steps}.values())


@check(
    "ML504",
    "pipeline-continuous-delivery",
    "CI/CD deploys the training pipeline",
    level="2",
    weight=Weight.REQUIRED,
    remediation=(
        "On merge or release, deploy the pipeline from CI: `prefect deploy`, `databricks bundle deploy`, KFP"
        " compile + submit, SageMaker `pipeline.upsert`, Airflow DAG sync ..."
    ),
    url=(
        "https://cloud.google.com/architecture/mlops-continuous-delivery-and-automation-pipelines-in-machine-learning#mlops_level_2_cicd_pipeline_automation"  # noqa: E501
    ),
)
def pipeline_cd(facts: Facts) -> Finding:
    """A CI job on merge, tag or release that deploys the pipeline (commands such as `prefect deploy`,
    `databricks bundle deploy`, `az ml job create`, `astro deploy`, DAG sync, KFP upload) or runs a local
    module that does (`flow.deploy(`, `PipelineJob(...).submit()`, `pipeline.upsert(`). Deployment code
    never run by CI is partial."""
    steps = _delivery_steps(facts)
    direct = m.steps_matching(steps, p.PIPELINE_DEPLOY_COMMANDS)
    code = [
        h
        for h in m.calls(facts, p.PIPELINE_DEPLOY_CALLS, m.PROD)
        if not m.any_match(h.label, p.MODEL_DEPLOY_CALLS)
    ]  # `endpoint.deploy(model)` deploys a model
    deployers = {h.source.path for h in code}
    via = [s for path, s in m.invoked_sources(facts, steps).items() if path in deployers]
    if direct or via:
        return Finding(Status.PASS, "CI deploys the pipeline", m.step_evidence(direct + via)[:5])
    if code:
        return Finding(
            Status.PARTIAL, "pipeline deployment code exists but CI does not run it", m.evidence(code)[:5]
        )
    return Finding(Status.FAIL, "the pipeline is not deployed automatically")


@check(
    "ML505",
    "model-continuous-delivery",
    "Validated models reach serving automatically",
    level="1",
    weight=Weight.REQUIRED,
    remediation=(
        "Let the pipeline deliver the validated model: move the registry alias the service loads "
        "(`models:/name@champion`), or deploy the model/endpoint from the pipeline or CI."
    ),
    url=(
        "https://cloud.google.com/architecture/mlops-continuous-delivery-and-automation-pipelines-in-machine-learning#mlops_level_1_ml_pipeline_automation"  # noqa: E501
    ),
)
def model_cd(facts: Facts) -> Finding:
    """Automated model delivery: the pipeline promotes the validated model in the registry (the alias or stage
    that serving loads), or deploys it (Vertex/SageMaker/Azure endpoints, `mlflow deployments`,
    KServe/Seldon, Databricks serving), or CI deploys the model service after merge. A deploy script run by
    hand, or promotion only in notebooks, is partial."""
    promotions = m.calls(facts, p.PROMOTION_CALLS + p.MODEL_DEPLOY_CALLS, m.ANY_CODE)
    promotions += m.kwarg_calls(facts, ("version_aliases",), m.ANY_CODE)
    ci = m.steps_matching(_delivery_steps(facts), p.MODEL_DEPLOY_COMMANDS)
    if m.production(promotions) or ci:
        return Finding(
            Status.PASS,
            "models delivered automatically" + (" by CI" if ci else " by the pipeline"),
            m.evidence(m.production(promotions))[:5] + m.step_evidence(ci)[:5],
        )
    compiled = re.compile(p.MODEL_DEPLOY_COMMANDS)
    scripts = [
        Evidence(path, text.count("\n", 0, hit.start()) + 1, hit.group(0))
        for path, text in facts.texts.items()
        if path.endswith((".sh", "Makefile", "justfile"))
        for hit in [compiled.search(text)]
        if hit
    ]
    if promotions or scripts:
        return Finding(
            Status.PARTIAL, "model deployment exists but is not automated", m.evidence(promotions) + scripts
        )
    return Finding(Status.FAIL, "no automated model delivery (the model file is handed over by hand)")


@check(
    "ML506",
    "staged-deployment-with-approval",
    "Deployments go through staging, with approval for production",
    level="2",
    weight=Weight.NORMAL,
    remediation=(
        "Deploy to a staging environment automatically and to production behind an approval (GitHub "
        "environments with reviewers, GitLab `when: manual`, Azure environment checks) or a canary."
    ),
    url=(
        "https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-deployments/managing-environments-for-deployment"  # noqa: E501
    ),
)
def staged_deployment(facts: Facts) -> Finding:
    """CI jobs bound to staging and production environments (approvals live in the environment settings),
    GitLab manual jobs, Databricks bundle targets, SageMaker `PendingManualApproval`, canary traffic
    splits."""
    envs: dict[str, list[Evidence]] = {}
    for pipeline in facts.pipelines:
        for job in pipeline.jobs:
            if job.environment or job.manual:
                name = (job.environment or "manual").lower()
                kind = (
                    "prod"
                    if re.search(r"prod", name)
                    else "staging"
                    if re.search(r"stag|pre|qa|test|dev", name)
                    else "manual"
                    if job.manual
                    else name
                )
                envs.setdefault(kind, []).append(
                    Evidence(
                        pipeline.path,
                        pipeline.line_of(str(job.environment or "manual")),
                        f"job {job.name}: environment {job.environment or 'manual'}",
                    )
                )
    extra = m.strings(facts, r"^PendingManualApproval$", m.PROD) + m.kwarg_calls(
        facts, ("traffic_split", "canary_traffic_percent"), m.PROD
    )
    canary = [Evidence(path) for path, text in facts.texts.items() if "canaryTrafficPercent" in text]
    if ("prod" in envs and len(envs) >= 2) or extra or canary:
        return Finding(
            Status.PASS,
            f"staged deployment ({', '.join(sorted(envs)) or 'approval/canary'})",
            [e for items in envs.values() for e in items][:6] + m.evidence(extra) + canary[:3],
        )
    if envs:
        return Finding(
            Status.PARTIAL,
            f"only {', '.join(sorted(envs))} environment(s)",
            [e for items in envs.values() for e in items][:6],
        )
    return Finding(Status.FAIL, "no deployment environments or approvals")


@check(
    "ML507",
    "infrastructure-as-code",
    "Infrastructure is defined as code",
    level="2",
    weight=Weight.LOW,
    remediation=(
        "Describe the serving and pipeline infrastructure in code (Terraform, Helm, Kubernetes manifests, "
        "Databricks bundles, Pulumi/CDK)."
    ),
    url="https://developer.hashicorp.com/terraform/intro",
)
def infrastructure_as_code(facts: Facts) -> Finding:
    """Terraform, Pulumi, CDK, Bicep, Helm charts, Kustomize, Kubernetes manifests (`apiVersion` + `kind`),
    Databricks bundles, Serverless, Compose, or Prefect work pools on Kubernetes."""
    files = [f for f in facts.paths_matching(*p.IAC_FILES) if not f.startswith("../")]
    manifests = [
        path
        for path, docs in facts.yaml.items()
        if not path.startswith((".github/", "../"))
        and any(isinstance(d, dict) and "apiVersion" in d and "kind" in d for d in docs)
    ]
    pools = [
        path
        for path, text in facts.texts.items()
        if re.search(r"(^|/)prefect\.ya?ml$", path) and re.search(r"kubernetes|ecs|cloud-run|vertex", text)
    ]
    found = sorted(set(files + manifests + pools))
    if found:
        return Finding(Status.PASS, f"infrastructure code in {m.where(found)}", m.file_evidence(found)[:10])
    return Finding(Status.FAIL, "no infrastructure-as-code files")


@check(
    "ML508",
    "dependency-update-automation",
    "Dependency updates are automated",
    level="2",
    weight=Weight.LOW,
    remediation="Enable Dependabot (`.github/dependabot.yml`) or Renovate so dependency changes notify you.",
    url="https://docs.github.com/en/code-security/dependabot/dependabot-version-updates",
)
def dependency_bots(facts: Facts) -> Finding:
    """Dependabot or Renovate configuration (ML Test Score: "dependency changes result in notification")."""
    found = facts.paths_matching(*(r.replace("^", r"^(?:\.\./)*") for r in p.DEPENDENCY_BOT_FILES))
    if found:
        return Finding(Status.PASS, f"dependency bot: {m.where(found)}", m.file_evidence(found))
    return Finding(Status.FAIL, "no Dependabot or Renovate configuration")
