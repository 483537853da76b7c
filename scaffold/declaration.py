"""What a generated project declares in `.mlops-level.toml`: how to verify it, what to run next."""

from __future__ import annotations

import math
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mlops_level.errors import UserError
from mlops_level.userfiles import read_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DECLARATION_FILE = ".mlops-level.toml"
DEFAULT_TIMEOUT = 1800
MAX_TIMEOUT = 24 * 3600  # a step may take up to a day; `inf` or `nan` would mean "never ends"


@dataclass(frozen=True)
class Step:
    name: str
    run: list[str]
    timeout: float = DEFAULT_TIMEOUT
    skip: str = ""  # why this step is listed but not run (e.g. a replayed workflow step needing Docker)
    shown: str = ""  # the command as shown before it runs (default: the argument list, shell-quoted)

    @property
    def command(self) -> str:
        return self.shown or shlex.join(self.run)


@dataclass(frozen=True)
class Declaration:
    install: list[str]
    steps: list[Step]
    env: dict[str, str] = field(default_factory=dict)
    next_commands: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)  # started once, shared by every step (services.py)


def _fail(path: Path, problem: str) -> UserError:
    return UserError(f"{path}: {problem}")


def _strings(path: Path, where: str, value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _fail(path, f"{where} must be a list of strings")
    return list(value)


def check_timeout(where: str, value: object) -> float:
    """A positive, finite number of seconds, at most MAX_TIMEOUT."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UserError(f"{where}: timeout must be a number of seconds, not {value!r}")
    if not math.isfinite(value) or not 0 < value <= MAX_TIMEOUT:
        raise UserError(
            f"{where}: timeout must be more than 0 and at most {MAX_TIMEOUT} seconds, not {value!r}"
        )
    return float(value)


def check_arguments(where: str, arguments: list[str]) -> list[str]:
    """Arguments a process can be given: strings without NUL bytes."""
    for argument in arguments:
        if "\0" in argument:
            raise UserError(f"{where}: {argument!r} holds a NUL byte, which no command can receive")
    return arguments


def check_env(where: str, raw: object) -> dict[str, str]:
    """Variables a process can be given: no `=` or NUL in names, no NUL in values."""
    if not isinstance(raw, dict) or not all(isinstance(value, str) for value in raw.values()):
        raise UserError(f"{where} must be a table of strings")
    for name, value in raw.items():
        if not name or "=" in name or "\0" in name:
            raise UserError(f"{where}: {name!r} is not a valid environment variable name")
        if "\0" in value:
            raise UserError(f"{where}: {name} holds a NUL byte, which no environment variable can hold")
    return dict(raw)


def _contexts(path: Path, verify: dict) -> dict[str, dict[str, str]]:
    """`[verify.replay.vars]`, `.secrets`, `.inputs`: the values a replayed workflow's expressions get
    locally."""
    from .replay import CONTEXTS

    replay = verify.get("replay", {})
    if not isinstance(replay, dict):
        raise _fail(path, "[verify.replay] must be a table")
    unknown = sorted(set(replay) - set(CONTEXTS))
    if unknown:
        raise _fail(path, f"[verify.replay] knows {', '.join(CONTEXTS)}, not {', '.join(unknown)}")
    return {name: check_env(f"{path}: verify.replay.{name}", replay[name]) for name in replay}


def _services(path: Path, verify: dict) -> list[str]:
    from .services import KNOWN

    services = _strings(path, "verify.services", verify.get("services", []))
    unknown = sorted(set(services) - set(KNOWN))
    if unknown:
        raise _fail(path, f"verify.services knows {', '.join(KNOWN)}, not {', '.join(unknown)}")
    return list(dict.fromkeys(services))


def _steps(
    project: Path,
    path: Path,
    number: int,
    raw: object,
    contexts: dict[str, dict[str, str]] | None = None,
    provided: frozenset[str] = frozenset(),
) -> list[Step]:
    """A declared step: a `run` command (optional `skip`: why it is listed but not run), or `replay` of a
    GitHub workflow's run: steps (optional `jobs`)."""
    has_command = isinstance(raw, dict) and ("run" in raw or "replay" in raw)
    if not has_command or not isinstance(raw.get("name"), str):
        raise _fail(path, f"verify.steps[{number}] needs a name and a run command (or a workflow to replay)")
    where = f"{path}: step {raw['name']!r}"
    timeout = check_timeout(where, raw.get("timeout", DEFAULT_TIMEOUT))
    if "replay" in raw:
        from .replay import expand

        if not isinstance(raw["replay"], str):
            raise _fail(path, f"step {raw['name']!r}: replay must be a workflow path")
        jobs = None if raw.get("jobs") is None else _strings(path, f"{raw['name']}.jobs", raw["jobs"])
        return expand(project, raw["replay"], jobs, timeout, contexts, provided)
    if isinstance(raw["run"], str):
        try:
            run = shlex.split(raw["run"])
        except ValueError as exc:  # an unbalanced quote, a trailing backslash
            raise _fail(path, f"step {raw['name']!r}: run {raw['run']!r} cannot be split: {exc}") from None
    else:
        run = _strings(path, f"{raw['name']}.run", raw["run"])
    if not run:
        raise _fail(path, f"step {raw['name']!r} has an empty run command")
    skip = raw.get("skip", "")  # listed with this reason, not run (it needs what verify lacks: the network)
    if not isinstance(skip, str):
        raise _fail(path, f"step {raw['name']!r}: skip must be the reason it is not run, as a string")
    return [Step(name=raw["name"], run=check_arguments(where, run), timeout=timeout, skip=skip.strip())]


def load(project: Path) -> Declaration:
    path = Path(project) / DECLARATION_FILE
    if not path.is_file():
        raise UserError(f"{project} has no {DECLARATION_FILE}; is it a project made by mlops-level new?")
    text = read_text(path, "declaration")
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as exc:
        raise _fail(
            path, f"cannot be read: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        ) from None
    verify = data.get("verify")
    if not isinstance(verify, dict):
        raise _fail(path, "has no [verify] table")
    env = check_env(f"{path}: verify.env", verify.get("env", {}))
    steps = verify.get("steps", [])
    if not isinstance(steps, list) or not steps:
        raise _fail(path, "declares no [[verify.steps]]")
    new = data.get("new", {})
    if not isinstance(new, dict):
        raise _fail(path, "[new] must be a table")
    install = _strings(path, "verify.install", verify.get("install", []))
    contexts = _contexts(path, verify)
    services = _services(path, verify)
    from .services import provided

    return Declaration(
        install=check_arguments(f"{path}: verify.install", install),
        steps=[
            step
            for number, raw in enumerate(steps)
            for step in _steps(Path(project), path, number, raw, contexts, provided(services))
        ],
        env=env,
        next_commands=_strings(path, "new.next", new.get("next", [])),
        services=services,
    )
