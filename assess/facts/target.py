"""Turn the user's PATH argument into a directory to assess: a local folder, or a git URL cloned shallowly.

Only https://, ssh://, git@host:path and file:// URLs are accepted; every other transport (ext::, fd::,
git://, http://, local paths with `::`) is refused before git sees it, and the clone runs through
`safegit.clone` (no system or global configuration, no credential helpers or prompts, no hooks, templates or
submodules, protocol.allow=never except for the accepted schemes), so a crafted URL or submodule cannot reach
another transport. A clone lives in a temporary folder that is removed on every way out: normal return, an
error, Ctrl-C, and SIGTERM (a cancelled CI job), which is turned into an exception while the clone exists.

Credentials in a URL (`https://user:token@host/...`, `?private_token=...`) never reach a message, a warning
or a report: `redact_url` is applied wherever a URL is stored or shown, and `redact_text` to git's messages.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

_SCP = re.compile(r"^[\w.\-]+@[\w.\-]+:(?!//)[\w.\-~/][^\s]*$")
_URLISH = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*(://|::)")
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^/?#\s@]*)@")
_SECRET_QUERY = re.compile(r"(?P<key>[?&;][^=&#\s]*=)(?P<value>[^&#\s]*)")
REDACTED = "***"


class TargetError(ValueError):
    """The target is not something assess can read; the message is shown to the user as is."""


class Terminated(SystemExit):
    """SIGTERM arrived while a clone existed: raised so that the clone is removed; the exit status is 143."""

    def __init__(self) -> None:
        super().__init__(128 + signal.SIGTERM)


def redact_url(url: str) -> str:
    """`url` without credentials: the user-info part (`user:token@`) and query values become ***.

    An ssh URL keeps a plain user name (`ssh://git@host/...`); scp-like `git@host:path` has no secret."""
    url = str(url)
    if not _URLISH.match(url):
        return url

    def userinfo(match: re.Match) -> str:
        scheme, info = match["scheme"], match["userinfo"]
        if scheme.lower().startswith("ssh") and ":" not in info and info:
            return f"{scheme}{info}@"
        return f"{scheme}{REDACTED}@"

    head, hash_, fragment = url.partition("#")
    head = _USERINFO.sub(userinfo, head, count=1)
    if "?" in head:
        base, _, query = head.partition("?")
        head = base + _SECRET_QUERY.sub(lambda m: m["key"] + REDACTED, "?" + query)
    return head + hash_ + (REDACTED if fragment else "")


def redact_text(text: str) -> str:
    """Any text (a git message) with the credentials of every URL in it replaced by ***."""
    return _USERINFO.sub(lambda m: f"{m['scheme']}{REDACTED}@", str(text))


def is_url(target: str) -> bool:
    return bool(_URLISH.match(target) or _SCP.match(target))


def check_url(url: str) -> str:
    """The URL if its transport is allowed, else TargetError."""
    shown = redact_url(url)
    if url.startswith(("https://", "ssh://", "file://")) or _SCP.match(url):
        if re.search(r"\s", url) or url.startswith("-"):
            raise TargetError(f"refusing git URL {shown!r}: it contains spaces or starts with '-'")
        return url
    scheme = url.split("::")[0] + "::" if "::" in url.split("://")[0] else url.split("://")[0] + "://"
    raise TargetError(
        f"refusing git URL {shown!r}: the {redact_text(scheme)} transport is not allowed "
        "(use https://, ssh://, git@host:path or file://)"
    )


@contextlib.contextmanager
def cloned(url: str) -> Iterator[Path]:
    """A shallow clone of `url` in a temporary directory, removed afterwards (SIGTERM included)."""
    from mlops_level.assess.facts import safegit

    check_url(url)
    workdir: Path | None = None
    with _terminate_raises():
        try:
            import tempfile  # only for clones: not on the start-up path of a local assessment

            workdir = Path(tempfile.mkdtemp(prefix="mlops-level-"))
            try:
                safegit.clone(url, workdir / "repo")
            except safegit.GitError as exc:
                raise TargetError(f"could not clone {redact_url(url)}: {redact_text(str(exc))}") from None
            except OSError as exc:
                raise TargetError(f"could not clone {redact_url(url)}: {exc.strerror or exc}") from None
            yield workdir / "repo"
        finally:
            if workdir is not None:
                shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def _terminate_raises() -> Iterator[None]:
    """While inside, SIGTERM raises `Terminated` (`finally` blocks run), as Ctrl-C raises KeyboardInterrupt.

    Only the main thread can set a handler; elsewhere the signal keeps its disposition."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def local_dir(target: str | Path) -> Path:
    """The directory to assess, or TargetError (missing, unreadable, a file, inside .git, empty)."""
    path = Path(target).expanduser()
    target = redact_text(str(target))  # a mistyped URL is shown without its credentials
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
