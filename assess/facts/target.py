"""Turn the user's PATH argument into a directory to assess: a local folder, or a git URL cloned shallowly.

Only https://, ssh://, git@host:path and file:// URLs are accepted; every other transport (ext::, fd::,
git://,
http://, local paths with `::`) is refused before git sees it, and clones run with protocol.allow=never except
for the accepted schemes (set through GIT_CONFIG_* variables), without hooks or submodules, so a crafted URL
or submodule cannot reach another transport.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

_SCP = re.compile(r"^[\w.\-]+@[\w.\-]+:(?!//)[\w.\-~/][^\s]*$")
_URLISH = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*(://|::)")


class TargetError(ValueError):
    """The target is not something assess can read; the message is shown to the user as is."""


def is_url(target: str) -> bool:
    return bool(_URLISH.match(target) or _SCP.match(target))


def check_url(url: str) -> str:
    """The URL if its transport is allowed, else TargetError."""
    if url.startswith(("https://", "ssh://", "file://")) or _SCP.match(url):
        if re.search(r"\s", url) or url.startswith("-"):
            raise TargetError(f"refusing git URL {url!r}: it contains spaces or starts with '-'")
        return url
    scheme = url.split("::")[0] + "::" if "::" in url.split("://")[0] else url.split("://")[0] + "://"
    raise TargetError(
        f"refusing git URL {url!r}: the {scheme} transport is not allowed "
        "(use https://, ssh://, git@host:path or file://)"
    )


@contextlib.contextmanager
def cloned(url: str) -> Iterator[Path]:
    """A shallow clone of `url` in a temporary directory, removed afterwards."""
    import git

    check_url(url)
    workdir = Path(tempfile.mkdtemp(prefix="mlops-level-"))
    settings = {
        "protocol.allow": "never",
        "protocol.https.allow": "always",
        "protocol.ssh.allow": "always",
        "protocol.file.allow": "always",
        "core.hooksPath": os.devnull,
        "submodule.recurse": "false",
    }
    env = {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_PROTOCOL_FROM_USER": "0",
        "GIT_ALLOW_PROTOCOL": "https:ssh:file",
        "GIT_CONFIG_COUNT": str(len(settings)),
    }
    for index, (key, value) in enumerate(settings.items()):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    try:
        try:
            git.Repo.clone_from(url, workdir / "repo", depth=1, single_branch=True, no_tags=True, env=env)
        except git.GitCommandError as exc:
            lines = [
                line.strip().removeprefix("stderr: ").strip(" '") for line in (exc.stderr or "").splitlines()
            ]
            fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
            message = (fatal or [line for line in lines if line] or [f"git exited with {exc.status}"])[0]
            raise TargetError(f"could not clone {url}: {message}") from None
        except (git.GitError, OSError) as exc:
            raise TargetError(f"could not clone {url}: {exc}") from None
        yield workdir / "repo"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def local_dir(target: str | Path) -> Path:
    """The directory to assess, or TargetError (missing, unreadable, a file, inside .git, empty)."""
    path = Path(target).expanduser()
    try:
        if not path.exists():
            raise TargetError(f"{target}: no such file or directory")
        if not path.is_dir():
            raise TargetError(f"{target}: not a directory (give the repository folder)")
        if ".git" in path.resolve().parts:
            raise TargetError(f"{target}: is inside a .git folder; give the work tree instead")
        next(path.iterdir())
    except StopIteration:
        raise TargetError(f"{target}: the directory is empty, nothing to assess") from None
    except OSError as exc:
        raise TargetError(f"{target}: cannot be read ({exc.strerror})") from None
    return path.resolve()
