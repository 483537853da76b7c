"""Benchmark `mlops-level assess` against the cost of reading the bytes once, in one run.

Generates synthetic git repositories (Python modules, notebooks, CI workflows, YAML configs and manifests,
data files) and times, each as a fresh process (interpreter start-up included):
  * the reference: ONE `git grep` holding every rubric pattern (the bytes read once); the 34 separate
    searches a grep-based checker would run are shown on a second line only;
  * `assess` cold (empty cache) and warm (every blob's facts cached), on 20,000 files;
  * `assess --base HEAD` against one `assess` (a clean checkout: the base is what was just assessed), and
    `--base HEAD~1`, a pull request's base (its last commit changed 10 modules), on a second line;
  * peak memory (ru_maxrss of the assess process) on 20,000 files;
  * a 500-file project, and the growth series 5,000 / 20,000 / 80,000 files (time per file, cold and warm);
and prints the machine's load with the targets (issue 13):
  cold <= 3x the single git grep; warm <= 2x; --base HEAD <= 1.3x one assess; 500 files < 0.3 s;
  peak memory < 300 MB; growth linear.

    python benchmarks/assess_bench.py [--quick] [--keep DIR] [--repeat N] [--tool CMD]

The tool is this checkout installed as the README installs it (`pip install .` into a fresh venv, made in the
run: about 15 s, from the package index or pip's cache). --tool runs another build instead (e.g. --tool
"python -m mlops_level" for this interpreter's install, or "python old/run.py"). --quick skips the 80,000-file
point.
The children run with bytecode caching on (PYTHONDONTWRITEBYTECODE is dropped), as an installed package has.
Figures are written to benchmarks/out/assess_bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _figures import machine_figures, write_figures

OUT = Path(__file__).resolve().parent / "out" / "assess_bench.json"
REPO = Path(__file__).resolve().parents[1]
BUILD_LEFTOVERS = (".git", "build", "dist", "*.egg-info", "__pycache__", ".hypothesis", ".ruff_cache", "out")

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


CONFIG = """# experiment {i}
model:
  name: forest-{i}
  n_estimators: {n}
  max_depth: 8
data:
  train: data/processed/part_{i:05d}.csv
  columns: [id, value]
defaults: &defaults
  seed: {i}
  folds: 5
run:
  <<: *defaults
  tag: exp-{i}
"""

MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: scorer-{i}
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: scorer
          image: registry.example.com/scorer:1.{i}
"""


def generate(
    root: Path, modules: int, notebooks: int, workflows: int, data_files: int, configs: int = 0
) -> int:
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
    for i in range(configs):  # nine hyperparameter files for one Kubernetes manifest
        if i % 10 == 9:
            write(f"deploy/k8s/scorer_{i}.yaml", MANIFEST.format(i=i))
        else:
            write(f"configs/exp/exp_{i:05d}.yaml", CONFIG.format(i=i, n=100 + i))
    for i in range(data_files):
        folder = "data/raw" if i % 2 else "data/processed"
        write(f"{folder}/part_{i:05d}.csv", f"id,value\n{i},{i * 0.5}\n")
    return count


def synthesise(root: Path, files: int) -> int:
    """A repository of about `files` files in the proportions of the 20,000-file one: 10 % Python modules,
    1 % notebooks, 2 % YAML configs and manifests, 20 CI workflows, the rest data."""
    modules, notebooks, configs = files // 10, files // 100, files // 50
    workflows = 20
    data = max(files - modules - modules // 100 - notebooks - configs - workflows - 4, 0)
    return generate(root, modules, notebooks, workflows, data, configs)


GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, env={**os.environ, **GIT_ENV}, check=True)


def commit(root: Path) -> None:
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "synthetic"]):
        git(root, *args)


def change(root: Path, count: int = 10) -> None:
    """Commit an edit of `count` Python modules on top: HEAD~1 is then a pull request's base."""
    modules = sorted(root.rglob("mod_*.py"))[:count]
    for module in modules:
        module.write_text(module.read_text(encoding="utf-8") + "\nCHANGED = True\n", encoding="utf-8")
    git(root, "commit", "-q", "-am", f"change {count} modules")


def installed_tool(workdir: Path) -> list[str]:
    """mlops-level as the README installs it (`pip install .`, not editable) into a fresh virtual
    environment: the children then start like a user's, without this interpreter's .pth files (an editable
    install's finder, a sandbox's certificate hook) that a development checkout loads on every start."""
    venv, source = workdir / "venv", workdir / "source"
    start = time.perf_counter()
    # built from a copy: setuptools would leave build/ in the checkout, and reuse stale files from it
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(*BUILD_LEFTOVERS))
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(source)], check=True
    )
    print(f"installed mlops-level from {REPO} into {venv} in {time.perf_counter() - start:.0f} s", flush=True)
    return [str(python), "-m", "mlops_level"]


