"""Time a Level 1 project: environment build, warm `mlops-level verify`, pipeline runs, tests, peak memory.

    python benchmarks/level1_bench.py [--env-cache DIR] [--cold] [--no-compare]

Builds an environment from the project's lock with the warm uv cache (and, with --cold, with an empty one,
which downloads every package from PyPI), then times a warm verify that reuses the environment in the env
cache (the one the slow tests use, ~/.cache/mlops-level-tests/envs or MLOPS_LEVEL_TEST_ENV_CACHE; the first
call builds it), then the same verify of a second copy of the project without the shared Prefect server, as
verify ran before it (each flow-running step starts its own; --no-compare skips it). "Flow steps" is the time
between Prefect's "Beginning flow run" and "Finished in state" log lines: the pipeline's own steps, without
interpreter start-up and Prefect's temporary server. Peak memory is the largest resident set of any single
child process. The baseline, measured in the same run after verify, is the project's own test suite run
directly in that environment (its own temporary Prefect server): the ratio of warm verify to it is what load
does not change much. Figures go to stdout and benchmarks/out/level1_bench.json, with the load average: other
work on the machine slows every figure.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from _figures import (
    baseline_figures,
    comparison_figures,
    machine_figures,
    project_tests_seconds,
    timed_verify,
    warm_verify,
    without_shared_server,
    write_figures,
)

OUT = Path(__file__).resolve().parent / "out" / "level1_bench.json"
TARGET_S = 120.0  # warm verify on an idle 2-core machine
DEFAULT_CACHE = Path(
    os.environ.get("MLOPS_LEVEL_TEST_ENV_CACHE", Path.home() / ".cache" / "mlops-level-tests" / "envs")
)
_FLOW_LINE = re.compile(
    r"^(\d\d:\d\d:\d\d\.\d+) \| INFO\s+\| Flow run '[^']+' - (Beginning flow run|Finished in state)", re.M
)


def flow_seconds(output: str) -> float | None:
    """Seconds from the flow run's first to its last state line in a pipeline run's log, or None if absent."""
    stamps = [datetime.strptime(stamp, "%H:%M:%S.%f") for stamp, _ in _FLOW_LINE.findall(output)]
    return round((stamps[-1] - stamps[0]).total_seconds(), 2) if len(stamps) >= 2 else None


def build_seconds(project: Path, uv: str, cache_dir: Path | None) -> float:
    """A fresh virtual environment with the project's lock installed, as verify builds it."""
    env = {**os.environ, **({"UV_CACHE_DIR": str(cache_dir)} if cache_dir else {})}
    with tempfile.TemporaryDirectory(prefix="level1-bench-venv-") as folder:
        venv = Path(folder) / "venv"
        started = time.perf_counter()
        subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True, env=env)
        subprocess.run(
            [
                uv,
                "pip",
                "install",
                "--quiet",
                "--python",
                str(venv / "bin" / "python"),
                "--compile-bytecode",
                "-r",
                "requirements.lock",
                "-e",
                ".",
            ],
            check=True,
            env=env,
            cwd=project,
        )
        return round(time.perf_counter() - started, 1)


def main() -> None:
    from mlops_level.scaffold import render
    from mlops_level.scaffold.environment import find_uv

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env-cache", type=Path, default=DEFAULT_CACHE, help="reusable environments folder")
    parser.add_argument("--cold", action="store_true", help="also build with an empty uv cache (downloads)")
    parser.add_argument("--no-compare", action="store_true", help="skip the verify without the shared server")
    args = parser.parse_args()
    uv = find_uv()
    if uv is None:
        raise SystemExit("uv is needed: pip install uv")
    load_before = os.getloadavg()
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="level1-bench-") as folder:
        project = render({"level": 1}, Path(folder))
        if args.cold:
            with tempfile.TemporaryDirectory(prefix="level1-bench-uv-cache-") as cache:
                figures["env_build_cold_cache_s"] = build_seconds(project, uv, Path(cache))
        figures["env_build_warm_cache_s"] = build_seconds(project, uv, None)
        report, total, cpu = warm_verify(project, args.env_cache)
        baseline = project_tests_seconds(project, report.environment / "bin" / "python")
        if not args.no_compare:
            other = render({"level": 1}, Path(folder) / "per-step-servers")
            without_shared_server(other)
            print("-- the same project, each step starting its own Prefect server:", flush=True)
            _, other_total, other_cpu = timed_verify(other, args.env_cache, confirm=lambda plan: True)
            figures |= comparison_figures((total, cpu), (other_total, other_cpu))
    steps = {step.name: step for step in report.steps}
    runs = [step for step in report.steps if step.name.startswith("make pipeline")]
    tests = next(step for step in report.steps if step.name.startswith("make test"))
    figures |= {
        "warm_verify_s": round(total, 1),
        "environment": steps["create environment"].status,  # "reused" when warm
        "test_suite_s": round(tests.seconds, 1),
        "pipeline_first_run_s": round(runs[0].seconds, 1),
        "pipeline_retrain_run_s": round(runs[1].seconds, 1),
        "pipeline_unchanged_run_s": round(runs[2].seconds, 1),
        "flow_steps_s": [flow_seconds(run.output) for run in runs],
        "steps_s": {name: round(step.seconds, 1) for name, step in steps.items()},
    }
    figures |= baseline_figures((total, cpu), baseline, TARGET_S) | machine_figures(load_before)
    write_figures(OUT, figures)


if __name__ == "__main__":
    main()
