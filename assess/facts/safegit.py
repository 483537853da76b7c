"""The one place that runs git on a scanned repository, hardened so that nothing from that repository runs.

A scanned repository is untrusted: its `.git/config` may name an fsmonitor command, filter drivers, textconv
or external diff commands, a pager, an editor, credential helpers or hooks, and may include other files; a
`.git` *file* (`gitdir: ...`), a `commondir` file or an `objects/info/alternates` entry may lead to another
repository on the machine, whose configuration and history would then be read instead. Every git process
started by `assess` goes through `run` (or `clone`) here, which:

- finds the repository itself (`discover`), in Python, and refuses one whose `.git` entry, `commondir` or
  alternates lead outside the folder holding the `.git` entry: no git facts are read from there;
- refuses a repository whose configuration includes other files (`include.path`, `includeIf`);
- runs plain `git` (not GitPython, whose calls inherit the whole environment) with a fixed environment:
  only PATH, HOME, locale-free messages, ssh-agent and proxy settings come from the user's environment;
  `GIT_DIR` and `GIT_WORK_TREE` are set explicitly (a `core.worktree` in the repository is overridden, and
  git's ownership check, which guards discovery, does not apply: nothing in the configuration runs any
  more); no system or global configuration, no terminal prompts, no optional index writes;
- overrides, in the command-line scope that beats the repository's own configuration, every setting that
  runs a program: `core.fsmonitor`, `core.hooksPath`, `core.pager`, `core.editor`, `core.askPass`,
  `core.sshCommand`, `core.gitProxy`, `credential.helper`, `diff.external`, the global excludes and
  attributes files, and for every filter, diff and merge driver the repository defines: its `clean`,
  `smudge`, `process`, `textconv`, `command` and `driver` (emptied, `required` false); `protocol.ext` is
  never allowed and only https, ssh and file transports are;
- kills the process group after a timeout, so that a pathological repository cannot hang the assessment.
"""

from __future__ import annotations

import functools
import os
import re
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TIMEOUT = 60.0  # seconds for one git command on a local repository
CLONE_TIMEOUT = 900.0
MIN_VERSION = (2, 31)  # GIT_CONFIG_COUNT: overrides without command-line quoting
MAX_GITFILE_BYTES = 4096