def run_child(args: list[str], env: dict[str, str], cwd: Path | None = None) -> tuple[float, float, int]:
    """(wall s, cpu s, peak resident MB) of one child process, from its own rusage (os.wait4)."""
    start = time.perf_counter()
    child = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    stderr = child.stderr.read().decode("utf-8", "replace") if child.stderr else ""
    child.stderr.close() if child.stderr else None
    if child.returncode not in (0, 1):
        raise SystemExit(f"{shlex.join(args)} failed ({child.returncode}): {stderr[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, round(usage.ru_maxrss / 1024)


def measure(
    args: list[str], env: dict[str, str], repeat: int, *, before=None, cwd: Path | None = None
) -> dict:
    """Median wall and CPU time and the largest peak memory of `repeat` runs (after one warm-up run);
    `before` runs ahead of every run, untimed (e.g. emptying the cache for a cold run)."""
    runs = []
    for index in range(repeat + 1):
        if before is not None:
            before()
        result = run_child(args, env, cwd)
        if index:  # the first run warms the OS page cache and the interpreter's bytecode cache
            runs.append(result)
    return {
        "wall_s": round(statistics.median(r[0] for r in runs), 3),
        "cpu_s": round(statistics.median(r[1] for r in runs), 3),
        "peak_mb": max(r[2] for r in runs),
    }


def grep_each_check(root: Path, env: dict[str, str], repeat: int) -> dict:
    """The 34 separate searches, run one after the other (a shell loop, so one child to time)."""
    script = " ; ".join(shlex.join(["git", "grep", "-n", "-I", "-E", p]) for p in KEY_PATTERNS.values())
    return measure(["sh", "-c", script + " >/dev/null"], env, repeat, cwd=root)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="generate into this (new) folder and keep it")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement (median is shown)")
    parser.add_argument(
        "--quick", action="store_true", help="skip the 80,000-file point of the growth series"
    )
    parser.add_argument(
        "--tool",
        help="the command to benchmark (default: this checkout, installed into a fresh venv; "
        "'python -m mlops_level' times this interpreter's install, e.g. an editable one)",
    )
    args = parser.parse_args()
    load_before = os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="mlops-level-bench-")) if args.keep is None else args.keep
    tool = shlex.split(args.tool) if args.tool else installed_tool(workdir)
    cache = workdir / "xdg-cache"
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    env.pop("MLOPS_LEVEL_NO_CACHE", None)
    # an installed mlops-level has its bytecode compiled (pip does it); without this, every run of an editable
    # install started with PYTHONDONTWRITEBYTECODE=1 would compile its modules again (about 0.3 s)
    env.pop("PYTHONDONTWRITEBYTECODE", None)

    def empty_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    def assess(root: Path, *extra: str) -> list[str]:
        return [*tool, "assess", str(root), "-f", "json", *extra]

    try:
        sizes = [5_000, 20_000] + ([] if args.quick else [80_000])
        repos: dict[int, tuple[Path, int]] = {}
        for size in sizes:
            start = time.perf_counter()
            root = workdir / f"repo{size}"
            count = synthesise(root, size)
            commit(root)
            if size == 20_000:
                change(root)
            repos[size] = (root, count)
            print(f"generated {count} files in {time.perf_counter() - start:.1f} s", flush=True)
        small = workdir / "small"
        small_files = generate(small, modules=100, notebooks=10, workflows=3, data_files=370, configs=10)
        commit(small)
        large, files = repos[20_000]

        combined = ["git", "grep", "-n", "-I", "-E"] + [x for p in KEY_PATTERNS.values() for x in ("-e", p)]
        grep_one = measure(combined, env, args.repeat, cwd=large)
        grep_each = grep_each_check(large, env, args.repeat)
        cold = measure(assess(large), env, args.repeat, before=empty_cache)
        run_child(assess(large), env)  # fill the cache
        warm = measure(assess(large), env, args.repeat)
        helped = subprocess.run([*tool, "assess", "--help"], env=env, capture_output=True, text=True).stdout
        if "--no-cache" in helped:
            no_cache = measure(assess(large, "--no-cache"), env, args.repeat)
        else:  # an older build without the cache: every run is a --no-cache run
            no_cache = cold
        base_warm = measure(assess(large, "--base", "HEAD"), env, args.repeat)
        base_cold = measure(assess(large, "--base", "HEAD"), env, args.repeat, before=empty_cache)
        base_pr = measure(assess(large, "--base", "HEAD~1"), env, args.repeat)
        small_cold = measure(assess(small), env, args.repeat, before=empty_cache)
        small_warm = measure(assess(small), env, args.repeat)
        help_run = measure([*tool, "--help"], env, args.repeat)
        growth = {}
        for size, (root, count) in repos.items():
            growth_cold = (
                cold if size == 20_000 else measure(assess(root), env, args.repeat, before=empty_cache)
            )
            run_child(assess(root), env)
            growth_warm = warm if size == 20_000 else measure(assess(root), env, args.repeat)
            growth[count] = {"cold": growth_cold, "warm": growth_warm}
        load_after = os.getloadavg()

        rows = [
            ("git grep, every pattern in one search (reference)", grep_one),
            (f"git grep, one search per check ({len(KEY_PATTERNS)})", grep_each),
            (f"assess, {files} files, cold (empty cache)", cold),
            (f"assess, {files} files, warm", warm),
            (f"assess, {files} files, --no-cache", no_cache),
            (f"assess --base HEAD, {files} files, warm", base_warm),
            (f"assess --base HEAD, {files} files, cold", base_cold),
            (f"assess --base HEAD~1 (10 files changed), {files} files", base_pr),
            (f"assess, {small_files} files, cold", small_cold),
            (f"assess, {small_files} files, warm", small_warm),
            ("mlops-level --help", help_run),
        ]
        print(
            f"\n{'measurement (median of ' + str(args.repeat) + ', fresh processes)':<58}"
            f"{'wall s':>8}{'cpu s':>8}{'peak MB':>9}"
        )
        for label, row in rows:
            print(f"{label:<58}{row['wall_s']:>8.3f}{row['cpu_s']:>8.3f}{row['peak_mb']:>9}")
        print("\ngrowth (time per 1,000 files)")
        for count, row in growth.items():
            c, w = row["cold"], row["warm"]
            cold_ms, warm_ms = (1e6 * x["wall_s"] / count for x in (c, w))
            print(
                f"  {count:>7} files  cold {c['wall_s']:6.2f} s ({cold_ms:6.1f} ms)"
                f"  warm {w['wall_s']:6.2f} s ({warm_ms:6.1f} ms)  peak {c['peak_mb']} MB"
            )

        def ratio(a: dict, b: dict) -> tuple[float, float]:
            return a["wall_s"] / b["wall_s"], a["cpu_s"] / max(b["cpu_s"], 1e-9)

        checks = [
            ("cold / one git grep", ratio(cold, grep_one), 3.0),
            ("warm / one git grep", ratio(warm, grep_one), 2.0),
            ("--base HEAD / one assess (warm)", ratio(base_warm, warm), 1.3),
            ("--base HEAD / one assess (cold)", ratio(base_cold, cold), 1.3),
        ]
        print("\ntargets (wall ratio, and CPU ratio: wall time is inflated when the machine is shared)")
        for label, (wall, cpu), target in checks:
            verdict = "ok" if wall <= target else "ok on CPU" if cpu <= target else "MISSED"
            print(f"  {label:<34}{wall:6.2f}x wall {cpu:6.2f}x cpu  (target <= {target}x)  {verdict}")
        print(
            f"  {'cold / per-check git grep':<34}{cold['wall_s'] / grep_each['wall_s']:6.2f}x  (second line)"
        )
        wall, cpu = ratio(base_pr, warm)
        label = "--base HEAD~1 / one assess (warm)"
        print(f"  {label:<34}{wall:6.2f}x wall {cpu:6.2f}x cpu  (a pull request's base)")
        for label, value, target in (
            (f"{small_files} files cold, CLI process", small_cold["wall_s"], 0.3),
            (f"{small_files} files warm, CLI process", small_warm["wall_s"], 0.3),
        ):
            print(
                f"  {label:<34}{value:6.3f} s (target < {target} s)  {'ok' if value < target else 'MISSED'}"
            )
        peak = max(cold["peak_mb"], warm["peak_mb"])
        label = f"peak memory, {files} files"
        print(f"  {label:<34}{peak:6d} MB (target < 300 MB)  {'ok' if peak < 300 else 'MISSED'}")
        per_file = [row["cold"]["wall_s"] / count for count, row in growth.items()]
        label = "growth, cold s/file largest/smallest"
        print(f"  {label:<34}{per_file[-1] / per_file[0]:6.2f}  (linear: about 1 or below)")
        print(
            f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after, on {os.cpu_count()} cores"
        )
        figures = {
            "files": files,
            "grep_one": grep_one,
            "grep_each": grep_each,
            "cold": cold,
            "warm": warm,
            "no_cache": no_cache,
            "base_warm": base_warm,
            "base_cold": base_cold,
            "base_pull_request": base_pr,
            "small_files": small_files,
            "small_cold": small_cold,
            "small_warm": small_warm,
            "help": help_run,
            "growth": growth,
            "ratios": {label: [round(wall, 2), round(cpu, 2)] for label, (wall, cpu), _ in checks},
            **machine_figures(load_before),
        }
        figures.pop("peak_rss_mb", None)  # the children's peak is per measurement above
        write_figures(
            OUT,
            figures,
            hidden=(
                "growth",
                "grep_each",
                "help",
                "no_cache",
                "small_cold",
                "small_warm",
                "cold",
                "warm",
                "base_warm",
                "base_cold",
                "base_pull_request",
                "grep_one",
            ),
        )
        return 0
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
