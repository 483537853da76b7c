"""Verify a generated project for real: build its environment, install it, run the checks it declares."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from mlops_level.errors import UserError

from . import declaration as declaration_mod
from .environment import READY_MARKER, Environment, env_key, find_uv
from .generate import ANSWERS_FILE, read_answers

TAIL_LINES = 40
PASSED, FAILED, SKIPPED, REUSED = "passed", "failed", "skipped", "reused"


@dataclass
class StepResult:
    name: str
    status: str
    seconds: float = 0.0
    output: str = ""

    def tail(self, lines: int = TAIL_LINES) -> str:
        return "\n".join(self.output.rstrip().splitlines()[-lines:])


@dataclass
class VerifyReport:
    project: Path
    level: str
    installer: str
    environment: Path
    steps: list[StepResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(step.status != FAILED for step in self.steps) and any(
            s.status == PASSED for s in self.steps
        )

    @property
    def failed_step(self) -> StepResult | None:
        return next((step for step in self.steps if step.status == FAILED), None)

    def summary(self) -> str:
        """Plain-text summary, with the failing step's output tail: for logs and assertion messages."""
        lines = [f"{step.status:>7}  {step.seconds:6.1f} s  {step.name}" for step in self.steps]
        failed = self.failed_step
        if failed is not None:
            lines += [f"--- last lines of {failed.name!r} ---", failed.tail()]
        return "\n".join(lines)


Callback = Callable[[str], None]
ResultCallback = Callable[[StepResult], None]


def _run(name: str, command: list[str], cwd: Path, env: dict[str, str], timeout: float) -> StepResult:
    started = time.monotonic()
    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
            timeout=timeout,
        )
    except FileNotFoundError:
        return StepResult(name, FAILED, time.monotonic() - started, f"command not found: {command[0]}")
    except subprocess.TimeoutExpired as exc:
        output = exc.output if isinstance(exc.output, str) else (exc.output or b"").decode(errors="replace")
        return StepResult(
            name, FAILED, time.monotonic() - started, f"{output}\ntimed out after {timeout:.0f} s"
        )
    output = done.stdout if done.returncode == 0 else f"{done.stdout.rstrip()}\nexit code {done.returncode}"
    return StepResult(name, PASSED if done.returncode == 0 else FAILED, time.monotonic() - started, output)


@contextmanager
def _locked(path: Path):
    """An exclusive lock on a file (POSIX), so two runs never build the same cached environment at once."""
    try:
        import fcntl
    except ImportError:  # Windows: no locking, builds are still marked ready only when complete
        yield
        return
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def verify(
    project: Path,
    env_cache: Path | None = None,
    installer: str = "auto",
    offline: bool = False,
    on_start: Callback | None = None,
    on_result: ResultCallback | None = None,
) -> VerifyReport:
    """Run the project's declared checks in a fresh environment (or a cached one keyed on its requirements).

    installer: "auto" (uv when available), "uv" or "pip"; offline: install from uv's cache only (needs uv).
    Steps stop at the first failure; later ones are reported as skipped. `on_start(name)` and
    `on_result(StepResult)` report progress as it happens.
    """
    project = Path(project).absolute()
    if not project.is_dir():
        raise UserError(f"{project} is not a folder")
    declared = declaration_mod.load(project)
    level = str(read_answers(project).get("level", "?")) if (project / ANSWERS_FILE).is_file() else "?"
    uv = find_uv() if installer in ("auto", "uv") else None
    if installer == "uv" and uv is None:
        raise UserError("--installer uv was asked for but uv is not installed (pip install uv)")
    if offline and uv is None:
        raise UserError(
            "--offline installs from uv's cache and needs uv (pip install uv; not --installer pip)"
        )

    with ExitStack() as stack:
        if env_cache is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mlops-level-verify-")))
            environment = Environment(folder / "venv", uv, offline)
        else:
            cache = Path(env_cache).absolute()
            cache.mkdir(parents=True, exist_ok=True)
            key = env_key(project, declared.install, "uv" if uv else "pip")
            environment = Environment(cache / key, uv, offline)
        report = VerifyReport(project, level, "uv" if uv else "pip", environment.path)

        def record(result: StepResult) -> bool:
            report.steps.append(result)
            if on_result:
                on_result(result)
            return result.status != FAILED

        def attempt(name: str, command: list[str], cwd: Path, env: dict[str, str], timeout: float) -> bool:
            if on_start:
                on_start(name)
            return record(_run(name, command, cwd, env, timeout))

        env = environment.variables(dict(os.environ))
        env.update(declared.env)
        with ExitStack() as lock:
            if env_cache is not None:
                lock.enter_context(_locked(environment.path.with_suffix(".lock")))
            if environment.ready:
                record(StepResult("create environment", REUSED, 0.0, str(environment.path)))
                ok = True
            else:
                shutil.rmtree(environment.path, ignore_errors=True)
                ok = attempt("create environment", environment.create_command(), project, env, 600)
            if ok and declared.install:
                ok = attempt(
                    "install requirements", environment.install_command(declared.install), project, env, 1800
                )
            if ok:
                (environment.path / READY_MARKER).write_text(" ".join(declared.install) + "\n")
        for step in declared.steps:
            if not ok or step.skip:
                record(StepResult(step.name, SKIPPED, 0.0, step.skip))
                continue
            ok = attempt(step.name, step.run, project, env, step.timeout)
        return report
