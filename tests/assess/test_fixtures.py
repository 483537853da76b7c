"""Every fixture repository: its level and the exact status of every check.

Statuses are written per family (ML0 ML1 ML2 ML3 ML4 ML5 ML6), one letter per check in ID order:
P pass, p partial, F fail, - n/a, I ignored.
"""

from __future__ import annotations

import pytest

from mlops_level.assess import CHECKS, Status, run

CODE = {
    Status.PASS: "P",
    Status.PARTIAL: "p",
    Status.FAIL: "F",
    Status.NOT_APPLICABLE: "-",
    Status.IGNORED: "I",
}

EXPECTED = {
    "l0_lint_only_ci": (0, "PPpFp pFFPF pFFF-F FFFF FFFFFF- pFFFFFFF F-FFF"),
    "l0_notebook_pipeline": (0, "PFFFP PFFPF pFpF-F pFFF PFpFFF- FFFFFFFF F-FFF"),
    "l0_notebooks": (0, "PFFFF pFFFF FFFF-F FFFF PFpFFF- FFFFFFFF P-FFF"),
    "l0_readme_mentions": (0, "PPpFP PFFPF pFFF-F FFFF FFFFFF- FFFFFFFF F-FFF"),
    "l0_web_app_not_ml": (0, "PFFFp PFFPF FFFFFF FFFF PFFFFpP PPFFFFFF PFFFF"),
    "l0_zenml_partial": (0, "PPpFp pFFPp PpFF-F FFFF FFFFFF- FFFFFFFF F-FFF"),
    "l1_airflow_wandb_gx": (1, "PPpPP PPFPP PPPFFF PpPF PPPFFpF FFFFPPFF PFFFF"),
    "l1_dvc_gitlab_schedule": (1, "PPFPP PFPPP PPPF-F PPPP PPPpFF- PFPFPFFF F-FFF"),
    "l1_metaflow_ignored": (1, "PPpPP PPPPp PpIF-F PPPF PPPFFF- FFFFIFFF F-FFF"),
    "l1_prefect_mlflow_dvc": (1, "PPPPP PPPPP PPPF-F PPPP PPPPFP- FFFFPFFF P-FFF"),
    "l1_trap_pickles_and_notebooks": (1, "PPPPP PPPFP PPPF-F PPPP PPPPFP- FFFFPFFF P-FFF"),
    "l2_gitlab_sagemaker": (2, "PPpPP PPFPP PPPPFp PPPP PPPFFPF PPPPPPPF PPPFF"),
    "l2_kfp_vertex": (2, "PPppP PPFPP PPPPFp PPPP PPPpFPF PPPPPPFF PPPFF"),
    "l2_prefect_full": (2, "PPPPP PPPPP PPPPPp PPPP PPPPFPP PPPPPPPP PPPFP"),
    "monorepo": (2, "PPPPP PPPPP PPPPPP PPPP PPPPFPP PPPPPPPF PPPFP"),
}
SUBFOLDER = {"monorepo": "services/ml"}


def _statuses(report) -> str:
    families: dict[str, str] = {}
    for result in report.checks:
        families[result.spec.id[:3]] = families.get(result.spec.id[:3], "") + CODE[result.status]
    return " ".join(families.values())


def test_fixture_corpus_covers_every_level():
    assert len(EXPECTED) >= 15
    assert {level for level, _ in EXPECTED.values()} == {0, 1, 2}
    assert all(len(statuses.replace(" ", "")) == len(CHECKS) for _, statuses in EXPECTED.values())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_level_and_every_status(fixture_repo, name):
    root = fixture_repo(name)
    report = run(root / SUBFOLDER.get(name, ""))
    level, statuses = EXPECTED[name]
    assert (report.rating.level, _statuses(report)) == (level, statuses)


def test_readme_and_requirements_mentions_are_not_evidence(fixture_repo):
    report = run(fixture_repo("l0_readme_mentions"))
    for check_id in ("ML201", "ML301", "ML303", "ML402"):
        assert report.result(check_id).status in (Status.FAIL, Status.PARTIAL), check_id
    assert report.result("ML301").evidence == []


def test_scheduled_lint_is_not_continuous_training(fixture_repo):
    report = run(fixture_repo("l0_lint_only_ci"))
    assert report.result("ML203").status is Status.FAIL
    assert "does not run training" in report.result("ML203").reason
    assert report.result("ML501").reason == "CI only lints"


def test_pickles_beside_a_pipeline_are_flagged_with_their_paths(fixture_repo):
    report = run(fixture_repo("l1_trap_pickles_and_notebooks"))
    assert [e.path for e in report.result("ML104").evidence] == [
        "artifacts/model.pkl",
        "artifacts/scaler.joblib",
    ]
    assert report.result("ML002").status is Status.PASS  # notebooks beside modular code do not demote it


def test_monorepo_subfolder_counts_ci_at_the_git_root(fixture_repo):
    report = run(fixture_repo("monorepo") / "services" / "ml")
    paths = {e.path for e in report.result("ML502").evidence}
    assert paths == {"../../.github/workflows/ml-ci.yml"}
    assert report.root.endswith("services/ml")


def test_ignored_checks_stay_visible_with_their_reason(fixture_repo):
    report = run(fixture_repo("l1_metaflow_ignored"))
    result = report.result("ML203")
    assert result.status is Status.IGNORED
    assert result.ignore_reason == "scheduled by Argo Workflows from the platform repository"
    assert result.reason == "no schedule or data trigger for training"
    assert result.score is None


def test_notebook_only_usage_is_capped_at_partial(fixture_repo):
    report = run(fixture_repo("l0_notebook_pipeline"))
    for check_id in ("ML201", "ML203", "ML301"):
        assert report.result(check_id).status is Status.PARTIAL, check_id
