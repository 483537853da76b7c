"""The Level 0 project: its exact files, what they hold, and (slow) that it really runs."""

from __future__ import annotations

import json

import nbformat
import pytest
from typer.testing import CliRunner

from mlops_level.app import app
from mlops_level.scaffold import verify

LEVEL0_FILES = {
    ".cruft.json",
    ".gitignore",
    ".mlops-level.toml",
    "README.md",
    "requirements.txt",
    "predict.py",
    "notebooks/01-exploration.ipynb",
    "notebooks/02-train.ipynb",
    "tests/test_notebooks.py",
}


def test_exact_file_set(baked, file_set):
    assert file_set(baked(0)) == LEVEL0_FILES


def test_no_ci_no_pipeline_no_package(baked):
    project = baked(0)
    for absent in (".github", "src", "Makefile", "dvc.yaml", "Dockerfile", "pyproject.toml"):
        assert not (project / absent).exists()


def test_shared_code_is_in_both_notebooks_and_predict(baked):
    project = baked(0)
    train = nbformat.read(project / "notebooks" / "02-train.ipynb", as_version=4)
    sources = "\n".join(cell.source for cell in train.cells)
    predict = (project / "predict.py").read_text()
    for definition in ("def load_dataset()", "def build_features(raw: pd.DataFrame)"):
        assert definition in sources and definition in predict
    assert "def build_model(" in sources
    assert "model.pkl" in sources and "model_metadata.json" in sources


def test_notebooks_have_unexecuted_python3_cells(baked):
    project = baked(0)
    for name in ("01-exploration.ipynb", "02-train.ipynb"):
        notebook = nbformat.read(project / "notebooks" / name, as_version=4)
        assert notebook.metadata.kernelspec.name == "python3"
        assert all(cell.get("outputs", []) == [] for cell in notebook.cells)
        assert len({cell.id for cell in notebook.cells}) == len(notebook.cells)


def test_description_reaches_readme_and_notebook(bake):
    project = bake(0, description='Tumours: "benign" or not, 100% offline')
    assert 'Tumours: "benign" or not, 100% offline' in (project / "README.md").read_text()
    notebook = json.loads((project / "notebooks" / "01-exploration.ipynb").read_text())
    assert 'Tumours: "benign" or not' in "".join(notebook["cells"][0]["source"])


def test_readme_names_the_pain_points(baked):
    readme = (baked(0) / "README.md").read_text()
    for phrase in (
        "Manual steps",
        "No versioning",
        "Stale models",
        "Works on my machine",
        "Training-serving skew",
        "What Level 1 would change",
    ):
        assert phrase in readme


@pytest.mark.slow
def test_verify_runs_the_level0_project_for_real(bake, env_cache):
    report = verify(bake(0), env_cache=env_cache)
    assert report.passed, report.summary()
    assert [step.name for step in report.steps][:2] == ["create environment", "install requirements"]


def test_assess_rates_the_level0_project_exactly_level0(baked):
    result = CliRunner().invoke(app, ["assess", str(baked(0)), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["level"] == 0


@pytest.mark.slow
def test_new_with_verify_on_the_command_line(tmp_path, env_cache):
    result = CliRunner().invoke(
        app,
        [
            "new",
            "--level",
            "0",
            "--no-input",
            "--output-dir",
            str(tmp_path),
            "--verify",
            "--env-cache",
            str(env_cache),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Verification passed" in result.output
