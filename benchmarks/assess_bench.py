"""Benchmark `mlops-level assess` against a `git grep` baseline, in one run.

Generates a synthetic repository of about 20,000 files (2,000 Python modules, 200 notebooks, CI workflows,
data files), commits it, then times:
  * `mlops-level assess REPO --format json` (a fresh process, interpreter start-up included);
  * `git grep` over the same tree for the rubric's key patterns: one search per check (what a grep-based
    checker runs) and, as the stricter baseline, a single search with every pattern at once;
  * `mlops-level assess` on a typical 500-file project, and `mlops-level --help`.
Prints wall and CPU times and the ratios. Targets: assess within 3x of git grep; under 0.5 s on 500 files;
--help under 0.3 s.

    python benchmarks/assess_bench.py [--keep DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# One extended regular expression per check: what a grep-based checker would look for.
KEY_PATTERNS = {
    "ML002": r"\.fit\(|xgb\.train\(|\.train\(",
    "ML003": r"argparse|typer|click|__main__",
    "ML004": r"yaml\.safe_load|OmegaConf|hydra",
    "ML101": r"==[0-9]",
    "ML103": r"dvc|lakefs|log_input|use_artifact",
    "ML105": r"random_state|manual_seed|np\.random\.seed|seed_everything",
    "ML201": r"@flow|@dag|DAG\(|@dsl\.pipeline|FlowSpec|@pipeline|@asset|Pipeline\(",
    "ML202": r"@task|@step|@dsl\.component|PythonOperator|node\(",
    "ML203": r"cron|schedule_interval|schedule=|ScheduleDefinition|create_schedule",
    "ML204": r"staging|production",
    "ML205": r"feast|FeatureStore|hopsworks|tecton",
    "ML206": r"run_deployment|repository_dispatch|retrain",
    "ML301": r"mlflow\.(start_run|log_metric|autolog)|wandb\.(init|log)|neptune|comet_ml|clearml|dvclive",
    "ML302": r"log_input|mlflow\.data|set_tag",
    "ML303": r"register_model|registered_model_name|Model\.upload|link_model|RegisterModel",
    "ML304": r"set_registered_model_alias|transition_model_version_stage|get_model_version_by_alias",
    "ML401": r"def test_",
    "ML402": r"pandera|great_expectations|tensorflow_data_validation|deepchecks|evidently",
    "ML403": r"threshold|MetricThreshold|validate_evaluation_results|ConditionStep",
    "ML404": r"champion|challenger|min_absolute_change",
    "ML405": r"MetricFrame|slicing_spec|groupby",
    "ML406": r"isnan|isfinite|prefect_test_harness",
    "ML407": r"TestClient|test_client|infer_signature",
    "ML501": r"runs-on|script:|stages:",
    "ML502": r"pull_request|merge_request",
    "ML503": r"dvc repro|great_expectations|cml",
    "ML504": r"prefect deploy|bundle deploy|\.deploy\(|upsert\(",
    "ML505": r"endpoint|deploy_model|helm upgrade|kubectl apply",
    "ML506": r"environment:",
    "ML507": r"apiVersion|resource \"",
    "ML601": r"FastAPI|Flask|bentoml|\.predict\(",
    "ML602": r"logger\.info|DataCaptureConfig",
    "ML603": r"ks_2samp|psi|DataDriftPreset|whylogs|nannyml|alibi_detect",
    "ML604": r"prometheus|opentelemetry",
}

GENERIC_MODULE = '''"""Utility module {i}."""

import os
from dataclasses import dataclass


@dataclass
class Record{i}:
    name: str
    value: float

    def scaled(self, factor: float) -> float:
        return self.value * factor


def load_records_{i}(folder: str) -> list[Record{i}]:
    records = []
    for entry in sorted(os.listdir(folder)):
        if entry.endswith(".txt"):
            records.append(Record{i}(entry, float(len(entry))))
    return records


def summarise_{i}(records: list[Record{i}]) -> dict[str, float]:
    total = sum(r.value for r in records)
    return {{"count": len(records), "total": total, "mean": total / max(len(records), 1)}}
'''

ML_MODULE = '''"""Training step {i}."""

import mlflow
from prefect import task
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import f1_score


@task
def train_{i}(frame, params):
    with mlflow.start_run():
        model = RandomForestClassifier(random_state=params["seed"]).fit(frame.drop(columns="y"), frame.y)
        score = f1_score(frame.y, model.predict(frame.drop(columns="y")))
        mlflow.log_metric("f1", score)
        if score < params["threshold"]:
            raise RuntimeError("below the threshold")
    return model
'''

WORKFLOW = """name: ci-{i}
on:
  pull_request:
  schedule:
    - cron: "0 {i} * * *"
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install -r requirements.lock
      - run: pytest -q
      - run: python -m pkg.pipeline_{i}
