"""The Level 2 project: its exact files, its workflows (linted, shaped for replay), and the replay planner."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mlops_level.errors import UserError
from mlops_level.scaffold import declaration, services
from mlops_level.scaffold.replay import SKIPPED_COMMANDS, expand

LEVEL2_FILES = {
    ".cruft.json",
    ".dockerignore",
    ".dvc/.gitignore",
    ".dvc/config",
    ".dvcignore",
    ".github/dependabot.yml",
    ".github/mlops-level-requirements.txt",
    ".github/pull_request_template.md",
    ".github/workflows/cd.yml",
    ".github/workflows/ci.yml",
    ".github/workflows/ct.yml",
    ".github/workflows/monitor.yml",
    ".gitignore",
    ".mlops-level.toml",
    ".pre-commit-config.yaml",
    "Dockerfile",
    "Dockerfile.serve",
    "MODEL_CARD.md",
    "Makefile",
    "README.md",
    "configs/dev.yaml",
    "configs/prod.yaml",
    "configs/staging.yaml",
    "notebooks/01-exploration.ipynb",
    "prefect.yaml",
    "pyproject.toml",
    "requirements.lock",
    "requirements-runtime.lock",
    "scripts/check_registry.py",
    *(
        f"src/breast_cancer_classifier/{module}.py"
        for module in (
            "__init__",
            "__main__",
            "card",
            "champion_watch",
            "config",
            "data",
            "deploy",
            "evaluate",
            "evidence",
            "features",
            "ingest",
            "logs",
            "model",
            "monitoring",
            "pipeline",
            "prediction_log",
            "promotion",
            "raw_model",
            "registry",
            "rollback",
            "score",
            "serve",
            "train",
            "validation",
        )
    ),
    "tests/conftest.py",
    "tests/data/test_training_data.py",
    "tests/level2_helpers.py",
    "tests/ml/test_training.py",
    *(
        f"tests/test_{name}.py"
        for name in (
            "champion_watch",
            "configs",
            "deploy",
            "evaluate",
            "features",
            "gate",
            "ingest",
            "lineage",
            "logs",
            "monitoring",
            "pipeline",
            "promotion",
            "registry_errors",
            "rollback",
            "serve",
            "settings",
            "skew",
            "validation",
        )
    ),
}
LEVEL2_ONLY = {
    ".github/workflows",
    ".github/dependabot.yml",
    "configs",
    "prefect.yaml",
    "Dockerfile.serve",
    "tests/data",
    "tests/ml",
}
WORKFLOWS = ("ci.yml", "cd.yml", "ct.yml", "monitor.yml")


def workflow(project: Path, name: str) -> dict:
    return yaml.safe_load((project / ".github" / "workflows" / name).read_text(encoding="utf-8"))


def tool(name: str) -> str:
    """A console script of this repo's test extra: next to the running Python, else on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    assert found, f"{name} is not installed (pip install -e '.[test]')"
    return found


def test_exact_file_set(baked, file_set):
    assert file_set(baked(2)) == LEVEL2_FILES


def test_level1_has_none_of_the_level2_files(baked):
    project = baked(1)
    assert not [path for path in LEVEL2_ONLY if (project / path).exists()]
    assert not list((project / "src").glob("*/serve.py"))


