"""Small fixture repositories, one per pattern the capability-based verdict must get right: the level and
the verdict facts that decide it (which capabilities are decisive or missing, their reasons and doubts).

The fixtures live in tests/fixtures/assess/verdict/<name>/ and are invented, minimal repositories.
"""

from __future__ import annotations

from mlops_level.assess import run


def _assess(fixture_repo, name: str, subfolder: str = ""):
    root = fixture_repo(f"verdict/{name}")
    report = run(root / subfolder if subfolder else root)
    assert not [w for w in report.warnings if "internal error" in w], report.warnings
    return report


def _decisive(report) -> set[str]:
    return {c.key for c in report.rating.verdict.decisive}


def _missing(report) -> set[str]:
    return {c.key for c in report.rating.verdict.missing}


def _capability(report, key: str):
    verdict = report.rating.verdict
    found = [c for c in verdict.decisive + verdict.missing if c.key == key]
    assert found, f"{key} is neither decisive nor missing"
    return found[0]


def _text(capability) -> str:
    return " | ".join([capability.reason, *capability.doubts])


def test_cloudbuild_config_in_a_subfolder_submits_a_kfp_v2_pipeline(fixture_repo):
    report = _assess(fixture_repo, "v2_cloudbuild_kfp_subfolder")
    assert report.rating.level == 2
    assert {"pipeline", "metadata", "ci", "cd"} <= _decisive(report)
    ci = _capability(report, "ci")
    assert ci.present and any("runs no tests" in d for d in ci.doubts)
    assert _capability(report, "cd").present


def test_ci_jobs_that_train_then_deploy_are_the_pipeline(fixture_repo):
    report = _assess(fixture_repo, "v1_ci_as_pipeline")
    assert report.rating.level == 1
    pipeline = _capability(report, "pipeline")
    assert pipeline.present
    assert "the only orchestrator is the CI system" in pipeline.doubts
    assert "the only orchestrator is the CI system" in report.rating.verdict.doubts
    assert "ci" in _missing(report)
    assert not _capability(report, "ci").present


def test_etl_only_kfp_pipeline_is_not_a_training_pipeline(fixture_repo):
    report = _assess(fixture_repo, "v0_etl_only_pipeline")
    assert report.rating.level == 0
    pipeline = _capability(report, "pipeline")
    assert not pipeline.present
    assert "none of its steps trains" in pipeline.reason


def test_databricks_job_in_terraform_applied_by_azure_pipelines(fixture_repo):
    report = _assess(fixture_repo, "v2_terraform_databricks_azure")
    assert report.rating.level == 2
    assert {"pipeline", "metadata", "ci", "cd", "trigger"} <= _decisive(report)
    assert "Terraform" in _capability(report, "pipeline").reason
    assert _capability(report, "ci").reason == "CI runs the tests"
    assert "pipeline" in _capability(report, "cd").reason


def test_bitbucket_step_runs_a_console_script_that_upserts_a_sagemaker_pipeline(fixture_repo):
    report = _assess(fixture_repo, "v2_bitbucket_console_script")
    assert report.rating.level == 2
    assert {"pipeline", "metadata", "ci", "cd"} <= _decisive(report)
    assert "SageMaker" in _capability(report, "pipeline").reason


def test_invalid_jenkinsfile_is_not_ci_and_says_so(fixture_repo):
    report = _assess(fixture_repo, "v1_invalid_jenkinsfile")
    assert report.rating.level == 1
    assert {"pipeline", "metadata"} <= _decisive(report)
    assert {"ci", "cd"} <= _missing(report)
    ci = _capability(report, "ci")
    assert not ci.present
    assert any("Jenkinsfile" in d for d in ci.doubts)


def test_pushing_an_image_is_not_cd(fixture_repo):
    report = _assess(fixture_repo, "v1_image_push_only")
    assert report.rating.level == 1
    assert "ci" not in _missing(report)  # CI that runs the tests is there; only CD is missing
    cd = _capability(report, "cd")
    assert "cd" in _missing(report) and not cd.present
    assert "only builds and pushes an image" in _text(cd)


def test_a_deploy_job_that_only_echoes_is_not_cd(fixture_repo):
    report = _assess(fixture_repo, "v1_echo_deploy")
    assert report.rating.level == 1
    assert "ci" not in _missing(report)  # CI that runs the tests is there; only CD is missing
    cd = _capability(report, "cd")
    assert "cd" in _missing(report) and not cd.present
    assert "only prints" in _text(cd)


def test_kedro_pipeline_trains_through_a_relative_import(fixture_repo):
    report = _assess(fixture_repo, "v1_kedro_relative_imports")
    assert report.rating.level == 1
    pipeline = _capability(report, "pipeline")
    assert pipeline.present and "Kedro" in pipeline.reason
    assert any(e.path.endswith("training/nodes.py") for e in pipeline.evidence)
    assert "data versioning" in _capability(report, "metadata").reason


def test_cdk_codepipeline_with_a_scheduled_rule(fixture_repo):
    report = _assess(fixture_repo, "v2_cdk_codepipeline")
    assert report.rating.level == 2
    assert {"pipeline", "metadata", "ci", "cd", "trigger"} <= _decisive(report)
    assert _capability(report, "trigger").present


def test_dvc_stage_scripts_train_without_the_word_train(fixture_repo):
    report = _assess(fixture_repo, "v2_dvc_stage_scripts")
    assert report.rating.level == 2
    pipeline = _capability(report, "pipeline")
    assert pipeline.present and "DVC" in pipeline.reason
    assert any(e.path == "src/model/building.py" for e in pipeline.evidence)
    assert {"ci", "cd"} <= _decisive(report)
    assert "tests run on push, not on pull requests" in _capability(report, "ci").doubts


def test_dbx_deployment_file_deployed_on_tags(fixture_repo):
    report = _assess(fixture_repo, "v2_dbx_deployment")
    assert report.rating.level == 2
    assert {"pipeline", "metadata", "ci", "cd"} <= _decisive(report)
    assert "dbx" in _capability(report, "pipeline").reason
    assert "runs the tests" in _capability(report, "ci").reason
    assert _capability(report, "cd").present
