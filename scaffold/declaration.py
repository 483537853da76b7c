"""What a generated project declares in `.mlops-level.toml`: how to verify it, what to run next."""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mlops_level.errors import UserError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DECLARATION_FILE = ".mlops-level.toml"
DEFAULT_TIMEOUT = 1800


@dataclass(frozen=True)
class Step:
    name: str
    run: list[str]
    timeout: float = DEFAULT_TIMEOUT
    skip: str = ""  # why this step is listed but not run (e.g. a replayed workflow step needing Docker)


@dataclass(frozen=True)
class Declaration:
    install: list[str]
    steps: list[Step]
    env: dict[str, str] = field(default_factory=dict)
    next_commands: list[str] = field(default_factory=list)


def _fail(path: Path, problem: str) -> UserError:
    return UserError(f"{path}: {problem}")


def _strings(path: Path, where: str, value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _fail(path, f"{where} must be a list of strings")
    return list(value)


def _steps(project: Path, path: Path, number: int, raw: object) -> list[Step]:
    """A declared step: a `run` command, or `replay` of a GitHub workflow's run: steps (optional `jobs`)."""
    has_command = isinstance(raw, dict) and ("run" in raw or "replay" in raw)
    if not has_command or not isinstance(raw.get("name"), str):
        raise _fail(path, f"verify.steps[{number}] needs a name and a run command (or a workflow to replay)")
    timeout = raw.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise _fail(path, f"step {raw['name']!r}: timeout must be a positive number of seconds")
    if "replay" in raw:
        from .replay import expand

        if not isinstance(raw["replay"], str):
            raise _fail(path, f"step {raw['name']!r}: replay must be a workflow path")
        jobs = None if raw.get("jobs") is None else _strings(path, f"{raw['name']}.jobs", raw["jobs"])
        return expand(project, raw["replay"], jobs, float(timeout))
    run = (
        shlex.split(raw["run"])
        if isinstance(raw["run"], str)
        else _strings(path, f"{raw['name']}.run", raw["run"])
    )
    if not run:
        raise _fail(path, f"step {raw['name']!r} has an empty run command")
    return [Step(name=raw["name"], run=run, timeout=float(timeout))]


def load(project: Path) -> Declaration:
    path = Path(project) / DECLARATION_FILE
    if not path.is_file():
        raise UserError(f"{project} has no {DECLARATION_FILE}; is it a project made by mlops-level new?")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise _fail(path, f"cannot be read: {exc}") from exc
    verify = data.get("verify")
    if not isinstance(verify, dict):
        raise _fail(path, "has no [verify] table")
    env = verify.get("env", {})
    if not isinstance(env, dict) or not all(isinstance(value, str) for value in env.values()):
        raise _fail(path, "verify.env must be a table of strings")
    steps = verify.get("steps", [])
    if not isinstance(steps, list) or not steps:
        raise _fail(path, "declares no [[verify.steps]]")
    return Declaration(
        install=_strings(path, "verify.install", verify.get("install", [])),
        steps=[step for number, raw in enumerate(steps) for step in _steps(Path(project), path, number, raw)],
        env=dict(env),
        next_commands=_strings(path, "new.next", data.get("new", {}).get("next", [])),
    )
