"""Where the running mlops-level came from, as the one requirement a generated project's CI installs.

A generated CI must install exactly the mlops-level that generated the project, from where it came from: never
`pip install mlops-level` by a name this project has not claimed on the package index (anyone could
publish it). The source is read at generation time from the installation itself (PEP 610's
`direct_url.json`) and recorded in the project's `.cruft.json` and `.github/mlops-level-requirements.txt`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from mlops_level import __version__


@dataclass(frozen=True)
class Source:
    requirement: str  # "" when the source is not reachable from a CI runner (a local folder)
    description: str


def _direct_url() -> dict | None:
    try:
        text = metadata.distribution("mlops-level").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    try:
        data = json.loads(text) if text else None
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _from_site_packages() -> bool:
    return any(part in ("site-packages", "dist-packages") for part in Path(__file__).resolve().parts)


def _clean(text: str) -> str:
    return "".join(char for char in text if char.isprintable() and not char.isspace())


def running() -> Source:
    """The requirement that installs the running mlops-level again, or "" when a runner cannot reach its
    source."""
    info = _direct_url() or {}
    url = _clean(str(info.get("url", "")))
    public = url.startswith("https://")
    vcs, archive = info.get("vcs_info"), info.get("archive_info")
    if public and isinstance(vcs, dict) and vcs.get("vcs") == "git" and vcs.get("commit_id"):
        commit = _clean(str(vcs["commit_id"]))
        return Source(f"mlops-level @ git+{url}@{commit}", f"the git repository {url} at commit {commit}")
    if public and isinstance(archive, dict) and (archive.get("hash") or archive.get("hashes")):
        hashes = archive.get("hashes") or dict([str(archive["hash"]).split("=", 1)])
        algorithm = "sha256" if "sha256" in hashes else sorted(hashes)[0]
        digest = _clean(str(hashes[algorithm]))
        return Source(
            f"mlops-level @ {url}#{algorithm}={digest}", f"the archive {url} ({algorithm} {digest})"
        )
    if not info and _from_site_packages():
        return Source(
            f"mlops-level=={__version__}", f"the package index it was installed from, version {__version__}"
        )
    return Source("", "a local folder (a source checkout or a local wheel), which CI runners cannot reach")