"""


def notebook(i: int) -> str:
    cells = [
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": ["import pandas as pd\n", f"df = pd.read_csv('data/part_{i}.csv')\n", "df.describe()"],
        },
        {"cell_type": "markdown", "metadata": {}, "source": [f"# Exploration {i}\n"]},
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": ["%matplotlib inline\n", "df.hist()"],
        },
    ]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def generate(root: Path, modules: int, notebooks: int, workflows: int, data_files: int) -> int:
    """Write the synthetic repository; returns the number of files."""
    count = 0

    def write(rel: str, text: str) -> None:
        nonlocal count
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        count += 1

    write(".gitignore", "models/\n*.pkl\nmlruns/\n.env\n.ipynb_checkpoints/\n")
    write("requirements.lock", "mlflow==3.17.2\nprefect==3.9.1\nscikit-learn==1.5.2\n")
    write("pyproject.toml", '[project]\nname = "pkg"\nversion = "0.1.0"\n')
    write("src/pkg/__init__.py", "")
    for i in range(modules):
        package = f"src/pkg/sub{i // 100}"
        if i % 100 == 0:
            write(f"{package}/__init__.py", "")
        if i % 50 == 0:
            write(f"{package}/train_{i}.py", ML_MODULE.format(i=i))
        elif i % 10 == 0:
            write(
                f"tests/test_mod_{i}.py",
                f"from pkg.sub{i // 100} import mod_{i + 1}\n\n"
                f"def test_{i}():\n    assert mod_{i + 1}.summarise_{i + 1}([])\n",
            )
        else:
            write(f"{package}/mod_{i}.py", GENERIC_MODULE.format(i=i))
    for i in range(notebooks):
        write(f"notebooks/{i:03d}-exploration.ipynb", notebook(i))
    for i in range(workflows):
        write(f".github/workflows/ci_{i}.yml", WORKFLOW.format(i=i % 24))
    for i in range(data_files):
        folder = "data/raw" if i % 2 else "data/processed"
        write(f"{folder}/part_{i:05d}.csv", f"id,value\n{i},{i * 0.5}\n")
    return count


def commit(root: Path) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "synthetic"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(fn, repeat: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system of the child processes) of `fn`, after a warm-up.
    CPU time is shown too because wall time is inflated when other jobs share the machine."""
    fn()
    walls, cpus = [], []
    for _ in range(repeat):
        cpu, start = _children_cpu(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - start)
        cpus.append(_children_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def command(args: list[str], cwd: Path | None = None):
    return lambda: subprocess.run(args, cwd=cwd, capture_output=True, check=False)


def grep_each_check(root: Path):
    def run_all() -> None:
        for pattern in KEY_PATTERNS.values():
            subprocess.run(
                ["git", "grep", "-n", "-I", "-E", pattern], cwd=root, capture_output=True, check=False
            )

    return run_all


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="generate into this (new) folder and keep it")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement (median is shown)")
    args = parser.parse_args()
    cli = [sys.executable, "-m", "mlops_level"]
    workdir = Path(tempfile.mkdtemp(prefix="mlops-level-bench-")) if args.keep is None else args.keep
    try:
        large, small = workdir / "large", workdir / "small"
        start = time.perf_counter()
        files = generate(large, modules=2000, notebooks=200, workflows=20, data_files=17_770)
        commit(large)
        print(f"generated {files} files in {time.perf_counter() - start:.1f} s at {large}")
        small_files = generate(small, modules=100, notebooks=10, workflows=3, data_files=380)
        commit(small)

        combined = ["git", "grep", "-n", "-I", "-E"] + [x for p in KEY_PATTERNS.values() for x in ("-e", p)]
        rows = [
            (
                f"mlops-level assess, {files} files",
                measure(command([*cli, "assess", str(large), "-f", "json"]), args.repeat),
            ),
            (
                f"git grep, one search per check ({len(KEY_PATTERNS)})",
                measure(grep_each_check(large), args.repeat),
            ),
            ("git grep, every pattern in one search", measure(command(combined, large), args.repeat)),
            (
                f"mlops-level assess, {small_files} files",
                measure(command([*cli, "assess", str(small), "-f", "json"]), args.repeat),
            ),
            ("mlops-level --help", measure(command([*cli, "--help"]), args.repeat)),
        ]
        print(f"\n{'measurement (median of ' + str(args.repeat) + ')':<50}{'wall s':>9}{'cpu s':>9}")
        for label, (wall, cpu) in rows:
            print(f"{label:<50}{wall:>9.3f}{cpu:>9.3f}")
        assess_wall, assess_cpu = rows[0][1]
        for label, (wall, cpu) in (("per check", rows[1][1]), ("all-in-one", rows[2][1])):
            print(f"assess/git grep {label:<11}{assess_wall / wall:5.2f}x wall {assess_cpu / cpu:5.2f}x cpu")
        print("target: assess within 3x of git grep")
        print(
            f"500-file project: {rows[3][1][0]:.3f} s wall, {rows[3][1][1]:.3f} s cpu (target < 0.5 s); "
            f"--help: {rows[4][1][0]:.3f} s wall (target < 0.3 s)"
        )
        return 0
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
