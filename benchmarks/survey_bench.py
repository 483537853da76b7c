"""Benchmark `mlops-level survey` against the single assessments it runs.

Creates 50 small git repositories (the assess fixture repositories under tests/fixtures/assess/, copied in
turn and committed), then times:
  * every single `assess` in this process, one after the other (their sum);
  * `survey` over the 50 with the default jobs (the number of cores), in this process;
  * `mlops-level survey --from LIST --format json -o ...`, a fresh process (start-up included).
Target: survey wall time <= 1.5 x (sum of the single assessments / cores).

    python benchmarks/survey_bench.py [--repos N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _figures import machine_figures, write_figures

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "assess"
OUT = ROOT / "benchmarks" / "out" / "survey_bench.json"
DOTFILES = {"gitignore": ".gitignore", "gitattributes": ".gitattributes"}
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}
TARGET_RATIO = 1.5


def make_repositories(base: Path, count: int) -> list[Path]:
    sources = sorted(p for p in FIXTURES.iterdir() if p.is_dir() and p.name.startswith(("l0_", "l1_", "l2_")))
    env = {**os.environ, **GIT_ENV}
    repos = []
    for number in range(count):
        source = sources[number % len(sources)]
        target = base / f"{number:02d}-{source.name}"
        shutil.copytree(source, target)
        for path in sorted(target.rglob("*"), reverse=True):
            if path.name in DOTFILES:
                path.rename(path.with_name(DOTFILES[path.name]))
        for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "bench"]):
            subprocess.run(["git", *args], cwd=target, env=env, check=True, capture_output=True)
        repos.append(target)
    return repos


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=50)
    parser.add_argument("--keep", type=Path, help="create the repositories in DIR and keep them")
    args = parser.parse_args()

    from mlops_level.assess import run
    from mlops_level.assess.survey import default_jobs, survey

    base = args.keep or Path(tempfile.mkdtemp(prefix="mlops-level-survey-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        repos = make_repositories(base, args.repos)
        targets = [str(repo) for repo in repos]
        load_before = os.getloadavg()
        run(targets[0])  # warm the imports, as the survey's fork server is warm

        single = []
        for target in targets:
            started = time.perf_counter()
            run(target)
            single.append(time.perf_counter() - started)
        total = sum(single)

        jobs = default_jobs()
        started = time.perf_counter()
        result, _ = survey(targets, jobs=jobs, timeout=300)
        survey_s = time.perf_counter() - started
        failed = [row.target for row in result.rows if not row.ok]

        listing = base / "targets.txt"
        listing.write_text("\n".join(targets) + "\n", encoding="utf-8")
        out = base / "survey.json"
        out.unlink(missing_ok=True)
        command = [sys.executable, "-m", "mlops_level", "survey", "--from", str(listing), "-f", "json"]
        started = time.perf_counter()
        subprocess.run([*command, "-o", str(out)], check=True, capture_output=True)
        cli_s = time.perf_counter() - started

        ideal = total / jobs
        figures = {
            "repositories": len(targets),
            "jobs": jobs,
            "single_assess_sum_s": round(total, 3),
            "single_assess_mean_s": round(total / len(targets), 4),
            "single_assess_max_s": round(max(single), 4),
            "ideal_s": round(ideal, 3),
            "survey_s": round(survey_s, 3),
            "survey_cli_s": round(cli_s, 3),
            "ratio_to_ideal": round(survey_s / ideal, 3),
            "cli_ratio_to_ideal": round(cli_s / ideal, 3),
            "target_ratio": TARGET_RATIO,
            "within_target": survey_s / ideal <= TARGET_RATIO,
            "failed_rows": failed,
        } | machine_figures(load_before)
        write_figures(OUT, figures)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
