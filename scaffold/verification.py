"""Verify a generated project for real: build its environment, install it, run the checks it declares."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from mlops_level.errors import UserError, sigterm_raises

from . import declaration as declaration_mod
from .environment import READY_MARKER, Environment, env_key, find_uv
from .generate import ANSWERS_FILE, read_answers
from .processes import Output, end_group
from .provenance import Origin, origin
from .services import TEMPLATE_DB, PrefectServer, keep_migrated_database

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
    seconds: float = 0.0  # the whole run, wall clock (steps may overlap: the Prefect server starts early)

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
        lines.append(f"{'total':>7}  {self.seconds:6.1f} s")
        failed = self.failed_step
        if failed is not None:
            lines += [f"--- last lines of {failed.name!r} ---", failed.tail()]
        return "\n".join(lines)


Callback = Callable[[str, str], None]  # on_start(step name, the command as shown)
ResultCallback = Callable[[StepResult], None]


def _run(name: str, command: list[str], cwd: Path, env: dict[str, str], timeout: float) -> StepResult:
    """Run one step in its own process group, which is ended when the step ends, times out or is
    interrupted (Ctrl-C, SIGTERM): no grandchild outlives its step."""
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=os.name == "posix",
        )
    except FileNotFoundError:
        return StepResult(name, FAILED, time.monotonic() - started, f"command not found: {command[0]}")
    except (OSError, ValueError) as exc:  # not executable, a bad interpreter line
        return StepResult(name, FAILED, time.monotonic() - started, f"cannot run {command[0]}: {exc}")
    output = Output(process.stdout)
    timed_out = False
    try:
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
    finally:
        end_group(process)
        text = output.text(wait=2.0)
        process.stdout.close()
    seconds = time.monotonic() - started
    if timed_out:
        return StepResult(
            name, FAILED, seconds, f"{text}\ntimed out after {timeout:.0f} s (its processes were ended)"
        )
    if process.returncode == 0:
        return StepResult(name, PASSED, seconds, text)
    return StepResult(name, FAILED, seconds, f"{text.rstrip()}\nexit code {process.returncode}")


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


_URL = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://|[\w.-]+@[\w.-]+:|(?:gh|github|gl|gitlab|bb):)")


def refuse_url(project: str | Path) -> None:
    """verify never clones: a URL (https://, ssh://, git@host:, file://, gh:) is refused, --yes or not."""
    text = str(project)
    if _URL.match(text) and not Path(text).exists():
        raise UserError(
            f"verify runs a project's own commands and never clones: {text!r} looks like a URL. Clone it "
            "yourself, read its .mlops-level.toml, then verify the folder (with --yes)"
        )


@dataclass(frozen=True)
class Plan:
    """What verify would run in a project, and whether mlops-level generated that project here."""

    project: Path
    declared: declaration_mod.Declaration
    origin: Origin

    @property
    def commands(self) -> list[tuple[str, str]]:
        """(step name, command as shown) for each step that would run; skipped steps say why instead."""
        install = [("install requirements", "pip install " + shlex.join(self.declared.install))]
        steps = [
            (step.name, f"(skipped: {step.skip})" if step.skip else step.command)
            for step in self.declared.steps
        ]
        services = [(PREFECT_STEP, PREFECT_SHOWN)] if "prefect" in self.declared.services else []
        return (install if self.declared.install else []) + services + steps


def plan(project: Path | str) -> Plan:
    """Read what `project` declares and where it comes from; runs nothing."""
    refuse_url(project)
    folder = Path(project).absolute()
    if not folder.is_dir():
        raise UserError(f"{folder} is not a folder")
    declared = declaration_mod.load(folder)
    return Plan(folder, declared, origin(folder, declared))


Confirm = Callable[[Plan], bool]


def verify(
    project: Path | str,
    env_cache: Path | None = None,
    installer: str = "auto",
    offline: bool = False,
    on_start: Callback | None = None,
    on_result: ResultCallback | None = None,
    confirm: Confirm | None = None,
) -> VerifyReport:
    """Run the project's declared checks in a fresh environment (or a cached one keyed on its requirements).

    installer: "auto" (uv when available), "uv" or "pip"; offline: install from uv's cache only (needs uv).
    Steps stop at the first failure; later ones are reported as skipped. `on_start(name, command)` and
    `on_result(StepResult)` report progress as it happens.

    Trust: the steps run unasked only in a folder `mlops-level new` generated here, with its commands
    unchanged (see provenance.py). For any other folder `confirm(plan)` decides; without `confirm`, or
    when it says no, nothing runs and a UserError says why. A URL is never cloned nor run.
    SIGTERM, like Ctrl-C, ends the running step's process group and removes the fresh environment.
    """
    found = plan(project)
    if not found.origin.trusted and not (confirm is not None and confirm(found)):
        raise UserError(
            f"{found.project} {found.origin.reason}: nothing was run. Its declared commands run code of "
            f"its own; review them (mlops-level verify --dry-run {shlex.quote(str(found.project))}) and "
            "pass --yes to run them"
        )
    with sigterm_raises():
        return _verify(found, env_cache, installer, offline, on_start, on_result)


def _level(project: Path) -> str:
    if not (project / ANSWERS_FILE).is_file():
        return "?"
    try:
        return str(read_answers(project).get("level", "?"))
    except UserError:
        return "?"


def running_mlops_level_shim(folder: Path) -> Path:
    """A folder holding an `mlops-level` that runs this very mlops-level (`sys.executable -m mlops_level`).

    Put first on the steps' PATH, a replayed `mlops-level assess` step uses the mlops-level running verify,
    however it was called (an absolute path, `python -m mlops_level`, a console script that is not on PATH).
    """
    if os.name == "nt":  # pragma: no cover - POSIX shims only; Windows runs the PATH's mlops-level
        return folder
    shim = folder / "mlops-level"
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m mlops_level "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    return folder


PREFECT_STEP = "start one Prefect server on loopback for every step (PREFECT_API_URL)"
PREFECT_SHOWN = "prefect server start --host 127.0.0.1 --port <a free port> --no-services"


def _prefect_server(
    declared: declaration_mod.Declaration,
    environment: Environment,
    env: dict[str, str],
    stack: ExitStack,
    cached: bool,
) -> PrefectServer | None:
    """The shared Prefect server, if the project declares it (not started yet); stopped when verify ends."""
    if "prefect" not in declared.services:
        return None
    home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mlops-level-prefect-")))
    server = PrefectServer(environment.bin_dir, env, home, _template(environment, cached))
    stack.callback(server.stop)
    return server


def _template(environment: Environment, cached: bool) -> Path | None:
    """Where a cached environment keeps its migrated Prefect database (a fresh environment keeps none)."""
    return environment.path / TEMPLATE_DB if cached else None


TEMPLATE_STEP = "keep a migrated Prefect database with the cached environment (later servers start faster)"


def _keep_template(server: PrefectServer, env: dict[str, str]) -> StepResult | None:
    """After a verify whose server had to create its schema: the template the next ones start from."""
    if server.template is None or server.template.is_file():
        return None
    started = time.monotonic()
    problem = keep_migrated_database(server.bin_dir, env, server.template, 600)
    # not a failure of the project: without a template the next server creates its schema, as this one did
    return StepResult(TEMPLATE_STEP, PASSED, time.monotonic() - started, problem or str(server.template))


def _start_early(server: PrefectServer | None) -> None:
    if server is not None:
        try:
            server.start()
        except OSError:
            pass  # not startable (yet): _wait_for starts it again after the install, and reports why not


def _wait_for(server: PrefectServer, on_start: Callback | None) -> StepResult:
    if on_start:
        on_start(PREFECT_STEP, shlex.join(server.command))
    waited = time.monotonic()
    problem, since_start, output = server.wait()
    waited = time.monotonic() - waited  # the server may have started during the install: count only the wait
    if problem:
        return StepResult(PREFECT_STEP, FAILED, waited, f"{output.rstrip()}\nthe Prefect server {problem}")
    note = f"{output.rstrip()}\nanswering {since_start:.1f} s after it was started\n"
    return StepResult(PREFECT_STEP, PASSED, waited, note.lstrip())


def _verify(
    found: Plan,
    env_cache: Path | None,
    installer: str,
    offline: bool,
    on_start: Callback | None,
    on_result: ResultCallback | None,
) -> VerifyReport:
    project, declared = found.project, found.declared
    level = _level(project)
    uv = find_uv() if installer in ("auto", "uv") else None
    if installer == "uv" and uv is None:
        raise UserError("--installer uv was asked for but uv is not installed (pip install uv)")
    if offline and uv is None:
        raise UserError(
            "--offline installs from uv's cache and needs uv (pip install uv; not --installer pip)"
        )

    started = time.monotonic()
    with ExitStack() as stack:
        if env_cache is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mlops-level-verify-")))
            environment = Environment(folder / "venv", uv, offline)
        else:
            cache = Path(env_cache).absolute()
            try:
                cache.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UserError(f"cannot create --env-cache folder {cache}: {exc.strerror or exc}") from None
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
                on_start(name, shlex.join(command))
            return record(_run(name, command, cwd, env, timeout))

        def attempt_step(step: declaration_mod.Step, env: dict[str, str]) -> bool:
            if on_start:
                on_start(step.name, step.command)
            return record(_run(step.name, step.run, project, env, step.timeout))

        env = environment.variables(dict(os.environ))
        env.update(declared.env)
        shims = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mlops-level-shim-")))
        env["PATH"] = os.pathsep.join([str(running_mlops_level_shim(shims)), env.get("PATH", "")])
        if env_cache is not None:
            # Held until the last step: the install points the cached environment at this project
            # (`-e .`), so another verify sharing it waits instead of re-pointing it under our steps.
            stack.enter_context(_locked(environment.path.with_suffix(".lock")))
        server = _prefect_server(declared, environment, env, stack, cached=env_cache is not None)
        if environment.ready:
            record(StepResult("create environment", REUSED, 0.0, str(environment.path)))
            ok = True
            _start_early(server)  # the environment is there: the server starts while the install is checked
        else:
            shutil.rmtree(environment.path, ignore_errors=True)
            ok = attempt("create environment", environment.create_command(), project, env, 600)
        if ok and declared.install:
            ok = attempt(
                "install requirements", environment.install_command(declared.install), project, env, 1800
            )
        if ok:
            (environment.path / READY_MARKER).write_text(" ".join(declared.install) + "\n")
        if ok and server is not None:
            ok = record(_wait_for(server, on_start))
            env.update({name: value for name, value in server.variables.items() if name not in declared.env})
        for step in declared.steps:
            if not ok or step.skip:
                record(StepResult(step.name, SKIPPED, 0.0, step.skip))
                continue
            ok = attempt_step(step, env)
        if ok and server is not None:
            kept = _keep_template(server, env)
            if kept is not None:
                record(kept)
    report.seconds = time.monotonic() - started  # after the server and the lock are released
    return report
