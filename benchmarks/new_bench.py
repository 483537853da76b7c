"""Time `mlops-level new --level 0 --no-input` and a full `mlops-level verify` (cold and warm uv cache).

    python benchmarks/new_bench.py [--repeat 5] [--skip-cold]

"Cold" points UV_CACHE_DIR at an empty temporary folder, so every package is downloaded from PyPI;
"warm" uses the persistent uv cache (run once cold or warm beforehand to fill it). Each verify builds a
fresh virtual environment, except the last: a second verify reusing an --env-cache environment.
Figures (seconds, per verify step too) go to stdout and to benchmarks/out/new_bench.json, with the load
average: other work on the machine slows every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out" / "new_bench.json"
CLI = [sys.executable, "-m", "mlops_level"]


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        output = done.stdout[-3000:] + done.stderr[-3000:]
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{output}")
    return elapsed


def bench_new(repeat: int) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(repeat):
            times.append(
                timed(
                    [
                        *CLI,
                        "new",
                        "--level",
                        "0",
                        "--no-input",
                        "--name",
                        f"bench {run}",
                        "--output-dir",
                        folder,
                    ]
                )
            )
    return times


def bench_verify(project: Path, uv_cache: str | None, env_cache: Path | None = None) -> dict[str, float]:
    """One full verify (a fresh environment unless env_cache); seconds per step plus the total."""
    from mlops_level.scaffold import verify

    saved = os.environ.get("UV_CACHE_DIR")
    if uv_cache is not None:
        os.environ["UV_CACHE_DIR"] = uv_cache
    try:
        started = time.perf_counter()
        report = verify(project, env_cache=env_cache)
        total = time.perf_counter() - started
    finally:
        if saved is None:
            os.environ.pop("UV_CACHE_DIR", None)
        else:
            os.environ["UV_CACHE_DIR"] = saved
    if not report.passed:
        sys.exit(f"verify failed:\n{report.summary()}")
    return {**{step.name: round(step.seconds, 1) for step in report.steps}, "total": round(total, 1)}


def show(label: str, figures: dict[str, float]) -> None:
    steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in figures.items() if name != "total")
    print(f"mlops-level verify ({label}): {figures['total']:.1f} s  [{steps}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of `new` to time (default 5)")
    parser.add_argument(
        "--skip-cold", action="store_true", help="skip the cold-cache verify (downloads about 100 MB)"
    )
    args = parser.parse_args()

    results: dict[str, object] = {}
    new_times = bench_new(args.repeat)
    results["new_level0_seconds"] = {
        "median": statistics.median(new_times),
        "min": min(new_times),
        "runs": new_times,
    }
    print(
        f"mlops-level new --level 0 --no-input: median {statistics.median(new_times):.2f} s, "
        f"min {min(new_times):.2f} s over {len(new_times)} runs"
    )

    with tempfile.TemporaryDirectory() as folder:
        timed([*CLI, "new", "--level", "0", "--no-input", "--name", "bench verify", "--output-dir", folder])
        project = Path(folder) / "bench-verify"
        if not args.skip_cold:
            with tempfile.TemporaryDirectory() as empty_cache:
                results["verify_level0_cold_uv_cache"] = cold = bench_verify(project, empty_cache)
            show("Level 0, fresh venv, cold uv cache", cold)
        results["verify_level0_warm_uv_cache"] = warm = bench_verify(project, None)
        show("Level 0, fresh venv, warm uv cache", warm)
        with tempfile.TemporaryDirectory() as envs:
            bench_verify(project, None, Path(envs))
            results["verify_level0_reused_env"] = reused = bench_verify(project, None, Path(envs))
        show("Level 0, environment reused with --env-cache", reused)
    results["load_average_1min"] = os.getloadavg()[0]

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
