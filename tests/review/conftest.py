"""A fixed, hand-built Report for the golden tests of the review renderers (no repository is read)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from mlops_level.assess.model import CheckResult, CheckSpec, Evidence, Rating, Report, Status, Weight

GOLDEN = Path(__file__).parent / "golden"
ROOT = Path(__file__).resolve().parents[2]


def spec(check_id: str, title: str, level: str, weight: Weight, family: str = "tests") -> CheckSpec:
    return CheckSpec(
        id=check_id,
        title=title,
        family=family,
        level=level,
        weight=weight,
        remediation=f"Do what {title.lower()} needs.",
        url=f"https://example.org/checks/{check_id}",
        description=f"The repository has {title.lower()}.",
        name=title.lower().replace(" ", "-"),
    )


SPECS = [
    spec("ML001", "Version control", "F", Weight.NORMAL, "code"),
    spec("ML104", "No model binaries in git", "F", Weight.NORMAL, "reproducibility"),
    spec("ML201", "Pipeline as code", "1", Weight.REQUIRED, "pipeline"),
    spec("ML203", "Continuous-training trigger", "1", Weight.REQUIRED, "pipeline"),
    spec("ML401", "Unit tests", "F", Weight.REQUIRED, "tests"),
    spec("ML505", "Model continuous delivery", "1", Weight.REQUIRED, "cicd"),
    spec("ML605", "Model card", "F", Weight.LOW, "docs"),
    spec("ML501", "CI runs the tests", "2", Weight.REQUIRED, "cicd"),
    spec("ML604", "Ops metrics", "2", Weight.LOW, "operations"),
]


def build_report(statuses: dict[str, Status] | None = None, level: int = 1) -> Report:
    """The sample report; `statuses` overrides the status of some checks (evidence and reasons stay)."""
    chosen = {
        "ML001": (Status.PASS, [Evidence(".git")], "git repository with 42 commits"),
        "ML104": (
            Status.FAIL,
            [
                Evidence("models/model.pkl", snippet="tracked binary, 12 MB"),
                Evidence("models/old model.joblib"),
            ],
            "2 model binaries are tracked by git",
        ),
        "ML201": (Status.PASS, [Evidence("src/pipeline.py", 14, '@flow(name="train")')], "Prefect flow"),
        "ML203": (
            Status.PARTIAL,
            [Evidence("src/deploy.py", 8, "flow.serve(name=`nightly`)")],
            "a deployment without a schedule",
        ),
        "ML401": (Status.PASS, [Evidence(f"tests/test_{n}.py") for n in range(7)], "7 test files"),
        "ML505": (Status.NOT_APPLICABLE, [], "batch-only project"),
        "ML605": (Status.IGNORED, [], "no model card"),
        "ML501": (Status.FAIL, [], "no CI configuration"),
        "ML604": (Status.FAIL, [], "no metrics exporter"),
    }
    checks = []
    for item in SPECS:
        status, evidence, reason = chosen[item.id]
        status = (statuses or {}).get(item.id, status)
        ignore_reason = "documented in docs/model.md" if status is Status.IGNORED else ""
        checks.append(
            CheckResult(
                spec=item, status=status, evidence=evidence, reason=reason, ignore_reason=ignore_reason
            )
        )
    rating = Rating(
        level=level,
        next_level=level + 1 if level < 2 else None,
        progress=25 if level == 1 else 70,
        blocking=["ML501"] if level == 1 else ["ML203"],
        tier_scores={"1": 0.83, "2": 0.25},
    )
    return Report(
        root="/repo",
        schema_version="1",
        tool_version="0.1.0",
        stack=["Prefect", "pytest"],
        checks=checks,
        rating=rating,
        repo={"git": True, "commit": "0" * 40},
        warnings=["shallow clone: the history length is a lower bound"],
    )


@pytest.fixture
def report() -> Report:
    return build_report()


def assert_golden(name: str, text: str) -> None:
    """Compare with tests/review/golden/NAME; UPDATE_GOLDEN=1 rewrites it instead (then review the diff)."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def source_copy(tmp_path_factory) -> Path:
    """This repository's files (tracked and untracked, not ignored; tests left out) committed in a fresh git
    repository: what a user's pre-commit or workflow fetches from GitHub."""
    from .gitrepo import commit, git

    copy = tmp_path_factory.mktemp("source") / "mlops-level"
    for rel in git(ROOT, "ls-files", "--cached", "--others", "--exclude-standard").splitlines():
        source = ROOT / rel
        if source.is_file() and not rel.startswith("tests/"):
            (copy / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / rel)
    commit(copy, {}, "mlops-level")
    return copy
