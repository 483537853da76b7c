"""What the Level 2 Feast option costs against the default Level 2 project, both measured in this run.

    python benchmarks/feature_store_bench.py

For each variant (`feature_store=shared`, the default, and `feature_store=feast`) it renders the project,
builds a fresh environment from its lock with uv (from uv's cache: run once beforehand so both are warm),
then runs the pipeline once into a scratch data folder and registry, as `make e2e` does. Figures: install
seconds, environment size (MB) and package count, pipeline seconds, and the Feast/default ratios. They go to
stdout and to benchmarks/out/feature_store_bench.json, with the load average: other work on the machine
slows every figure.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

from _figures import machine_figures, write_figures

OUT = Path(__file__).resolve().parent / "out" / "feature_store_bench.json"
PACKAGE = "breast_cancer_classifier"


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{(done.stdout + done.stderr)[-3000:]}")
    return time.perf_counter() - started


def _size_mb(folder: Path) -> int:
    return round(sum(path.lstat().st_size for path in folder.rglob("*") if not path.is_symlink()) / 2**20)


def measure(feature_store: str, folder: Path) -> dict[str, float]:
    """Render, install and run the pipeline of one variant; its figures."""
    from mlops_level.scaffold import render
    from mlops_level.scaffold.environment import Environment, find_uv

    uv = find_uv()
    if uv is None:
        raise SystemExit("this benchmark needs uv (pip install uv)")
    project = render({"level": 2, "feature_store": feature_store}, folder / feature_store)
    environment = Environment(path=folder / f"{feature_store}-env", uv=uv)
    env = environment.variables(dict(os.environ))
    started = time.perf_counter()
    _run(environment.create_command(), project, env)
    _run(environment.install_command(["-r", "requirements.lock"]), project, env)
    install = time.perf_counter() - started
    size = _size_mb(environment.path)
    packages = len(list((environment.path / "lib").glob("python3*/site-packages/*.dist-info")))
    _run(environment.install_command(["--no-deps", "-e", "."]), project, env)
    scratch = folder / f"{feature_store}-state"
    env |= {
        "DATA_DIR": str(scratch / "data"),
        "MLFLOW_TRACKING_URI": f"sqlite:///{scratch / 'mlflow.db'}",
        "MLFLOW_ARTIFACT_LOCATION": (scratch / "mlartifacts").as_uri(),
        "PREFECT_HOME": str(scratch / "prefect"),
    }
    env.pop("MLOPS_ENV", None)
    python = str(environment.python)
    _run([python, "-m", PACKAGE, "ingest"], project, env)
    pipeline = _run([python, "-m", PACKAGE, "pipeline"], project, env)
    return {
        "install_s": round(install, 1),
        "env_mb": size,
        "packages": packages,
        "pipeline_s": round(pipeline, 1),
    }


def main() -> None:
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        default = measure("shared", Path(folder))
        feast = measure("feast", Path(folder))
    figures = {
        "default": default,
        "feast": feast,
        "feast_adds": {key: round(feast[key] - default[key], 1) for key in default},
        "feast_over_default": {key: round(feast[key] / default[key], 2) for key in default},
    } | machine_figures(load_before)
    write_figures(OUT, figures)


if __name__ == "__main__":
    main()
