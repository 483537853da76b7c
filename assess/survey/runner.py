"""Run `assess` over many targets in a pool of processes, one row per target whatever happens to it.

Workers are forked from a fork server that has already imported `assess` (so each repository costs its
assessment, not an interpreter start-up), at most `jobs` at a time. Each assessment runs under its own
timer (SIGALRM in the worker): a slow clone or a huge repository becomes a "timed out" row and the worker
takes the next target. A worker ignores SIGINT (the parent decides) and turns SIGTERM into SystemExit, so
a cancelled survey still removes its temporary clones.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from mlops_level.assess.survey.model import Survey, SurveyRow

WORKER_MODULE = "mlops_level.assess.survey.runner"
MAX_REASON = 300


def default_jobs() -> int:
    return os.cpu_count() or 1


@dataclass(frozen=True)
class Task:
    """One target for a worker: where to write nothing (workers only compute), how long it may take, and,
    with --reports, the folder its HTML report will be written to (for the links to its files)."""

    target: str
    timeout: float
    reports_dir: str = ""


@dataclass
class Outcome:
    row: SurveyRow
    html: str = ""


class SurveyTimeout(Exception):
    """The assessment of one target ran past --timeout."""


def report_file_names(targets: list[str]) -> list[str]:
    """A file name per target for its HTML report: its position (stable, unique) and a readable slug."""
    names = []
    for number, target in enumerate(targets, 1):
        last = re.split(r"[/:\\]", target.rstrip("/\\"))[-1].removesuffix(".git") or "repository"
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", last).strip(".-")[:48] or "repository"
        names.append(f"{number:03d}-{slug}.html")
    return names


def survey(
    targets: list[str],
    *,
    jobs: int | None = None,
    timeout: float = 300.0,
    reports_dir: Path | None = None,
    on_done: Callable[[SurveyRow], None] | None = None,
) -> tuple[Survey, list[str]]:
    """Assess every target with at most `jobs` processes; returns the survey (rows in target order) and,
    with `reports_dir`, the HTML report of each row ("" for failed rows), not yet written."""
    from mlops_level import __version__
    from mlops_level.assess.api import CHECKS

    jobs = max(1, min(jobs or default_jobs(), len(targets) or 1))
    reports = str(Path(reports_dir).resolve()) if reports_dir is not None else ""
    tasks = [Task(target, timeout, reports) for target in targets]
    outcomes: dict[int, Outcome] = {}
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_context(), initializer=_worker_init) as pool:
        try:
            pending: dict[Future, int] = {
                pool.submit(rate_one, task): index for index, task in enumerate(tasks)
            }
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    index = pending.pop(future)
                    outcomes[index] = _outcome(future, tasks[index])
                    if on_done is not None:
                        on_done(outcomes[index].row)
        except BaseException:
            _stop(pool)
            raise
    families = list(dict.fromkeys(spec.family for spec in CHECKS))
    created = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    result = Survey([outcomes[i].row for i in range(len(tasks))], families, __version__, created)
    return result, [outcomes[i].html for i in range(len(tasks))]


def _outcome(future: Future, task: Task) -> Outcome:
    try:
        return future.result()
    except BrokenProcessPool:
        return Outcome(SurveyRow(task.target, ok=False, error="the worker process died (out of memory?)"))
    except Exception as exc:  # the worker's own guard failed: still one row, never a traceback
        return Outcome(SurveyRow(task.target, ok=False, error=_reason(exc)))


def _context():
    """A fork server with `assess` preloaded where available (POSIX), else spawn (Windows)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(
            [WORKER_MODULE, "mlops_level.assess.api", "mlops_level.assess.report.html"]
        )
        return context
    return multiprocessing.get_context("spawn")


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers (SIGTERM: they remove their clones)."""
    pool.shutdown(wait=False, cancel_futures=True)
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            process.terminate()
        except (OSError, AttributeError):
            pass


def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)


def _exit_on_sigterm(signum, frame):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise SystemExit(128 + signum)


def _on_alarm(signum, frame):
    raise SurveyTimeout()


def rate_one(task: Task) -> Outcome:
    """Assess one target (in a worker): a row with its rating, or with the reason it has none."""
    from mlops_level.assess.api import AssessError, run

    started = time.perf_counter()
    timed = hasattr(signal, "setitimer") and task.timeout > 0
    try:
        if timed:
            signal.signal(signal.SIGALRM, _on_alarm)
            signal.setitimer(signal.ITIMER_REAL, task.timeout)
        try:
            report = run(task.target)
            row = row_from_report(task.target, report)
            html = _html(report, task) if task.reports_dir else ""
        finally:
            if timed:
                signal.setitimer(signal.ITIMER_REAL, 0)
    except SurveyTimeout:
        row, html = SurveyRow(task.target, ok=False, error=f"timed out after {task.timeout:g} s"), ""
    except AssessError as exc:
        row, html = SurveyRow(task.target, ok=False, error=_reason(exc, kind=False)), ""
    except Exception as exc:  # one repository that breaks assess must not stop the survey
        row, html = SurveyRow(task.target, ok=False, error=f"internal error: {_reason(exc)}"), ""
    row.seconds = time.perf_counter() - started
    return Outcome(row, html)


def row_from_report(target: str, report) -> SurveyRow:
    from mlops_level.assess.report.html_kit import family_scores

    rating = report.rating
    verdict = rating.verdict
    return SurveyRow(
        target=target,
        ok=True,
        level=rating.level,
        next_level=rating.next_level,
        progress=rating.progress,
        confidence=verdict.confidence if verdict else "",
        blocking=list(rating.blocking),
        missing=[
            {"capability": cap.key, "label": cap.label, "remediation": cap.remediation or None}
            for cap in (verdict.missing if verdict else [])
        ],
        families=family_scores(report.checks),
        checks={result.spec.id: result.status.value for result in report.checks},
        repo={
            key: report.repo.get(key) for key in ("commit", "branch", "url", "dirty") if key in report.repo
        },
    )


def _html(report, task: Task) -> str:
    """The repository's HTML report; for a local folder, evidence links relative to the reports folder."""
    from mlops_level.assess.report.escape import url_path
    from mlops_level.assess.report.html import render_html
    from mlops_level.assess.report.html_kit import web_base

    if web_base(report.repo) or "url" in report.repo:
        return render_html(report)
    relative = os.path.relpath(report.root, task.reports_dir).replace(os.sep, "/")
    return render_html(report, link_base=url_path(relative) + "/")


def _reason(exc: BaseException, *, kind: bool = True) -> str:
    from mlops_level.assess.report.escape import plain

    text = " ".join(plain(str(exc)).split())
    if kind:
        text = f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__
    return text[:MAX_REASON] + ("…" if len(text) > MAX_REASON else "")
