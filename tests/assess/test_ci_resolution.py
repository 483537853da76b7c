"""CI steps are judged by what they execute once followed: local reusable workflows, composite actions,
Makefile targets, tox sessions, Cloud Build configs handed over by CI, GitLab local includes, console
scripts; print-only and image-only steps do not deploy; steps calling missing scripts do not count."""

from __future__ import annotations

from pathlib import Path

from mlops_level.assess.detect import cicd
from mlops_level.assess.facts.repository import collect


def repo(tmp_path: Path, files: dict[str, str]):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return collect(tmp_path)


def ci_tested(facts) -> list[str]:
    steps, _ = cicd.test_steps(facts)
    return sorted({s.pipeline.path for s in steps})


def test_reusable_workflow_and_composite_action_are_followed(tmp_path):
    facts = repo(
        tmp_path,
        {
            ".github/workflows/ci.yml": "on: pull_request\njobs:\n"
            "  unit:\n    uses: ./.github/workflows/unit.yml\n"
            "  lint:\n    runs-on: x\n    steps:\n      - uses: ./.github/actions/check\n",
            ".github/workflows/unit.yml": "on: workflow_call\njobs:\n  t:\n    steps:\n"
            "      - run: echo hi\n",
            ".github/actions/check/action.yml": "runs:\n  using: composite\n  steps:\n    - run: make check\n"
            "      shell: bash\n",
            "Makefile": "check:\n\tpython -m pytest tests\n",
        },
    )
    assert ci_tested(facts) == [".github/workflows/ci.yml"]


def test_tox_sessions_and_gitlab_local_includes(tmp_path):
    facts = repo(
        tmp_path,
        {
            ".gitlab-ci.yml": "include:\n  - local: ci/test.yml\nstages: [test]\n",
            "ci/test.yml": "unit:\n  stage: test\n  script:\n    - tox -e py311\n",
            "tox.ini": "[testenv]\ncommands =\n    pytest tests\n",
        },
    )
    assert ci_tested(facts) == [".gitlab-ci.yml"]


def test_cloud_build_submitted_by_ci_is_followed(tmp_path):
    facts = repo(
        tmp_path,
        {
            ".github/workflows/ci.yml": "on: [push]\njobs:\n  build:\n    steps:\n"
            "      - run: gcloud builds submit --config ci/build.yaml .\n",
            "ci/build.yaml": "steps:\n  - name: python\n    entrypoint: python\n    args: ['-m', 'pytest']\n",
        },
    )
    assert ci_tested(facts) == [".github/workflows/ci.yml"]


def test_a_step_calling_a_missing_script_does_not_count(tmp_path):
    facts = repo(
        tmp_path,
        {
            ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    steps:\n"
            "      - run: bash ci/run_tests.sh && pytest\n"
        },
    )
    steps, doubts = cicd.test_steps(facts)
    assert steps == []
    assert doubts and "ci/run_tests.sh" in doubts[0]


def test_print_only_and_image_only_jobs_do_not_deploy(tmp_path):
    facts = repo(
        tmp_path,
        {
            ".github/workflows/cd.yml": "on: {push: {branches: [main]}}\njobs:\n  deploy:\n    steps:\n"
            '      - run: echo "kubectl apply -f k8s/"\n  image:\n    steps:\n'
            "      - run: docker build -t ghcr.io/o/r .\n      - run: docker push ghcr.io/o/r\n",
        },
    )
    steps, doubts = cicd.deploy_steps(facts)
    assert steps == []
    assert any("only builds and pushes an image" in d for d in doubts)


def test_a_real_deploy_counts(tmp_path):
    facts = repo(
        tmp_path,
        {
            ".github/workflows/cd.yml": "on: {push: {branches: [main]}}\njobs:\n  deploy:\n    steps:\n"
            "      - run: helm upgrade --install churn charts/churn\n",
        },
    )
    steps, _ = cicd.deploy_steps(facts)
    assert [s.job.name for s in steps] == ["deploy"]


def test_manual_only_dispatch_is_not_ci(tmp_path):
    facts = repo(
        tmp_path,
        {".github/workflows/t.yml": "on: workflow_dispatch\njobs:\n  t:\n    steps:\n      - run: pytest\n"},
    )
    assert ci_tested(facts) == []
    assert cicd.why_no_ci(facts) == "CI that tests or trains runs only when started by hand"


def test_cloud_build_and_azure_pipelines_are_recognised_by_their_shape(tmp_path):
    from .conftest import init_repo

    files = {
        "build/pipeline-deployment.yaml": "steps:\n- name: gcr.io/cloud-builders/docker\n  args: [build, .]\n"
        "- name: python:3.11\n  entrypoint: python\n  args: [-m, pytest, tests]\n",
        "ci/checks.yml": "trigger: [main]\npool: {vmImage: ubuntu-latest}\n"
        "steps:\n- script: python -m pytest\n",
        "k8s/job.yaml": "apiVersion: batch/v1\nkind: Job\nsteps:\n- name: gcr.io/x\n  args: [a]\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    init_repo(tmp_path)
    providers = {p.path: p.provider for p in collect(tmp_path).pipelines}
    assert providers == {"build/pipeline-deployment.yaml": "Cloud Build", "ci/checks.yml": "Azure Pipelines"}