# The user's own environment variables that git may need (network clones, locale-free output aside).
_PASS_THROUGH = (
    "PATH",
    "HOME",
    "SYSTEMROOT",
    "TMPDIR",
    "SSH_AUTH_SOCK",
    "http_proxy",
    "https_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)
_OVERRIDES = {
    "core.fsmonitor": "false",
    "core.hooksPath": os.devnull,
    "core.pager": "cat",
    "core.editor": ":",
    "core.askPass": "",
    "core.sshCommand": "ssh",
    "core.gitProxy": "",
    "core.excludesFile": os.devnull,
    "core.attributesFile": os.devnull,
    "core.untrackedCache": "false",
    "credential.helper": "",
    "diff.external": "",
    "submodule.recurse": "false",
    "protocol.allow": "never",
    "protocol.https.allow": "always",
    "protocol.ssh.allow": "always",
    "protocol.file.allow": "always",
    "protocol.ext.allow": "never",
    "uploadpack.packObjectsHook": "",
    "gpg.program": "false",
    # git checks ownership only while discovering a repository, never with GIT_DIR set (as here); the
    # setting covers clones and versions that differ. Nothing in the repository's configuration runs.
    "safe.directory": "*",
}
_DRIVER_KEYS = {
    "filter": ("clean", "smudge", "process"),
    "diff": ("textconv", "command"),
    "merge": ("driver",),
}


class GitError(Exception):
    """A git command failed, timed out, or git cannot be used safely; the message is one line."""


class Refused(GitError):
    """The repository's git metadata is not read (it leads outside the scanned folder, or includes files)."""


@dataclass(frozen=True)
class Location:
    """A work tree and its git metadata, all inside `top`."""

    top: Path  # the work tree: the folder holding `.git`
    git_dir: Path  # resolved: `top/.git`, or where a gitfile inside `top` points
    common_dir: Path  # resolved: `git_dir`, or where its `commondir` file points (inside `top`)


@dataclass(frozen=True)
class Discovery:
    """What `discover` found: a work tree, a bare repository, a refused one, or nothing."""

    location: Location | None = None
    bare: Path | None = None
    refused: str | None = None  # why the git metadata is not read


def discover(start: Path) -> Discovery:
    """The repository holding `start` (searched upwards, as git does), checked to stay in its work tree."""
    start = Path(os.path.abspath(start))
    for folder in (start, *start.parents):
        dotgit = folder / ".git"
        if os.path.lexists(dotgit):
            found = _check_dotgit(folder, dotgit)
            if found is not None:
                return found
            continue  # a `.git` folder that is not a repository: git keeps searching upwards too
        if _looks_like_git_dir(folder):
            return Discovery(bare=folder)
    return Discovery()


def _check_dotgit(folder: Path, dotgit: Path) -> Discovery | None:
    try:
        top = folder.resolve(strict=True)
    except (OSError, RuntimeError):
        return Discovery(refused=f"{folder}: cannot be resolved")
    if dotgit.is_symlink() or dotgit.is_file():
        if dotgit.is_symlink():
            target = dotgit.resolve()
            shown = f"{dotgit} is a symlink to {target}"
        else:
            try:
                with open(dotgit, "rb") as handle:
                    data = handle.read(MAX_GITFILE_BYTES + 1)
            except OSError as exc:
                return Discovery(refused=f"cannot read {dotgit}: {exc.strerror or exc}")
            text = data.decode("utf-8", "replace")
            first = text.splitlines()[0] if text.strip() else ""
            if len(data) > MAX_GITFILE_BYTES or not first.startswith("gitdir: "):
                return Discovery(refused=f"{dotgit} is not a valid gitfile")
            pointed = first[len("gitdir: ") :].strip()
            target = Path(os.path.abspath(folder / pointed)).resolve()
            shown = f"{dotgit} points to {pointed}"
        if not _inside(target, top):
            return Discovery(
                refused=f"{shown}, outside the scanned folder (as in a git worktree or submodule); "
                "its configuration and history could be another repository's"
            )
        if not _looks_like_git_dir(target):
            return Discovery(refused=f"{shown}, which is not a git directory")
        git_dir = target
    elif dotgit.is_dir():
        if not _looks_like_git_dir(dotgit):
            return None
        git_dir = dotgit.resolve()
    else:
        return Discovery(refused=f"{dotgit} is neither a folder nor a gitfile")
    common_dir = git_dir
    commondir_file = git_dir / "commondir"
    if os.path.lexists(commondir_file):
        try:
            pointed = commondir_file.read_text(encoding="utf-8", errors="replace").strip()
        except OSError as exc:
            return Discovery(refused=f"cannot read {commondir_file}: {exc.strerror or exc}")
        common_dir = Path(os.path.abspath(git_dir / pointed)).resolve()
        if not _inside(common_dir, top):
            return Discovery(refused=f"{commondir_file} points to {pointed}, outside the scanned folder")
    problem = _alternates_problem(common_dir / "objects", top)
    if problem:
        return Discovery(refused=problem)
    return Discovery(location=Location(top=top, git_dir=git_dir, common_dir=common_dir))


def _alternates_problem(objects: Path, top: Path, depth: int = 0) -> str | None:
    """Why the object store borrows objects from outside `top` (alternates, followed as git does), or None."""
    alternates = objects / "info" / "alternates"
    if depth > 5 or not os.path.lexists(alternates):
        return None
    try:
        lines = alternates.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        return f"cannot read {alternates}: {exc.strerror or exc}"
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        borrowed = Path(os.path.abspath(objects / line)).resolve()
        if not _inside(borrowed, top):
            return f"{alternates} borrows objects from {line}, outside the scanned folder"
        problem = _alternates_problem(borrowed, top, depth + 1)
        if problem:
            return problem
    return None


def _inside(path: Path, top: Path) -> bool:
    return path == top or top in path.parents


def _looks_like_git_dir(path: Path) -> bool:
    """git's own test, roughly: a HEAD file and an objects folder (or a commondir file) and refs."""
    try:
        if not (path / "HEAD").is_file():
            return False
        return ((path / "objects").is_dir() or (path / "commondir").is_file()) and (
            (path / "refs").is_dir() or (path / "commondir").is_file()
        )
    except OSError:
        return False


# --- running git ------------------------------------------------------------------------------------------
@functools.cache
def git_version() -> tuple[int, ...]:
    """The installed git's version, or GitError when git is missing or too old to be run safely."""
    try:
        out = subprocess.run(
            ["git", "version"], capture_output=True, env=_base_env(), timeout=TIMEOUT, check=True
        ).stdout.decode("ascii", "replace")
    except (OSError, subprocess.SubprocessError) as exc:
        raise GitError(f"git is not available ({exc.__class__.__name__})") from None
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", out)
    version = tuple(int(x) for x in match.groups() if x is not None) if match else (0,)
    if version < MIN_VERSION:
        needed = ".".join(map(str, MIN_VERSION))
        raise GitError(
            f"git {out.strip()} is too old to read an untrusted repository safely (needs {needed})"
        )
    return version


def _base_env() -> dict[str, str]:
    env = {key: os.environ[key] for key in _PASS_THROUGH if key in os.environ}
    env.setdefault("PATH", os.defpath)
    env.update(
        {
            "LC_ALL": "C",
            "LANGUAGE": "C",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_SYSTEM": os.devnull,
            "GIT_ATTR_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ASKPASS": "",
            "SSH_ASKPASS": "",
            "GIT_PAGER": "cat",
            "PAGER": "cat",
            "GIT_EDITOR": ":",
            "GIT_OPTIONAL_LOCKS": "0",
            "GIT_NO_REPLACE_OBJECTS": "1",
            "GIT_PROTOCOL_FROM_USER": "0",
            "GIT_ALLOW_PROTOCOL": "https:ssh:file",
            "GIT_LFS_SKIP_SMUDGE": "1",
        }
    )
    return env


def environment(location: Location | None, drivers: Sequence[tuple[str, str]] = ()) -> dict[str, str]:
    """The complete environment of a hardened git process (`drivers`: (kind, name) to neutralise)."""
    env = _base_env()
    env["GIT_CONFIG_GLOBAL"] = os.devnull
    settings = list(_OVERRIDES.items())
    for kind, name in drivers:
        settings += [(f"{kind}.{name}.{key}", "") for key in _DRIVER_KEYS[kind]]
        if kind == "filter":
            settings.append((f"filter.{name}.required", "false"))
    env["GIT_CONFIG_COUNT"] = str(len(settings))
    for index, (key, value) in enumerate(settings):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    if location is not None:
        env["GIT_DIR"] = str(location.git_dir)
        env["GIT_WORK_TREE"] = str(location.top)
    return env


def _execute(args: Sequence[str], env: dict[str, str], cwd: Path, timeout: float, stdin: bytes | None):
    """Run git in its own process group; the whole group is killed on timeout or interruption."""
    with Running(args, env, cwd, timeout, piped_stdin=stdin is not None) as running:
        return running.result(stdin)


class Running:
    """A git process started in its own process group, still to be waited for (`result`). As a context
    manager it kills the whole group if it is left before `result` was read (an error elsewhere), so that
    processes started side by side never outlive the assessment."""

    def __init__(
        self, args: Sequence[str], env: dict[str, str], cwd: Path, timeout: float, piped_stdin: bool = False
    ) -> None:
        self.args = args
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.process: subprocess.Popen | None = subprocess.Popen(
            ["git", "--no-pager", *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE if piped_stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )

    def result(self, stdin: bytes | None = None) -> tuple[int, bytes, bytes]:
        """Exit status, standard output and standard error (GitError when the timeout passes)."""
        process = self.process
        assert process is not None, "result() is read once"
        self.process = None
        try:
            out, err = process.communicate(stdin, timeout=max(0.0, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _kill(process)
            raise GitError(
                f"git {self.args[0]} took longer than {self.timeout:.0f} s and was stopped"
            ) from None
        except BaseException:
            _kill(process)
            raise
        return process.returncode, out, err

    def __enter__(self) -> Running:
        return self

    def __exit__(self, *exc_info) -> None:
        if self.process is not None:
            _kill(self.process)
            self.process = None


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (OSError, AttributeError):
        process.kill()
    process.communicate()


class Repository:
    """A discovered repository that git commands can be run on, hardened (see the module docstring)."""

    def __init__(self, location: Location) -> None:
        git_version()
        self.location = location
        self._env = environment(location)
        names = self._config_names()
        includes = sorted(
            {n for n in names if n == "include.path" or re.fullmatch(r"includeif\..*\.path", n)}
        )
        if includes:
            raise Refused(
                f"the git configuration of {location.top} includes other files ({', '.join(includes)}); "
                "its git facts are not read"
            )
        drivers = sorted({(kind, name) for kind, name in map(_driver, names) if kind})
        self._env = environment(location, drivers)

    def _config_names(self) -> list[str]:
        code, out, err = _execute(
            ["config", "-z", "--name-only", "--list"], self._env, self.location.top, TIMEOUT, None
        )
        if code not in (0, 1):  # 1: no configuration at all
            raise GitError(f"git could not read the configuration: {first_line(err)}")
        return [name for name in out.decode("utf-8", "replace").split("\0") if name]

    def run(
        self, *args: str, cwd: Path | None = None, timeout: float = TIMEOUT, stdin: bytes | None = None
    ) -> bytes:
        """The standard output of `git ARGS`, or GitError (with git's first error line)."""
        code, out, err = self.run_status(*args, cwd=cwd, timeout=timeout, stdin=stdin)
        if code != 0:
            raise GitError(f"git {args[0]} failed: {first_line(err) or f'exit status {code}'}")
        return out

    def run_status(
        self, *args: str, cwd: Path | None = None, timeout: float = TIMEOUT, stdin: bytes | None = None
    ) -> tuple[int, bytes, bytes]:
        """Exit status, standard output and standard error of `git ARGS` (no exception on failure)."""
        return _execute(args, self._env, cwd or self.location.top, timeout, stdin)

    def start(self, *args: str, timeout: float = TIMEOUT) -> Running:
        """`git ARGS` started and left running, so that independent commands run side by side; read it with
        `result()` inside a `with` block (see `Running`)."""
        return Running(args, self._env, self.location.top, timeout)


def _driver(name: str) -> tuple[str | None, str]:
    """(kind, driver name) of a configuration key such as `filter.lfs.clean`, else (None, "")."""
    kind, _, rest = name.partition(".")
    driver, dot, _key = rest.rpartition(".")
    if kind in _DRIVER_KEYS and dot and driver:
        return kind, driver
    return None, ""


def clone(url: str, dest: Path, timeout: float = CLONE_TIMEOUT) -> None:
    """A shallow clone of `url` into `dest` (which must not exist), hardened as every other git call.

    No template (so no hooks), no submodules, no tags; only the https, ssh and file transports.
    """
    git_version()
    env = environment(None)
    args = ["clone", "--quiet", "--depth=1", "--single-branch", "--no-tags", "--no-recurse-submodules"]
    args += ["--template=", "--", url, str(dest)]
    code, _, err = _execute(args, env, dest.parent, timeout, None)
    if code != 0:
        lines = [line.strip() for line in err.decode("utf-8", "replace").splitlines()]
        fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
        raise GitError((fatal or [line for line in lines if line] or [f"git exited with {code}"])[0])


def init(dest: Path) -> Repository:
    """A new, empty repository of our own at `dest` (no template, so no hooks), for hardened commands."""
    git_version()
    code, _, err = _execute(
        ["init", "--quiet", "--template=", str(dest)], environment(None), dest.parent, TIMEOUT, None
    )
    if code != 0:
        raise GitError(f"git init failed: {first_line(err)}")
    dest = dest.resolve()
    return Repository(Location(top=dest, git_dir=dest / ".git", common_dir=dest / ".git"))


def first_line(err: bytes) -> str:
    lines = [line.strip() for line in err.decode("utf-8", "replace").splitlines() if line.strip()]
    fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
    return (fatal or lines or [""])[0]


_UNSAFE = re.compile(r"(?:^|/)(?:\.\.?|\.[Gg][Ii][Tt])?(?:/|$)")  # an empty, `.`, `..` or `.git` segment


def safe_path(rel: str) -> bool:
    """Whether a path from git (the index, a tree) has no empty, `.`, `..` or `.git` segment and is relative.
    A quick test first: each such segment is empty or starts with a dot."""
    if rel[:1] not in ("", ".", "/") and rel[-1:] != "/" and "/." not in rel and "//" not in rel:
        return True
    return _UNSAFE.search(rel) is None
