"""Virtual environments for verifying generated projects: fresh or reused, built with uv when available.

Every command is returned as an argument list for the caller to run (and report on); nothing here runs it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

TELEMETRY_OFF = {
    "DO_NOT_TRACK": "true",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_UI_ENABLED": "false",
    "DVC_NO_ANALYTICS": "1",
}
READY_MARKER = ".mlops-level-ready"
_FILE_OPTIONS = ("-r", "--requirement", "-c", "--constraint")


def find_uv() -> str | None:
    """The uv executable on PATH, or the one shipped by the `uv` Python package, or None."""
    found = shutil.which("uv")
    if found:
        return found
    try:
        from uv import find_uv_bin
    except ImportError:
        return None
    try:
        return find_uv_bin()
    except FileNotFoundError:
        return None


@dataclass(frozen=True)
class Environment:
    path: Path
    uv: str | None  # None: plain venv + pip
    offline: bool = False  # uv only: install from its cache, never the network

    @property
    def bin_dir(self) -> Path:
        return self.path / ("Scripts" if os.name == "nt" else "bin")

    @property
    def python(self) -> Path:
        return self.bin_dir / ("python.exe" if os.name == "nt" else "python")

    @property
    def ready(self) -> bool:
        return (self.path / READY_MARKER).is_file()

    def create_command(self) -> list[str]:
        if self.uv:
            return [self.uv, "venv", "--quiet", "--python", sys.executable, str(self.path)]
        return [sys.executable, "-m", "venv", str(self.path)]

    def install_command(self, args: list[str]) -> list[str]:
        if self.uv:
            offline = ["--offline"] if self.offline else []
            return [
                self.uv,
                "pip",
                "install",
                "--python",
                str(self.python),
                "--compile-bytecode",
                *offline,
                *args,
            ]
        return [str(self.python), "-m", "pip", "install", "--disable-pip-version-check", *args]

    def variables(self, base: dict[str, str]) -> dict[str, str]:
        """The process environment for commands run inside this environment, telemetry off."""
        env = {key: value for key, value in base.items() if key not in ("PYTHONHOME", "CONDA_PREFIX")}
        env.update(TELEMETRY_OFF)
        env["VIRTUAL_ENV"] = str(self.path)
        env["PATH"] = os.pathsep.join([str(self.bin_dir), base.get("PATH", "")])
        env["UV_PYTHON_DOWNLOADS"] = "never"
        return env


def env_key(project: Path, install_args: list[str], installer: str) -> str:
    """A hash of what determines the environment: Python, installer, install arguments, requirement files."""
    digest = hashlib.sha256()
    digest.update(f"{sys.version}\0{Path(sys.executable).resolve()}\0{installer}\0".encode())
    digest.update("\0".join(install_args).encode())
    for option, value in zip(install_args[:-1], install_args[1:], strict=True):
        if option in _FILE_OPTIONS and (project / value).is_file():
            digest.update(b"\0" + (project / value).read_bytes())
    return digest.hexdigest()[:20]
