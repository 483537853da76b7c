"""Services `verify` starts once and shares with every step: a Prefect server on loopback.

A project declares them in `.mlops-level.toml` (`[verify] services = ["prefect"]`). Without a shared server,
each step that runs a flow starts Prefect's temporary server of its own, which takes seconds every time;
with one, every step gets its URL as PREFECT_API_URL (and TEST_PREFECT_API_URL, which the project's tests
may use instead of starting their own). The server's database lives in a scratch folder and goes with it.

Most of a server's start is creating its database schema. With a cached environment (`--env-cache`), the
first verify keeps an empty, migrated database beside it (`prefect server database upgrade`, into
TEMPLATE_DB); later servers start from a copy of it: they answer in about 5 s instead of 12 s.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from .environment import TELEMETRY_OFF
from .processes import Output, end_group

KNOWN = ("prefect",)
PROVIDED = {"prefect": ("PREFECT_API_URL", "TEST_PREFECT_API_URL")}  # the variables each service sets
START_TIMEOUT = 300.0  # seconds; it takes ~10 s on an idle 2-core machine, over a minute when busy
POLL_SECONDS = 0.1
ATTEMPTS = 3  # a free port can be taken between choosing it and the server binding it: choose again
TEMPLATE_DB = "prefect-migrated.db"  # in a cached environment's folder: goes when the environment is rebuilt
DATABASE = "prefect.db"


def provided(services: list[str]) -> frozenset[str]:
    """The variables the declared services set in every step's environment."""
    return frozenset(name for service in services for name in PROVIDED[service])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prefect_command(bin_dir: Path, port: int) -> list[str]:
    """The API only (no UI, no background services: steps run their flows in-process)."""
    prefect = bin_dir / ("prefect.exe" if os.name == "nt" else "prefect")
    return [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-services"]


def prefect_env(base: dict[str, str], home: Path) -> dict[str, str]:
    env = {key: value for key, value in base.items() if not key.startswith("PREFECT_API_")}
    env.update(TELEMETRY_OFF)
    env["PREFECT_HOME"] = str(home)
    env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = f"sqlite+aiosqlite:///{home / DATABASE}"
    return env


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy


def healthy(url: str) -> bool:
    try:
        with _DIRECT.open(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_healthy(process: subprocess.Popen, url: str, timeout: float = START_TIMEOUT) -> str:
    """ "" once the server answers; otherwise why not ("exited", "timed out")."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return f"exited with code {process.returncode} before answering"
        if healthy(url):
            return ""
        time.sleep(POLL_SECONDS)
    return f"did not answer {url}/health within {timeout:.0f} s"


def prefect_variables(port: int) -> dict[str, str]:
    url = f"http://127.0.0.1:{port}/api"
    return {name: url for name in PROVIDED["prefect"]}


class PrefectServer:
    """`prefect server start` from the project's environment, on a free loopback port, its database in
    `home`. `start()` returns at once (the server comes up while other work runs); `wait()` says when it
    answers; `stop()` ends its process group."""

    def __init__(
        self, bin_dir: Path, base_env: dict[str, str], home: Path, template: Path | None = None
    ) -> None:
        self.bin_dir, self.env, self.home = bin_dir, prefect_env(base_env, home), home
        self.template = template  # an empty migrated database to start from, when there is one
        self.process: subprocess.Popen | None = None
        self.output: Output | None = None
        self.port = 0
        self.started = 0.0

    @property
    def command(self) -> list[str]:
        return prefect_command(self.bin_dir, self.port or 0)

    @property
    def variables(self) -> dict[str, str]:
        return prefect_variables(self.port)

    def start(self) -> None:
        self.started = self.started or time.monotonic()
        database = self.home / DATABASE
        if self.template is not None and self.template.is_file() and not database.exists():
            shutil.copyfile(self.template, database)
        self.port = free_port()
        self.process = subprocess.Popen(
            self.command,
            cwd=self.home,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=os.name == "posix",
        )
        self.output = Output(self.process.stdout)

    def wait(self, timeout: float = START_TIMEOUT) -> tuple[str, float, str]:
        """("" or why it is not up, seconds since start(), its output so far); retries a lost port."""
        problem = ""
        for attempt in range(ATTEMPTS):
            if self.process is None or attempt:
                self.stop()
                try:
                    self.start()
                except OSError as exc:
                    return f"cannot run {self.command[0]}: {exc}", time.monotonic() - self.started, ""
            problem = wait_healthy(self.process, self.variables["PREFECT_API_URL"], timeout)
            if not problem or self.process.poll() is None:
                break  # up, or hung (timed out): another port would not help
        text = self.output.text(wait=0.0) if self.output else ""
        return problem, time.monotonic() - self.started, text

    def stop(self) -> None:
        if self.process is not None:
            end_group(self.process)
            self.output.text(wait=1.0)
            self.process.stdout.close()
            self.process = None


def keep_migrated_database(bin_dir: Path, base_env: dict[str, str], template: Path, timeout: float) -> str:
    """Create `template`, an empty Prefect database with its schema (the command's output on failure, else
    ""). Written in a scratch folder and renamed into place: a half-made template is never used."""
    with tempfile.TemporaryDirectory(prefix="mlops-level-prefect-db-", dir=template.parent) as folder:
        home = Path(folder)
        prefect = bin_dir / ("prefect.exe" if os.name == "nt" else "prefect")
        try:
            done = subprocess.run(
                [str(prefect), "server", "database", "upgrade", "--yes"],
                cwd=home,
                env=prefect_env(base_env, home),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"cannot run {prefect}: {exc}"
        if done.returncode != 0 or not (home / DATABASE).is_file():
            return (done.stdout + done.stderr).decode("utf-8", "replace")[-2000:] or f"exit {done.returncode}"
        os.replace(home / DATABASE, template)
    return ""
