"""ML1xx: versioning and reproducibility (dependencies, containers, data, model binaries, seeds)."""

from __future__ import annotations

import posixpath
import re

from mlops_level.assess.checks.registry import check
from mlops_level.assess.detect import match as m
from mlops_level.assess.detect import patterns as p
from mlops_level.assess.detect import pipelines as pl
from mlops_level.assess.detect import tracking as tr
from mlops_level.assess.facts.ignorespec import IgnoreSpec
from mlops_level.assess.facts.repository import Facts, role_of
from mlops_level.assess.model import Evidence, Finding, Status, Weight

_PIN = re.compile(r"^[A-Za-z0-9_.\-\[\], ]+\s*(===?)\s*[^\s;,*]+(\s*;.*)?$|--hash=|@\s*\S+#sha256=")
_UNPINNED_OK = re.compile(
    r"^(-e\s+\.|\.|-r\s|--requirement|-c\s|--constraint|--index-url|--extra-index-url|-i\s|"
    r"--find-links|-f\s|--trusted-host|--prefer-binary|--no-binary|--only-binary)"
)


def requirement_lines(text: str) -> list[str]:
    """The requirement lines of a requirements file (comments, options and `-e .` left out)."""
    lines = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].rstrip("\\").strip()
        if line and not line.startswith(("#", "--hash")) and not _UNPINNED_OK.match(line):
            lines.append(line)
    return lines


@check(
    "ML101",
    "dependencies-locked",
    "Dependencies are locked to exact versions",
    level="F",
    weight=Weight.REQUIRED,
    remediation=(
        "Commit a lock file (`uv lock`, `poetry lock`, `pip-compile`) or pin every requirement with `==`."
    ),
    url="https://docs.astral.sh/uv/concepts/projects/sync/",
)
def dependencies_locked(facts: Facts) -> Finding:
    """A lock file (uv.lock, poetry.lock, Pipfile.lock, pdm.lock, pixi.lock, conda-lock) or a requirements
    file whose every line is pinned with `==` or hashes. Unpinned declarations are partial."""
    names = "|".join(re.escape(n) for n in p.LOCKFILES)
    locks = [path for path in facts.paths_matching(rf"(^|/)({names})$") if role_of(path) == "prod"]
    if locks:
        return Finding(Status.PASS, f"lock file {m.where(locks)}", m.file_evidence(locks))
    pinned, unpinned = [], []
    for path, text in facts.texts.items():
        if re.search(r"(^|/)(requirements|constraints)[^/]*\.txt$", path) and role_of(path) == "prod":
            lines = requirement_lines(text)
            loose = [line for line in lines if not _PIN.search(line)]
            if lines and not loose:
                pinned.append(Evidence(path, None, f"{len(lines)} pinned requirement(s)"))
            elif lines:
                unpinned.append(Evidence(path, None, f"not pinned: {', '.join(loose[:3])}"[:120]))
    for path, docs in facts.yaml.items():
        if re.search(r"(^|/)environment\.ya?ml$", path) and docs and isinstance(docs[0], dict):
            deps = [d for d in docs[0].get("dependencies") or [] if isinstance(d, str)]
            (pinned if deps and all("=" in d for d in deps) else unpinned).append(
                Evidence(path, None, "conda env")
            )
    if pinned:
        return Finding(Status.PASS, f"fully pinned requirements in {m.where(e.path for e in pinned)}", pinned)
    declared = [
        Evidence(path, None, "[project.dependencies]")
        for path, doc in facts.toml.items()
        if path.endswith("pyproject.toml")
        and (
            doc.get("project", {}).get("dependencies")
            or doc.get("tool", {}).get("poetry", {}).get("dependencies")
        )
    ]
    declared += m.evidence(m.kwarg_calls(facts, p.DEPENDENCY_KWARGS, m.PROD))
    declared += [
        Evidence(path, None, "install_requires")
        for path, text in facts.texts.items()
        if path.endswith("setup.cfg") and "install_requires" in text
    ]
    if unpinned or declared:
        return Finding(Status.PARTIAL, "dependencies declared but not locked", (unpinned + declared)[:10])
    return Finding(Status.FAIL, "no dependency declaration or lock file")


_FROM = re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)", re.I | re.M)


