"""Single checks on small inline repositories: the patterns of real projects, and the traps."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_level.assess.checks.registry import all_checks
from mlops_level.assess.facts.repository import collect
from mlops_level.assess.model import Status

CHECK_FUNCTIONS = {spec.id: fn for spec, fn in all_checks()}


def compute_check(tmp_path: Path, check_id: str, files: dict[str, str]):
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return CHECK_FUNCTIONS[check_id](collect(tmp_path))


GHA_TRAIN = "jobs:\n  t:\n    runs-on: x\n    steps:\n      - run: python -m pkg.train\n"


@pytest.mark.parametrize(
    "on",
    [
        "on:\n  schedule:\n    - cron: '0 0 * * *'\n",
        "on:\n  push:\n    paths: ['data/**']\n",
        "on: [repository_dispatch]\n",
    ],
)
def test_ct_trigger_from_ci_schedule_or_data_change(tmp_path, on):
    finding = compute_check(
        tmp_path,
        "ML203",
        {
            ".github/workflows/t.yml": on + GHA_TRAIN,
            "pkg/train.py": "from sklearn import svm\nsvm.SVC().fit(X, y)\n",
        },
    )
    assert finding.status is Status.PASS


def test_ct_trigger_on_demand_only_is_partial(tmp_path):
    finding = compute_check(
        tmp_path,
        "ML203",
        {
            ".github/workflows/t.yml": "on: workflow_dispatch\n" + GHA_TRAIN,
            "pkg/train.py": "import xgboost as xgb\nxgb.train({}, d)\n",
        },
    )
    assert finding.status is Status.PARTIAL


def test_airflow_dag_without_schedule_is_not_continuous_training(tmp_path):
    dag = "from airflow import DAG\nwith DAG('d', schedule=None):\n    pass\n"
    assert compute_check(tmp_path, "ML203", {"dags/d.py": dag}).status is Status.FAIL
    (tmp_path / "dags/d.py").write_text(dag.replace("None", "'@weekly'"))
    assert CHECK_FUNCTIONS["ML203"](collect(tmp_path)).status is Status.PASS


@pytest.mark.parametrize(
    "files",
    [
        {
            "orchestration/defs.py": "import dagster as dg\n"
            "nightly = dg.ScheduleDefinition(job=j, cron_schedule='@daily')\n"
        },
        {
            ".gitlab-ci.yml": 'retrain:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == "schedule"\n'
            "  script: [dvc repro]\n"
        },
        {
            "Jenkinsfile": "pipeline {\n  triggers { cron('H 2 * * *') }\n"
            "  stages { stage('t') { steps { sh 'kedro run' } } }\n}\n"
        },
        {
            "databricks.yml": "resources:\n  jobs:\n    train:\n      schedule:\n"
            "        quartz_cron_expression: '0 0 2 * * ?'\n"
        },
        {
            "azure-pipelines.yml": "schedules:\n- cron: '0 3 * * *'\n  branches: {include: [main]}\n"
            "steps:\n- script: dvc repro\n"
        },
    ],
)
def test_ct_trigger_across_orchestrators_and_ci_providers(tmp_path, files):
    assert compute_check(tmp_path, "ML203", files).status is Status.PASS


def test_mocked_registry_calls_in_tests_do_not_count(tmp_path):
    test = (
        "from unittest import mock\n\n@mock.patch('mlflow.register_model')\ndef test_x(m):\n"
        "    import mlflow\n    mlflow.register_model('a', 'b')\n"
    )
    assert compute_check(tmp_path, "ML303", {"tests/test_reg.py": test}).status is Status.FAIL


@pytest.mark.parametrize(
    "source",
    [
        "import mlflow as mf\nmf.register_model('runs:/1/m', 'm')\n",
        "from mlflow import register_model\nregister_model('runs:/1/m', 'm')\n",
        "import mlflow\nmlflow.sklearn.log_model(model, name='m', registered_model_name='m')\n",
        "from mlflow.tracking import MlflowClient\nc = MlflowClient()\n"
        "c.create_model_version('m', 's', 'r')\n",
        "from google.cloud import aiplatform\naiplatform.Model.upload(display_name='m')\n",
    ],
)
def test_registry_calls_resolved_through_imports(tmp_path, source):
    assert compute_check(tmp_path, "ML303", {"src/reg.py": source}).status is Status.PASS


def test_deprecated_stage_transition_passes_with_a_note(tmp_path):
    source = (
        "from mlflow import MlflowClient\n"
        "MlflowClient().transition_model_version_stage('m', 1, 'Production')\n"
    )
    finding = compute_check(tmp_path, "ML304", {"src/promote.py": source})
    assert finding.status is Status.PASS and "deprecated" in finding.reason


@pytest.mark.parametrize(
    "text, status",
    [
        ("numpy==1.26.4 \\\n    --hash=sha256:abc\npandas==2.2.0  # via x\n-e .\n", Status.PASS),
        ("numpy==1.26.4\npandas>=2\n", Status.PARTIAL),
        ("# nothing\n", Status.FAIL),
    ],
)
def test_requirements_pinning(tmp_path, text, status):
    assert compute_check(tmp_path, "ML101", {"requirements.txt": text}).status is status


def test_dockerfile_latest_is_partial_and_stage_names_are_not_images(tmp_path):
    dockerfile = "FROM python:3.11-slim AS build\nFROM build\nFROM nvidia/cuda:latest\n"
    finding = compute_check(tmp_path, "ML102", {"Dockerfile": dockerfile})
    assert finding.status is Status.PARTIAL
    assert [(e.line, e.snippet) for e in finding.evidence] == [
        (3, "FROM nvidia/cuda:latest"),
        (1, "FROM python:3.11-slim"),
    ]


def test_large_data_in_plain_git_fails_data_versioning(tmp_path):
    (tmp_path / "data").mkdir()
    with open(tmp_path / "data" / "big.csv", "wb") as handle:
        handle.truncate(11 * 1024 * 1024)
    finding = compute_check(
        tmp_path,
        "ML103",
        {".dvc/config": "['remote \"s\"']\n  url = s3://b\n", "data/small.csv.dvc": "outs: []\n"},
    )
    assert finding.status is Status.FAIL and finding.evidence[0].path == "data/big.csv"


def test_git_lfs_model_files_are_not_committed_binaries(tmp_path):
    finding = compute_check(
        tmp_path,
        "ML104",
        {
            ".gitattributes": "*.onnx filter=lfs diff=lfs merge=lfs -text\n",
            "models/a.onnx": "lfs pointer",
            "models/b.pt": "x",
        },
    )
    assert finding.status is Status.FAIL and [e.path for e in finding.evidence] == ["models/b.pt"]


def test_ci_make_targets_are_followed(tmp_path):
    files = {
        "Makefile": "check: test\n\ntest:\n\tuv run pytest -q\n",
        ".github/workflows/ci.yml": "on:\n  pull_request:\njobs:\n  c:\n    steps:\n"
        "      - run: make check\n",
    }
    assert compute_check(tmp_path, "ML502", files).status is Status.PASS


def test_ci_tests_only_on_push_are_partial(tmp_path):
    files = {".github/workflows/ci.yml": "on:\n  push:\njobs:\n  c:\n    steps:\n      - run: pytest\n"}
    assert compute_check(tmp_path, "ML502", files).status is Status.PARTIAL


def test_pipeline_cd_through_a_local_deploy_module(tmp_path):
    files = {
        "src/pkg/deploy.py": "from pkg.flow import f\nf.deploy(name='x', work_pool_name='p')\n",
        ".github/workflows/cd.yml": "on:\n  push:\n    branches: [main]\njobs:\n  d:\n    steps:\n"
        "      - run: python -m pkg.deploy\n",
    }
    assert compute_check(tmp_path, "ML504", files).status is Status.PASS
    files[".github/workflows/cd.yml"] = files[".github/workflows/cd.yml"].replace(
        "push:\n    branches: [main]", "pull_request:"
    )
    assert compute_check(tmp_path, "ML504", files).status is Status.PARTIAL


@pytest.mark.parametrize(
    "source",
    [
        "from metaflow import FlowSpec, step\nclass Train(FlowSpec):\n    @step\n    def start(self): pass\n",
        "from kfp import dsl\n@dsl.pipeline(name='p')\ndef p(): pass\n",
        "import dagster as dg\n@dg.asset\ndef features(): pass\n",
        "from zenml import pipeline\n@pipeline\ndef p(): pass\n",
        "from sagemaker.workflow.pipeline import Pipeline\nPipeline(name='p', steps=[])\n",
        "from prefect import flow\n@flow\ndef p(): pass\n",
    ],
)
def test_pipeline_as_code_across_orchestrators(tmp_path, source):
    assert compute_check(tmp_path, "ML201", {"pipelines/p.py": source}).status is Status.PASS


def test_dvc_and_kedro_pipelines(tmp_path):
    assert (
        compute_check(tmp_path, "ML201", {"dvc.yaml": "stages:\n  train:\n    cmd: python train.py\n"}).status
        is Status.PASS
    )
    kedro = {
        "src/proj/pipeline_registry.py": "from kedro.pipeline import Pipeline\n"
        "def register_pipelines():\n    return {}\n"
    }
    assert compute_check(tmp_path / "k", "ML201", kedro).status is Status.PASS


def test_gate_requires_a_blocking_comparison_on_a_metric(tmp_path):
    gate = "def check(acc, threshold):\n    if acc < threshold:\n        raise SystemExit(1)\n"
    assert compute_check(tmp_path, "ML403", {"src/evaluate.py": gate}).status is Status.PASS
    loop = (
        "from sklearn.metrics import f1_score\nfor i in range(3):\n    if i > 1:\n        print(i)\n"
        "f = f1_score(a, b)\n"
    )
    assert compute_check(tmp_path / "b", "ML403", {"src/evaluate.py": loop}).status is Status.PARTIAL


def test_mlflow_threshold_with_baseline_is_champion_challenger(tmp_path):
    source = (
        "from mlflow.models import MetricThreshold\n"
        "t = MetricThreshold(threshold=0.8, min_absolute_change=0.01, greater_is_better=True)\n"
    )
    assert compute_check(tmp_path, "ML404", {"src/validate.py": source}).status is Status.PASS


def test_feature_store_and_shared_feature_module(tmp_path):
    assert (
        compute_check(tmp_path, "ML205", {"feature_repo/feature_store.yaml": "project: p\n"}).status
        is Status.PASS
    )
    files = {
        "app/features.py": "def build(x):\n    return x\n",
        "app/train.py": "from app.features import build\nfrom sklearn import svm\n"
        "svm.SVC().fit(build(X), y)\n",
        "app/serve.py": "from fastapi import FastAPI\nfrom app.features import build\napp = FastAPI()\n",
    }
    assert compute_check(tmp_path / "b", "ML205", files).status is Status.PASS
    assert compute_check(tmp_path / "c", "ML205", {"train.py": "x = 1\n"}).status is Status.NOT_APPLICABLE


def test_staged_environments_and_gitlab_manual_jobs(tmp_path):
    gitlab = (
        "deploy_staging:\n  environment: staging\n  script: [helm upgrade m chart]\n"
        "deploy_prod:\n  environment: {name: production}\n  when: manual\n  script: [helm upgrade m chart]\n"
    )
    assert compute_check(tmp_path, "ML506", {".gitlab-ci.yml": gitlab}).status is Status.PASS
    assert compute_check(tmp_path, "ML505", {".gitlab-ci.yml": gitlab}).status is Status.PASS


def test_dependency_bots(tmp_path):
    assert compute_check(tmp_path, "ML508", {"renovate.json": "{}"}).status is Status.PASS
    assert compute_check(tmp_path / "b", "ML508", {"README.md": "dependabot"}).status is Status.FAIL


def test_gitignore_probes_nested_dvc_ignores(tmp_path):
    files = {".gitignore": "*.pkl\nmlruns/\n.env\n", "data/.gitignore": "/raw.csv\n"}
    finding = compute_check(tmp_path, "ML005", files)
    assert finding.status is Status.PASS and "data" in finding.reason


def test_monitoring_scheduled_by_ci_passes_and_unscheduled_is_partial(tmp_path):
    files = {
        "monitor/drift.py": "from evidently import Report\n",
        ".github/workflows/m.yml": "on:\n  schedule:\n    - cron: '0 * * * *'\njobs:\n  m:\n    steps:\n"
        "      - run: python monitor/drift.py\n",
    }
    assert compute_check(tmp_path, "ML603", files).status is Status.PASS
    assert (
        compute_check(tmp_path / "b", "ML603", {"monitor/drift.py": "import nannyml\n"}).status
        is Status.PARTIAL
    )


def test_ci_scripts_are_followed(tmp_path):
    files = {
        "scripts/ci.sh": "#!/bin/bash\nset -e\n# tests\npython -m pytest tests/data\n",
        ".github/workflows/ci.yml": "on: [pull_request]\njobs:\n  c:\n    steps:\n"
        "      - run: bash ./scripts/ci.sh\n",
    }
    assert compute_check(tmp_path, "ML502", files).status is Status.PASS
    assert compute_check(tmp_path, "ML503", files).status is Status.PASS


def test_azure_pipelines_in_dot_pipelines_follow_templates(tmp_path):
    files = {
        ".pipelines/pr.yml": "pr:\n  branches:\n    include: [main]\ntrigger: none\n"
        "stages:\n- stage: ci\n  jobs:\n  - job: quality\n    steps:\n"
        "    - template: code-quality-template.yml\n",
        ".pipelines/code-quality-template.yml": "steps:\n- script: pytest --junitxml=unit.xml\n",
    }
    assert compute_check(tmp_path, "ML502", files).status is Status.PASS


def test_azure_ml_sdk_v1_pipeline_registry_and_tracking(tmp_path):
    source = (
        "from azureml.core import Model, Run\nfrom azureml.pipeline.core import Pipeline\n"
        "run = Run.get_context()\nrun.log('mse', 1.0)\nModel.register(ws, model_path='m', model_name='m')\n"
        "Pipeline(workspace=ws, steps=[]).publish(name='train')\n"
    )
    files = {"ml_service/build.py": source}
    for check_id in ("ML201", "ML301", "ML303"):
        assert compute_check(tmp_path, check_id, files).status is Status.PASS, check_id


def test_setup_py_dependencies_are_declared_not_locked(tmp_path):
    setup = "from setuptools import setup\nsetup(name='m', install_requires=['numpy'])\n"
    finding = compute_check(tmp_path, "ML101", {"setup.py": setup, "src/m/__init__.py": ""})
    assert (finding.status, finding.evidence[0].path) == (Status.PARTIAL, "setup.py")
