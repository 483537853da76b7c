"""Time a warm `mlops-level verify` of a Level 2 project: replayed CI, replayed CD staging job, peak memory.

    python benchmarks/level2_bench.py [--env-cache DIR] [--no-compare]

"Warm" reuses a virtual environment from the env cache (the same one the slow tests use, ~/.cache/mlops-level-
tests/envs, or MLOPS_LEVEL_TEST_ENV_CACHE); run once beforehand to build it, or the first run includes the
build. Then the same verify of a second copy of the project without the shared Prefect server, as verify ran
before it (each flow-running step starts its own; --no-compare skips it). Peak memory is the largest resident
set of any single process verify waited for (the replayed steps and what they start). The baseline, measured
in the same run after verify, is the project's own test suite run directly in that environment: the ratio of
warm verify to it is what load does not change much. Figures go to stdout and to
benchmarks/out/level2_bench.json, with the load average: other work on the machine slows every figure.
"""

from __future__ import annotations

import argparse
import os
import tempfile
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

OUT = Path(__file__).resolve().parent / "out" / "level2_bench.json"
TARGET_S = 180.0  # warm verify on an idle 2-core machine
DEFAULT_CACHE = Path(
    os.environ.get("MLOPS_LEVEL_TEST_ENV_CACHE", Path.home() / ".cache" / "mlops-level-tests" / "envs")
)


def main() -> None:
    from mlops_level.scaffold import render

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env-cache", type=Path, default=DEFAULT_CACHE, help="reusable environments folder")
    parser.add_argument("--no-compare", action="store_true", help="skip the verify without the shared server")
    args = parser.parse_args()
    load_before = os.getloadavg()
    compared: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as folder:
        project = render({"level": 2}, Path(folder) / "shared-server")
        report, total, cpu = warm_verify(project, args.env_cache)
        baseline = project_tests_seconds(project, report.environment / "bin" / "python")
        if not args.no_compare:
            other = render({"level": 2}, Path(folder) / "per-step-servers")
            without_shared_server(other)
            print("-- the same project, each step starting its own Prefect server:", flush=True)
            _, other_total, other_cpu = timed_verify(other, args.env_cache, confirm=lambda plan: True)
            compared = comparison_figures((total, cpu), (other_total, other_cpu))
    phases = {"ci.yml": 0.0, "cd.yml": 0.0}
    for step in report.steps:
        prefix = step.name.split(" > ")[0]
        if prefix in phases:
            phases[prefix] += step.seconds
    figures = {
        "warm_verify_s": round(total, 1),
        "replayed_ci_s": round(phases["ci.yml"], 1),
        "replayed_cd_staging_s": round(phases["cd.yml"], 1),
        "environment": report.steps[0].status,  # "reused" when warm
        "steps_s": {step.name: round(step.seconds, 1) for step in report.steps},
    }
    figures |= compared | baseline_figures((total, cpu), baseline, TARGET_S) | machine_figures(load_before)
    write_figures(OUT, figures)


if __name__ == "__main__":
    main()