@pytest.mark.parametrize("name", WORKFLOWS)
def test_actionlint_passes(baked, name):
    path = baked(2) / ".github" / "workflows" / name
    done = subprocess.run([tool("actionlint"), "-no-color", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_github_workflow_schema_passes(baked):
    paths = [str(baked(2) / ".github" / "workflows" / name) for name in WORKFLOWS]
    command = [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *paths]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_dependabot_config_matches_its_schema(baked):
    path = baked(2) / ".github" / "dependabot.yml"
    command = [tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot", str(path)]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("name", WORKFLOWS)
def test_workflows_follow_the_house_rules(baked, name):
    text = (baked(2) / ".github" / "workflows" / name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert data["permissions"] == {"contents": "read"}
    uses = {use.split("@")[0] for use in re.findall(r"uses: (\S+)", text)}  # SHA pins: test_hygiene.py
    assert uses <= {"actions/checkout", "actions/setup-python"}, uses
    versions = re.findall(r"python-version: (.+)", text)
    assert versions == ['"3.11"'] * len(re.findall("setup-python", text))  # quoted: 3.10 would read as 3.1
    for job_id, job in data["jobs"].items():
        assert isinstance(job["timeout-minutes"], int), job_id
        for step in job["steps"]:
            # one task-runner command per step, so CI, a shell and the replay share one vocabulary
            run = step.get("run", "make x")
            assert "\n" not in run.strip() and (run.startswith("make ") or "mlops-level" in run), run


def test_triggers_and_environments(baked):
    project = baked(2)
    ci, cd, ct, monitor = (workflow(project, name) for name in WORKFLOWS)
    on = True  # PyYAML reads the `on:` key as the boolean True
    assert set(ci[on]) == {"pull_request", "push"}
    assert cd[on]["push"] == {"branches": ["main"]}
    assert cd["jobs"]["staging"]["environment"] == "staging"
    assert cd["jobs"]["production"]["environment"] == "production"
    assert cd["jobs"]["production"]["needs"] == "staging"
    assert {"schedule", "workflow_dispatch", "push"} <= set(ct[on])
    assert ct[on]["push"]["paths"] == ["data/**.dvc", "dvc.lock"]
    assert "schedule" in monitor[on]
    commands = [step["run"] for step in monitor["jobs"]["drift"]["steps"] if "run" in step]
    assert 'make monitor >> "$GITHUB_STEP_SUMMARY"' in commands
    summary = [step["run"] for step in ci["jobs"]["maturity"]["steps"] if "run" in step]
    assert 'mlops-level assess --format markdown >> "$GITHUB_STEP_SUMMARY"' in summary


def test_every_make_target_the_workflows_use_exists(baked):
    project = baked(2)
    targets = set(re.findall(r"^([a-z][\w-]*):", (project / "Makefile").read_text(encoding="utf-8"), re.M))
    used = set()
    for name in WORKFLOWS:
        for job in workflow(project, name)["jobs"].values():
            runs = [step.get("run", "") for step in job["steps"]]
            used |= {run.split()[1] for run in runs if run.startswith("make ")}
    assert used and used <= targets, used - targets


def test_verify_replays_ci_and_the_staging_job_of_cd(baked):
    steps = declaration.load(baked(2)).steps
    replayed = [step.name.split(" > ")[-1] for step in steps if " > " in step.name and not step.skip]
    assert replayed == [
        "make init",
        "make lint",
        "make typecheck",
        "make unit-test",
        "make data-test",
        "make ml-test",
        "make e2e",
        "make package",
        'mlops-level assess --format markdown >> "$GITHUB_STEP_SUMMARY"',
        "make check-stores",
        "make init",
        "make deploy ENV=staging",
        "make candidate",
        'make evaluate >> "$GITHUB_STEP_SUMMARY"',
    ]
    skipped = {step.name.split(" > ")[-1]: step.skip for step in steps if step.skip}
    actions = {name for name in skipped if name.startswith("actions/")}
    assert {name.split("@")[0] for name in actions} == {"actions/checkout", "actions/setup-python"}
    assert set(skipped) - actions == set(SKIPPED_COMMANDS) - {"make image-serve"}
    assert not any("production" in step.name or "make deploy ENV=prod" in step.name for step in steps)


def test_replayed_steps_carry_the_workflow_env(baked):
    project = baked(2)
    from mlops_level.scaffold.declaration import tomllib

    contexts = tomllib.loads((project / ".mlops-level.toml").read_text())["verify"]["replay"]
    provided = services.provided(["prefect"])  # the declared service sets PREFECT_API_URL at run time
    steps = expand(project, ".github/workflows/cd.yml", ["staging"], contexts=contexts, provided=provided)
    deploy = next(step for step in steps if "deploy" in step.name)
    assert deploy.run[0] == "env" and "MLOPS_ENV=staging" in deploy.run and "CI=true" in deploy.run
    assert not any(argument.startswith("PREFECT_API_URL=") for argument in deploy.run)  # inherited
    assert f"GITHUB_STEP_SUMMARY={project / '.replay-step-summary.md'}" in deploy.run
    bash = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]
    assert deploy.run[-7:] == [*bash, "make deploy ENV=staging"]
    assert deploy.timeout == 30 * 60  # the job's timeout-minutes


def write(tmp_path: Path, jobs: dict, env: dict | None = None) -> Path:
    (tmp_path / "wf.yml").write_text(yaml.safe_dump({"on": "push", "env": env or {}, "jobs": jobs}))
    return tmp_path


def test_replay_orders_jobs_by_needs_and_runs_in_working_directory(tmp_path):
    project = write(
        tmp_path,
        {
            "b": {"needs": "a", "steps": [{"run": "echo b", "working-directory": "sub"}]},
            "a": {"env": {"X": 1, "Y": True}, "steps": [{"run": "echo a", "env": {"Z": "z"}}]},
        },
        env={"W": "w"},
    )
    a, b = expand(project, "wf.yml")
    assert a.name == "wf.yml > a > echo a" and b.name == "wf.yml > b > echo b"
    assert {"W=w", "X=1", "Y=true", "Z=z"} <= set(a.run)
    assert b.run[:3] == ["env", "-C", "sub"]


@pytest.mark.parametrize(
    ("jobs", "message"),
    [
        ({"a": {"steps": [{"run": "echo", "if": "always()"}]}}, "`if:` conditions"),
        ({"a": {"steps": [{"uses": "actions/cache@v4"}]}}, "cannot be replayed"),
        ({"a": {"steps": [{"run": "echo ${{ github.sha }}"}]}}, "expression"),
        ({"a": {"env": {"T": "${{ secrets.T }}"}, "steps": [{"run": "echo"}]}}, "expression"),
        ({"a": {"steps": [{"run": "echo", "shell": "pwsh"}]}}, "only bash"),
        ({"a": {"steps": []}}, "has no steps"),
        (
            {"a": {"needs": "b", "steps": [{"run": "x"}]}, "b": {"needs": "a", "steps": [{"run": "y"}]}},
            "cycle",
        ),
    ],
)
def test_replay_refuses_what_it_cannot_honour(tmp_path, jobs, message):
    with pytest.raises(UserError, match=message):
        expand(write(tmp_path, jobs), "wf.yml")


def test_replay_refuses_unknown_or_unselected_jobs(tmp_path):
    project = write(tmp_path, {"a": {"steps": [{"run": "x"}]}, "b": {"needs": "a", "steps": [{"run": "y"}]}})
    with pytest.raises(UserError, match="no job named 'c'"):
        expand(project, "wf.yml", ["c"])
    with pytest.raises(UserError, match="needs 'a', which is not replayed"):
        expand(project, "wf.yml", ["b"])
    with pytest.raises(UserError, match="not a GitHub Actions workflow"):
        (tmp_path / "empty.yml").write_text("name: nothing\n")
        expand(project, "empty.yml")


def test_pull_request_template_is_the_checklist(baked):
    from mlops_level.assess.review.checklist import checklist_markdown

    text = (baked(2) / ".github" / "pull_request_template.md").read_text(encoding="utf-8")
    assert text.endswith(checklist_markdown(2, heading="##"))
    assert "- [ ] **ML501**" in text


def test_assess_rates_the_level2_project_exactly_level2(baked):
    from mlops_level.assess import assess_directory

    report = assess_directory(baked(2))
    assert report.rating.level == 2, [(c.spec.id, c.status.value) for c in report.checks]


def test_gate_and_promotion_jobs_share_one_registry_concurrency_group(baked):
    project = baked(2)
    cd, ct, monitor = (workflow(project, name) for name in ("cd.yml", "ct.yml", "monitor.yml"))
    jobs = [cd["jobs"]["staging"], cd["jobs"]["production"], ct["jobs"]["retrain"], monitor["jobs"]["drift"]]
    assert all(job["concurrency"] == {"group": "model-registry", "cancel-in-progress": False} for job in jobs)


def test_only_the_approved_production_job_moves_the_champion(baked):
    project = baked(2)
    cd = workflow(project, "cd.yml")
    runs = {
        job: [step.get("run", "") for step in cd["jobs"][job]["steps"]] for job in ("staging", "production")
    }
    assert "make promote" in runs["production"] and cd["jobs"]["production"]["environment"] == "production"
    assert not any("promote" in run or "rollback" in run for run in runs["staging"])
    for name in ("ct.yml", "monitor.yml"):
        steps = [
            step.get("run", "") for job in workflow(project, name)["jobs"].values() for step in job["steps"]
        ]
        assert not any("promote" in run for run in steps), name
    configs = {
        env: yaml.safe_load((project / "configs" / f"{env}.yaml").read_text()) for env in ("staging", "prod")
    }
    assert {env: data["promotion"] for env, data in configs.items()} == {
        "staging": "candidate",
        "prod": "candidate",
    }


def test_ct_and_monitoring_run_without_the_approval_environment(baked):
    project = baked(2)
    for name, job in (("ct.yml", "retrain"), ("monitor.yml", "drift")):
        assert "environment" not in workflow(project, name)["jobs"][job], name
    environments = {job: data.get("environment") for job, data in workflow(project, "cd.yml")["jobs"].items()}
    assert environments == {"staging": "staging", "production": "production"}


def test_ci_installs_the_recorded_mlops_level_never_the_bare_name(baked):
    from mlops_level.scaffold.source import running

    project = baked(2)
    runs = [step.get("run", "") for step in workflow(project, "ci.yml")["jobs"]["maturity"]["steps"]]
    assert "python -m pip install -r .github/mlops-level-requirements.txt" in runs
    assert not any(run.strip() == "python -m pip install mlops-level" for run in runs)
    lines = (project / ".github" / "mlops-level-requirements.txt").read_text().splitlines()
    requirements = [line for line in lines if line and not line.startswith("#")]
    source = running()
    if source.requirement:
        assert requirements == [source.requirement]
    else:  # generated from a local checkout (as in this test run): nothing from an index by name
        assert requirements == ["--no-index", f"mlops-level=={__import__('mlops_level').__version__}"]
    answers = json.loads((project / ".cruft.json").read_text())["context"]["cookiecutter"]
    assert answers["_mlops_level_source"] == source.description


def test_replay_substitutes_declared_vars_secrets_inputs_and_env(tmp_path):
    jobs = {
        "a": {
            "env": {"URI": "${{ vars.URI }}", "TOKEN": "${{ secrets.TOKEN }}"},
            "steps": [{"run": "make x ${{ inputs.WHAT }} ${{ env.URI }} ${{ env.UNSET }}"}],
        }
    }
    contexts = {
        "vars": {"URI": "sqlite:///.verify/x.db"},
        "secrets": {"TOKEN": "s3cret"},
        "inputs": {"WHAT": "y"},
    }
    (step,) = expand(write(tmp_path, jobs), "wf.yml", contexts=contexts)
    assert "URI=sqlite:///.verify/x.db" in step.run and "TOKEN=s3cret" in step.run
    assert step.run[-1] == "make x y sqlite:///.verify/x.db "  # env.UNSET is empty, as on GitHub
    assert "TOKEN=***" in step.command and "s3cret" not in step.command  # secrets are never shown
    with pytest.raises(UserError, match=r"declare URI in \[verify.replay.vars\]"):
        expand(write(tmp_path, jobs), "wf.yml", contexts={"secrets": {"TOKEN": ""}, "inputs": {"WHAT": ""}})


def test_the_level2_declaration_maps_every_expression_the_replayed_jobs_use(baked):
    project = baked(2)
    text = (project / ".mlops-level.toml").read_text()
    assert "[verify.replay.vars]" in text and "[verify.replay.secrets]" in text
    steps = declaration.load(project).steps  # would raise on an expression without a local value
    assert any(step.name.endswith("make check-stores") for step in steps)


def test_check_stores_fails_at_once_naming_the_missing_variable(baked):
    import os

    project = baked(2)
    env = {
        key: value for key, value in os.environ.items() if key not in ("MLFLOW_TRACKING_URI", "DVC_REMOTE")
    }
    env |= {
        "MLOPS_ENV": "staging",
        "MLFLOW_ARTIFACT_LOCATION": "s3://bucket/artifacts",
        "MLFLOW_TRACKING_URI": "",
    }
    done = subprocess.run(
        ["make", "-s", "check-stores"], cwd=project, env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    (line,) = done.stderr.strip().splitlines()[:1]
    assert line.startswith("error: MLFLOW_TRACKING_URI is not set: MLOPS_ENV=staging would keep its state")
    env |= {"MLFLOW_TRACKING_URI": "https://mlflow.example", "DVC_REMOTE": "s3://bucket/data"}
    done = subprocess.run(
        ["make", "-s", "check-stores"], cwd=project, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "DVC_REMOTE=s3://bucket/data" in done.stdout


def check_stores(project: Path, **variables: str) -> subprocess.CompletedProcess:
    import os

    stores = (
        "MLFLOW_TRACKING_URI",
        "MLFLOW_ARTIFACT_LOCATION",
        "DVC_REMOTE",
        "PREFECT_API_URL",
        "GITHUB_ACTIONS",
    )
    env = {key: value for key, value in os.environ.items() if key not in stores}
    env |= {
        "MLOPS_ENV": "staging",
        "MLFLOW_TRACKING_URI": "https://mlflow.example",
        "MLFLOW_ARTIFACT_LOCATION": "mlflow-artifacts:/models",
        "DVC_REMOTE": "s3://bucket/data",
        **variables,
    }
    return subprocess.run(
        ["make", "-s", "check-stores"], cwd=project, env=env, capture_output=True, text=True
    )


def test_check_stores_on_a_github_runner_requires_the_prefect_server(baked):
    project = baked(2)
    done = check_stores(project, GITHUB_ACTIONS="true", PREFECT_API_URL="")
    assert done.returncode != 0
    assert done.stderr.startswith(
        "error: PREFECT_API_URL is not set: the deployment and its schedule would go to"
    )
    done = check_stores(project, GITHUB_ACTIONS="true", PREFECT_API_URL="https://prefect.example/api")
    assert done.returncode == 0, done.stderr
    assert "PREFECT_API_URL=https://prefect.example/api" in done.stdout
    done = check_stores(project)  # a laptop or verify's replay: the project-local Prefect database lasts
    assert done.returncode == 0 and "note: PREFECT_API_URL is not set" in done.stdout


def test_only_the_production_job_may_push_packages_with_the_repository_token(baked):
    project = baked(2)
    for name in WORKFLOWS:
        for job_id, job in workflow(project, name)["jobs"].items():
            expected = (
                {"contents": "read", "packages": "write"}
                if (name, job_id) == ("cd.yml", "production")
                else None
            )
            assert job.get("permissions") == expected, (name, job_id)
    steps = workflow(project, "cd.yml")["jobs"]["production"]["steps"]
    runs = [step.get("run") for step in steps]
    assert runs.index("make publish-serve") > runs.index("make promote")
    publish = steps[runs.index("make publish-serve")]
    assert publish["env"] == {"REGISTRY_TOKEN": "${{ secrets.GITHUB_TOKEN }}"}  # on that step only


def test_publish_serve_refuses_to_run_without_the_runner_and_token(baked):
    import os

    project = baked(2)
    env = {
        k: v for k, v in os.environ.items() if k not in ("GITHUB_REPOSITORY", "GITHUB_SHA", "REGISTRY_TOKEN")
    }
    done = subprocess.run(
        ["make", "-s", "publish-serve"], cwd=project, env=env, capture_output=True, text=True
    )
    assert done.returncode != 0 and done.stderr.startswith(
        "error: GITHUB_REPOSITORY and GITHUB_SHA are not set"
    )
    env |= {"GITHUB_REPOSITORY": "Team/Repo", "GITHUB_SHA": "0" * 40}
    done = subprocess.run(
        ["make", "-s", "publish-serve"], cwd=project, env=env, capture_output=True, text=True
    )
    assert done.returncode != 0 and done.stderr.startswith("error: REGISTRY_TOKEN is not set")
    env["REGISTRY_TOKEN"] = "token"
    plan = subprocess.run(
        ["make", "-n", "publish-serve"], cwd=project, env=env, capture_output=True, text=True
    )
    assert 'repository="ghcr.io/$(echo "$GITHUB_REPOSITORY" | tr' in plan.stdout  # GHCR names are lower case
    assert '"$repository:$GITHUB_SHA"' in plan.stdout and '"$repository:model-$version"' in plan.stdout


def test_ci_pulls_the_tracked_data_from_the_shared_remote(baked):
    env = workflow(baked(2), "ci.yml")["jobs"]["test"]["env"]
    assert env["DVC_REMOTE"] == "${{ vars.DVC_REMOTE }}"
