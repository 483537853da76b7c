"""Fuzz: CI files, pipeline YAML and notebooks of any shape never stop an assessment.

Seeded (derandomize) and bounded (a fixed number of examples), so the test is repeatable and fast. Each
example writes YAML documents of random shape where every CI provider and pipeline tool looks, plus a
notebook of random cells, and asserts that `assess` returns a report with a level, and the CLI exits 0.
"""

from __future__ import annotations

import json
import time

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mlops_level.app import app
from mlops_level.assess import run

PLACES = (
    ".github/workflows/ci.yml",
    ".gitlab-ci.yml",
    "azure-pipelines.yml",
    ".circleci/config.yml",
    "bitbucket-pipelines.yml",
    "build/cloudbuild.yaml",
    "buildspec.yml",
    "dvc.yaml",
    "databricks.yml",
    "conf/deployment.yml",
    "recipe.yaml",
    "prefect.yaml",
)
KEYS = st.sampled_from(
    [
        "on",
        "jobs",
        "steps",
        "stages",
        "run",
        "script",
        "trigger",
        "pr",
        "schedules",
        "pipelines",
        "phases",
        "commands",
        "resources",
        "tasks",
        "environments",
        "workflows",
        "recipe",
        "cmd",
        "uses",
        "with",
        "args",
        "name",
        "include",
        "template",
        "environment",
        "push",
        "1",
        "true",
        "cron",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 10**6),
    st.text(max_size=12),
    st.sampled_from(["python train.py", "pytest", "kubectl apply -f k8s"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(KEYS, st.integers(0, 3)), children, max_size=4),
    ),
    max_leaves=25,
)
CELLS = st.lists(
    st.one_of(
        st.text(max_size=30),
        st.sampled_from(["def f(:", "import mlflow\nmlflow.start_run()", "%%bash", "x = ("]),
    ),
    max_size=12,
)


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(docs=st.lists(VALUES, min_size=len(PLACES), max_size=len(PLACES)), cells=CELLS)
def test_any_shape_gives_a_report(tmp_path_factory, docs, cells):
    root = tmp_path_factory.mktemp("fuzz")
    for place, doc in zip(PLACES, docs, strict=True):
        path = root / place
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    notebook = {"cells": [{"cell_type": "code", "source": c} for c in cells], "nbformat": 4}
    (root / "explore.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    (root / "train.py").write_text(
        "from sklearn.linear_model import LinearRegression\nLinearRegression().fit([[1]], [1])\n"
    )
    started = time.monotonic()
    report = run(root)
    assert report.rating.level in (0, 1, 2)
    assert report.rating.verdict is not None and report.rating.verdict.confidence in ("high", "medium", "low")
    assert time.monotonic() - started < 20  # a hang guard, not a speed target
    assert not [w for w in report.warnings if "internal error" in w or "could not read the" in w]


def test_cli_turns_odd_yaml_into_warnings(tmp_path):
    odd = {
        "dvc.yaml": "stages:\n  1:\n    cmd: python train.py\n  2: 5\n",
        ".github/workflows/a.yml": "on: [[push]]\njobs:\n  a:\n    steps: 5\n  b: [1]\n",
        "azure-pipelines.yml": "jobs: 5\nstages: 3\nschedules: 3\n",
        "databricks.yml": "resources: {jobs: {a: {tasks: 5}}}\n",
        "conf/deployment.yml": "environments: {default: {workflows: 5}}\n",
    }
    for name, text in odd.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    result = CliRunner().invoke(app, ["assess", str(tmp_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert any("azure-pipelines.yml" in w and "not counted" in w for w in document["warnings"])
    assert not any("internal error" in w for w in document["warnings"]), document["warnings"]


def test_a_huge_notebook_is_cut_at_its_budget_with_a_warning(tmp_path):
    from mlops_level.assess.facts import repository

    cell = "x = 1\n" * 20_000  # 120 kB of code per cell
    cells = [cell] * (repository.MAX_NOTEBOOK_CODE // len(cell) + 5) + ["def broken(:\n"] * 2000
    notebook = {"cells": [{"cell_type": "code", "source": c} for c in cells], "nbformat": 4}
    (tmp_path / "big.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    started = time.monotonic()
    report = run(tmp_path)
    assert time.monotonic() - started < 20  # a hang guard, not a speed target
    assert any("big.ipynb: code cells cut after" in w for w in report.warnings), report.warnings


def test_many_invalid_cells_are_parsed_once_each():
    from mlops_level.assess.facts.pysource import parse_notebook

    cells = ["import mlflow\nmlflow.start_run()"] + ["def f(:\n    pass"] * 5000 + ["y = 2"]
    started = time.monotonic()
    facts, dropped = parse_notebook(cells)
    assert dropped == 5000
    assert any(call.name == "mlflow.start_run" for call in facts.calls)
    assert time.monotonic() - started < 10  # quadratic re-parsing took minutes at this size
