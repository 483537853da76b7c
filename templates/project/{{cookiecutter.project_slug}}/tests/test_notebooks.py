"""Runs the notebooks headless, top to bottom as a person would, then checks the model they hand off.

The notebooks run in a copy of the project under a temporary folder, so the tests never touch models/.
"""

import csv
import importlib.util
import io
import json
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ["01-exploration.ipynb", "02-train.ipynb"]
N_ROWS = 569


def _load_predict_module():
    spec = importlib.util.spec_from_file_location("predict", ROOT / "predict.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    """A copy of the notebooks, executed in order with the notebooks folder as working directory."""
    work = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "notebooks", work / "notebooks")
    shutil.copy(ROOT / "predict.py", work / "predict.py")
    for name in NOTEBOOKS:
        path = work / "notebooks" / name
        notebook = nbformat.read(path, as_version=4)
        client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}})
        client.execute()
        nbformat.write(notebook, path)
    return work


@pytest.fixture(scope="module")
def predict_module():
    return _load_predict_module()


def _stream_text(path: Path) -> str:
    notebook = nbformat.read(path, as_version=4)
    return "".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                   for output in cell.outputs if output.output_type == "stream")


def test_exploration_notebook_reports_the_data(work):
    text = _stream_text(work / "notebooks" / "01-exploration.ipynb")
    assert f"{N_ROWS} rows, 30 measurements" in text
    assert "missing values: 0" in text


def test_training_notebook_writes_model_and_metadata(work, predict_module):
    metadata = json.loads((work / "models" / "model_metadata.json").read_text())
    assert (work / "models" / "model.pkl").is_file()
    assert set(metadata["libraries"]) == {"scikit-learn", "pandas", "numpy"}
    assert metadata["dataset"]["rows"] == N_ROWS
    assert metadata["dataset"]["sha256"] == predict_module.fingerprint(predict_module.load_dataset())
    assert metadata["features"] == predict_module.RAW_COLUMNS + predict_module.DERIVED_COLUMNS
    assert metadata["metrics"]["accuracy"] > 0.9
    assert metadata["metrics"]["roc_auc"] > 0.95


def test_pickled_model_predicts_with_expected_shape_and_score(work, predict_module):
    with open(work / "models" / "model.pkl", "rb") as handle:
        model = pickle.load(handle)
    frame = predict_module.load_dataset()
    features = predict_module.build_features(frame)
    predicted = model.predict(features)
    assert predicted.shape == (N_ROWS,)
    assert model.predict_proba(features).shape == (N_ROWS, 2)
    assert (predicted == frame["target"].to_numpy()).mean() > 0.9


def test_predict_script_on_a_csv(work, predict_module, tmp_path):
    frame = predict_module.load_dataset()
    csv_path = tmp_path / "tumours.csv"
    frame.drop(columns="target").to_csv(csv_path, index=False)
    result = subprocess.run([sys.executable, "predict.py", str(csv_path)], cwd=work,
                            capture_output=True, text=True, check=True)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == N_ROWS
    assert {row["label"] for row in rows} == {"malignant", "benign"}
    accuracy = sum(int(row["prediction"]) == target for row, target in zip(rows, frame["target"])) / N_ROWS
    assert accuracy > 0.9


def test_predict_script_on_sample_rows(work):
    result = subprocess.run([sys.executable, "predict.py"], cwd=work, capture_output=True, text=True, check=True)
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "prediction,label,probability_benign"
    assert len(lines) == 6


def test_predict_script_refuses_a_csv_without_the_measurements(work, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("mean radius,mean texture\n1.0,2.0\n")
    result = subprocess.run([sys.executable, "predict.py", str(bad)], cwd=work, capture_output=True, text=True)
    assert result.returncode == 2
    assert "missing raw columns" in result.stderr
