"""Did mlops-level generate this folder, here? The trust decision behind `mlops-level verify`.

`verify` runs the commands a folder declares in `.mlops-level.toml`: whoever wrote that file chooses what
runs. So it runs them without asking only for a folder that `mlops-level new` generated on this machine
and whose declared commands are unchanged since. `new` proves that with a signature recorded in
`.cruft.json`: an HMAC-SHA256, under a secret key kept in the user's configuration folder, of

- the folder's absolute path (a generated project copied or cloned elsewhere is no longer "generated here"),
- everything `verify` would run: the install arguments, the environment, and every step's name, command
  and timeout (replayed workflows expanded, so editing a workflow's `run:` counts as a change).

A forged, copied or edited `.cruft.json` cannot carry a valid signature without the key; the key never
leaves this machine (it is not in the project). Anything else needs the user's explicit confirmation.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from mlops_level.errors import UserError
from mlops_level.userfiles import read_text

from .declaration import Declaration

CONFIG_DIR_ENV = "MLOPS_LEVEL_CONFIG_DIR"
KEY_FILE = "provenance.key"
SIGNATURE = "_mlops_level_origin"  # the key in .cruft.json's context.cookiecutter
_SCHEME = "hmac-sha256-v1"
_PROJECT = "\0project\0"  # stands for the project's path inside commands


def config_dir() -> Path:
    """MLOPS_LEVEL_CONFIG_DIR, else $XDG_CONFIG_HOME/mlops-level, else ~/.config/mlops-level."""
    explicit = os.environ.get(CONFIG_DIR_ENV)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".config") / "mlops-level"


def key_path() -> Path:
    return config_dir() / KEY_FILE


def _read_key(path: Path) -> bytes | None:
    try:
        text = read_text(path, "signing key", limit=1024).strip()
        key = bytes.fromhex(text)
    except (UserError, ValueError):
        return None
    return key if len(key) >= 32 else None


def _key(create: bool) -> bytes | None:
    """The user's signing key; with `create`, made on first use (mode 0600). None when unavailable."""
    path = key_path()
    key = _read_key(path)
    if key is not None or not create:
        return key
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)  # another process made it meanwhile
    except OSError:
        return None  # a read-only home: projects are unsigned, so verify will ask before running them
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return _read_key(path)


def _message(project: Path, declared: Declaration, location: Path) -> bytes:
    """What is signed: where the project is, and what verify would run there (its path abstracted)."""
    root = str(Path(project).absolute())

    def located(value: str) -> str:
        return value.replace(root, _PROJECT)

    plan = {
        "project": str(Path(location).resolve()),
        "install": [located(argument) for argument in declared.install],
        "env": {name: located(value) for name, value in sorted(declared.env.items())},
        "steps": [
            [step.name, [located(argument) for argument in step.run], step.timeout, step.skip]
            for step in declared.steps
        ],
    }
    if declared.services:  # only when declared, so projects generated before services keep their signature
        plan["services"] = list(declared.services)
    return (_SCHEME + "\n" + json.dumps(plan, sort_keys=True, ensure_ascii=True)).encode()


def _signature(key: bytes, message: bytes) -> str:
    return f"{_SCHEME}:{hmac.new(key, message, hashlib.sha256).hexdigest()}"


def sign(project: Path, declared: Declaration, location: Path | None = None) -> str:
    """The signature of what `verify` would run in `project`, once it sits at `location`; "" without a key.

    `location` defaults to `project`; `new` passes the target, as it generates in a staging folder first.
    """
    key = _key(create=True)
    if key is None:
        return ""
    return _signature(key, _message(project, declared, project if location is None else location))


@dataclass(frozen=True)
class Origin:
    trusted: bool
    reason: str  # completes "<folder> ...", e.g. "has no .cruft.json"


def origin(project: Path, declared: Declaration) -> Origin:
    """Whether `project` is a folder mlops-level generated here with `declared` as its commands, and why."""
    from .generate import ANSWERS_FILE
    from .template import template_root

    path = Path(project) / ANSWERS_FILE
    if not path.is_file():
        return Origin(False, f"has no {ANSWERS_FILE}: mlops-level new did not generate it")
    try:
        record = json.loads(read_text(path, ANSWERS_FILE))
        context = record["context"]["cookiecutter"]
        signature = context.get(SIGNATURE, "")
    except (UserError, ValueError, RecursionError, KeyError, TypeError, AttributeError):
        return Origin(False, f"has an unreadable {ANSWERS_FILE}: mlops-level new did not write it")
    if not isinstance(signature, str) or not context.get("_mlops_level_version"):
        return Origin(False, f"has a {ANSWERS_FILE} that does not come from mlops-level's bundled template")
    if Path(str(record.get("template"))).parts[-2:] != template_root().parts[-2:]:
        return Origin(False, f"records another template ({record.get('template')!r}) in {ANSWERS_FILE}")
    if not signature:
        return Origin(False, f"has no signature in {ANSWERS_FILE} (generated by another mlops-level or user)")
    key = _key(create=False)
    if key is None:
        return Origin(False, f"was not generated here (no signing key at {key_path()})")
    expected = _signature(key, _message(project, declared, project))
    if not hmac.compare_digest(expected, signature):
        return Origin(
            False,
            "declares commands mlops-level new did not sign here (edited since, moved or copied from "
            "elsewhere, or generated by another user or machine)",
        )
    return Origin(True, "was generated by mlops-level new here and its commands are unchanged")
