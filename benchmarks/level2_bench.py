"""Time a warm `mlops-level verify` of a Level 2 project: replayed CI, replayed CD staging job, peak memory.

    python benchmarks/level2_bench.py [--env-cache DIR]

"Warm" reuses a virtual environment from the env cache (the same one the slow tests use,
~/.cache/mlops-level-tests/envs, or MLOPS_LEVEL_TEST_ENV_CACHE); run once beforehand to build it, or the
first run includes the build. Peak memory is the largest resident set of any single process verify waited
for (the replayed steps and what they start). The baseline, measured in the same run after verify, is the
project's own test suite run directly in that environment: the ratio of warm verify to it is what load does
not change much. Figures go to stdout and to benchmarks/out/level2_bench.json,
with the load average: other work on the machine slows every figure.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from _figures import (
    baseline_figures,
    children_cpu_seconds,
    machine_figures,
    project_tests_seconds,
    write_figures,
)

OUT = Path(__file__).resolve().parent / "out" / "level2_bench.json"
TARGET_S = 180.0  # warm verify on an idle 2-core machine
DEFAULT_CACHE = Path(
    os.environ.get("MLOPS_LEVEL_TEST_ENV_CACHE", Path.home() / ".cache" / "mlops-level-tests" / "envs")
)


def main() -> None:
    from mlops_level.scaffold import render, verify

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env-cache", type=Path, default=DEFAULT_CACHE, help="reusable environments folder")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        project = render({"level": 2}, Path(folder))
        started, cpu = time.perf_counter(), children_cpu_seconds()
        report = verify(
            project,
            env_cache=args.env_cache,
            on_result=lambda step: print(f"{step.status:>8} {step.seconds:7.1f} s  {step.name}", flush=True),
        )
        total = time.perf_counter() - started
        cpu = round(children_cpu_seconds() - cpu, 1)
        if not report.passed:
            raise SystemExit(report.summary())
        baseline = project_tests_seconds(project, report.environment / "bin" / "python")
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
    figures |= baseline_figures((total, cpu), baseline, TARGET_S) | machine_figures(load_before)
    write_figures(OUT, figures)


if __name__ == "__main__":
    main()
