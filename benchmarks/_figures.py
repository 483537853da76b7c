"""What every verify benchmark records about the machine, and how it writes its figures."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import time
from pathlib import Path


def machine_figures(load_before: tuple[float, float, float]) -> dict:
    """Peak memory of the child processes, the load average around the run, and the core count."""
    return {
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "load_average_before": [round(value, 2) for value in load_before],
        "load_average_after": [round(value, 2) for value in os.getloadavg()],
        "cpus": os.cpu_count(),
    }


def write_figures(path: Path, figures: dict, *, hidden: tuple[str, ...] = ("steps_s",)) -> None:
    """Write all figures as JSON under benchmarks/out/ and print the headline ones."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({key: value for key, value in figures.items() if key not in hidden}, indent=2))


def children_cpu_seconds() -> float:
    """User + system CPU seconds of the finished child processes so far: less sensitive to load than wall."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def project_tests_seconds(project: Path, python: Path) -> tuple[float, float]:
    """The baseline: the project's own test suite, run directly in its verify environment (no verify)."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("PREFECT_API", "TEST_PREFECT"))
    }
    started, cpu = time.perf_counter(), children_cpu_seconds()
    subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return round(time.perf_counter() - started, 1), round(children_cpu_seconds() - cpu, 1)


def baseline_figures(verify: tuple[float, float], baseline: tuple[float, float], target_s: float) -> dict:
    """Warm verify, (wall, CPU) seconds, as ratios of the baseline measured in the same run (load slows both
    alike), with the target it is held to (wall seconds on an idle 2-core machine)."""
    return {
        "warm_verify_cpu_s": verify[1],
        "baseline_project_tests_s": baseline[0],
        "baseline_project_tests_cpu_s": baseline[1],
        "verify_over_project_tests": round(verify[0] / baseline[0], 2),
        "verify_over_project_tests_cpu": round(verify[1] / baseline[1], 2),
        "target_warm_verify_s": target_s,
    }


def timed_verify(project: Path, env_cache: Path, **options):
    """(report, wall seconds, CPU seconds) of one verify, printing each step as it finishes."""
    from mlops_level.scaffold import verify

    started, cpu = time.perf_counter(), children_cpu_seconds()
    report = verify(
        project,
        env_cache=env_cache,
        on_result=lambda step: print(f"{step.status:>8} {step.seconds:7.1f} s  {step.name}", flush=True),
        **options,
    )
    wall, cpu = round(time.perf_counter() - started, 1), round(children_cpu_seconds() - cpu, 1)
    if not report.passed:
        raise SystemExit(report.summary())
    return report, wall, cpu


def warm_verify(project: Path, env_cache: Path, **options):
    """`timed_verify` of a warm run: when the run built the environment (a new machine, a changed lock), the
    project is verified again, so the figure never includes an install."""
    report, wall, cpu = timed_verify(project, env_cache, **options)
    if report.steps[0].status != "reused":
        print(f"-- that verify built the environment ({wall:.0f} s); timing a warm one:", flush=True)
        report, wall, cpu = timed_verify(project, env_cache, **options)
    return report, wall, cpu


def without_shared_server(project: Path) -> None:
    """The project as verify ran it before its shared Prefect server: each flow-running step (and each test
    session) starts Prefect's temporary server of its own. Edited, so it is verified with consent."""
    path = project / ".mlops-level.toml"
    text = path.read_text(encoding="utf-8").replace('services = ["prefect"]\n', "")
    text = text.replace("[verify.replay.vars]\n", '[verify.replay.vars]\nPREFECT_API_URL = ""\n')
    path.write_text(text, encoding="utf-8")


def comparison_figures(shared: tuple[float, float], per_step: tuple[float, float]) -> dict:
    """The shared-server verify against the per-step-servers one, run on the same machine in the same run."""
    return {
        "per_step_servers_verify_s": per_step[0],
        "per_step_servers_verify_cpu_s": per_step[1],
        "shared_over_per_step_servers": round(shared[0] / per_step[0], 2),
        "shared_over_per_step_servers_cpu": round(shared[1] / per_step[1], 2),
    }