@check(
    "ML102",
    "containerized-runtime",
    "Pipeline steps run in a pinned container image",
    level="1",
    weight=Weight.NORMAL,
    remediation=(
        "Add a Dockerfile for the training/serving image with `FROM` pinned to a version tag or digest."
    ),
    url="https://docs.docker.com/build/building/best-practices/",
)
def containerized(facts: Facts) -> Finding:
    """A Dockerfile/Containerfile whose base images are pinned (not `:latest`), or container images declared
    by the pipeline (KFP `base_image=`, BentoML `docker:`, MLproject `docker_env`). Unpinned bases are
    partial."""
    dockerfiles = {
        path: text
        for path, text in facts.texts.items()
        if re.search(r"(^|/)(Dockerfile|Containerfile)[^/]*$|\.[Dd]ockerfile$", path)
    }
    stages = {
        f.group(1).lower() for text in dockerfiles.values() for f in re.finditer(r"\bAS\s+(\S+)", text, re.I)
    }
    pinned, loose = [], []
    for path, text in sorted(dockerfiles.items()):
        for found in _FROM.finditer(text):
            image = found.group(1)
            line = text.count("\n", 0, found.start()) + 1
            if image.lower() in stages or image == "scratch" or "$" in image:
                continue
            tagged = "@sha256:" in image or (
                ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest")
            )
            (pinned if tagged else loose).append(Evidence(path, line, f"FROM {image}"))
    declared = m.kwarg_calls(facts, ("base_image",), m.PROD)
    for path, docs in facts.yaml.items():
        if (
            re.search(r"(^|/)bentofile\.ya?ml$", path)
            and docs
            and isinstance(docs[0], dict)
            and "docker" in docs[0]
        ):
            pinned.append(Evidence(path, None, "docker:"))
    if "MLproject" in " ".join(facts.texts) and any(
        "docker_env" in t for path, t in facts.texts.items() if path.endswith("MLproject")
    ):
        pinned.append(Evidence("MLproject", None, "docker_env"))
    if loose:
        return Finding(
            Status.PARTIAL, "container base image not pinned (untagged or :latest)", loose + pinned
        )
    if pinned or declared:
        return Finding(
            Status.PASS,
            f"container image(s): {m.where(e.path for e in pinned) or 'declared in code'}",
            pinned[:10] + m.evidence(declared),
        )
    devcontainer = facts.paths_matching(r"(^|/)\.devcontainer/", r"(^|/)environment\.ya?ml$")
    if devcontainer:
        return Finding(
            Status.PARTIAL, "only a dev container or conda environment", m.file_evidence(devcontainer)
        )
    return Finding(Status.FAIL, "no Dockerfile or container image")


@check(
    "ML103",
    "data-versioned",
    "Training data is versioned",
    level="1",
    weight=Weight.NORMAL,
    remediation=(
        "Version data with DVC (`dvc add data/` and `dvc remote add -d ...`), git-LFS, lakeFS, or log "
        "dataset versions to the tracker (`mlflow.log_input`, W&B artifacts)."
    ),
    url="https://dvc.org/doc/start/data-management/data-versioning",
)
def data_versioned(facts: Facts) -> Finding:
    """DVC (`.dvc` pointer files or `dvc.yaml` outputs with a remote in `.dvc/config`), git-LFS filters for
    data files, lakeFS, Delta time travel, or dataset artifacts logged to MLflow/W&B. Data files over 10 MB
    committed to plain git fail."""
    large = [
        Evidence(path, None, f"{size // 1048576} MB in plain git")
        for path, size in facts.files.items()
        if path.lower().endswith(p.DATA_SUFFIXES)
        and size > p.LARGE_DATA_BYTES
        and not _lfs(facts, path)
        and _tracked(facts, path)
    ]
    if large:
        return Finding(Status.FAIL, f"{len(large)} large data file(s) committed to git", large[:10])
    pointers = facts.paths_matching(r"\.dvc$", r"(^|/)dvc\.yaml$")
    config = facts.texts.get(".dvc/config", "")
    remote = re.search(r"^\s*\[\s*['\"]?remote ", config, re.M)
    if pointers and remote:
        return Finding(
            Status.PASS,
            f"DVC with a remote: {m.where(pointers)}",
            [Evidence(".dvc/config", None, "remote")] + m.file_evidence(pointers)[:10],
        )
    lfs = [
        Evidence(path, None, line.strip())
        for path, text in facts.texts.items()
        if path.endswith(".gitattributes")
        for line in text.splitlines()
        if "filter=lfs" in line and re.search(r"data|\.(csv|parquet|npz|h5)", line)
    ]
    if lfs:
        return Finding(Status.PASS, "data tracked with git-LFS", lfs[:10])
    hits = m.calls(facts, p.DATA_VERSION_CALLS) + m.imports(facts, ("lakefs", "lakefs_client", "lakefs_sdk"))
    if m.production(hits):
        return m.by_role(hits, "dataset versions recorded", missing="")
    runs_dvc = m.strings(facts, r"^dvc$|^dvc (add|push|commit)\b", m.PROD)
    runs_dvc += m.imports(facts, ("dvc.repo", "dvc.api"), m.PROD)
    if remote and runs_dvc:
        return Finding(
            Status.PASS,
            "DVC remote configured and the pipeline versions its data with DVC",
            [Evidence(".dvc/config", None, "remote")] + m.evidence(runs_dvc)[:5],
        )
    if pointers or remote:
        what = "DVC files but no DVC remote configured" if pointers else "a DVC remote but no data tracked"
        return Finding(Status.PARTIAL, what, m.file_evidence(pointers or [".dvc/config"])[:10])
    if hits:
        return m.by_role(hits, "dataset versions recorded", missing="")
    return Finding(Status.FAIL, "no data versioning (DVC, git-LFS, lakeFS, dataset artifacts)")


def _lfs(facts: Facts, path: str) -> bool:
    lines = [
        line.split()[0]
        for rel, text in facts.texts.items()
        if rel.endswith(".gitattributes")
        for line in text.splitlines()
        if "filter=lfs" in line and line.split()
    ]
    return bool(lines) and IgnoreSpec.from_lines(lines).match_file(path)


def _tracked(facts: Facts, path: str) -> bool:
    """Whether a file is committed (outside git or before the first commit: whether git would take it)."""
    git = facts.git
    if not git.is_repo or not git.has_commits or git.tracked is None or git.top is None:
        return True
    rel = posixpath.normpath(posixpath.join(facts.root.relative_to(git.top).as_posix(), path))
    return rel in git.tracked


@check(
    "ML104",
    "no-model-binaries-in-git",
    "No trained model binaries committed to git",
    level="F",
    weight=Weight.NORMAL,
    remediation=(
        "Remove model files from git (`git rm --cached`), ignore them, and store models in a registry or "
        "artifact store (or DVC/git-LFS)."
    ),
    url="https://mlflow.org/docs/latest/ml/model-registry/",
)
def no_model_binaries(facts: Facts) -> Finding:
    """Committed `*.pkl *.joblib *.h5 *.pt *.onnx *.safetensors ...` files that are not in git-LFS: the Level
    0 "hand over the pickle" smell."""
    binaries = sorted(
        (path, size) for path, size in facts.files.items() if path.lower().endswith(p.MODEL_BINARY_SUFFIXES)
    )  # filtered before sorting: most of a large repository is not a model
    found = [
        Evidence(path, None, f"{size / 1024:.0f} KB")
        for path, size in binaries
        if not path.startswith("../") and _tracked(facts, path) and not _lfs(facts, path)
    ]
    if found:
        return Finding(
            Status.FAIL,
            f"{len(found)} model binary file(s) committed: {m.where(e.path for e in found)}",
            found[: m.MAX_EVIDENCE],
        )
    return Finding(Status.PASS, "no model binaries committed")


@check(
    "ML105",
    "training-reproducible",
    "Training runs are reproducible (seeds and recorded inputs)",
    level="1",
    weight=Weight.NORMAL,
    remediation=(
        "Fix random seeds in the training path and record code, data and config versions per run "
        "(`dvc.lock`, or a tracker that stores the git commit and data version)."
    ),
    url=(
        "https://research.google/pubs/the-ml-test-score-a-rubric-for-ml-production-readiness-and-technical-debt-reduction/"  # noqa: E501
    ),
)
def reproducible(facts: Facts) -> Finding:
    """Seeds in production code (`random_state=`, `np.random.seed`, `torch.manual_seed`, `seed_everything`
    ...) and a record of the inputs of each run: a committed `dvc.lock` or an experiment tracker (MLflow,
    W&B ... record the git commit of each run; KFP, TFX, Vertex and SageMaker pipelines record lineage).
    One of the two is partial."""
    seeds = m.calls(facts, p.SEED_CALLS, m.PROD) + m.kwarg_calls(facts, p.SEED_KWARGS, m.PROD)
    locks = facts.paths_matching(r"(^|/)dvc\.lock$")
    trackers = [h for hits in m.by_tool(facts, p.TRACKING_CALLS, m.PROD).values() for h in hits]
    trackers += [
        h
        for tool, hits in pl.orchestrators(facts, m.PROD).items()
        if tool in tr.METADATA_ORCHESTRATORS
        for h in hits
    ]
    inputs = m.file_evidence(locks) + m.evidence(trackers)[:3]
    if seeds and inputs:
        return Finding(
            Status.PASS, "seeded training with recorded run inputs", m.evidence(seeds)[:5] + inputs
        )
    if seeds or inputs:
        what = (
            "seeds fixed but run inputs not recorded" if seeds else "run inputs recorded but no seeds fixed"
        )
        return Finding(Status.PARTIAL, what, m.evidence(seeds)[:5] + inputs)
    return Finding(Status.FAIL, "no seeds and no record of run inputs")
