"""Services verify shares with every step: declared in .mlops-level.toml, passed on by the replay."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mlops_level.errors import UserError
from mlops_level.scaffold import declaration, services
from mlops_level.scaffold.replay import SERVICE_SHOWN, expand

PREFECT = services.provided(["prefect"])


def write(tmp_path: Path, jobs: dict, env: dict | None = None) -> Path:
    (tmp_path / "wf.yml").write_text(yaml.safe_dump({"on": "push", "env": env or {}, "jobs": jobs}))
    return tmp_path


def test_a_provided_variable_is_left_to_verify_and_shown_as_such(tmp_path):
    jobs = {"a": {"env": {"PREFECT_API_URL": "${{ vars.PREFECT_API_URL }}"}, "steps": [{"run": "make x"}]}}
    (step,) = expand(write(tmp_path, jobs), "wf.yml", provided=PREFECT)
    assert not any(argument.startswith("PREFECT_API_URL=") for argument in step.run)
    assert f"PREFECT_API_URL={SERVICE_SHOWN}" in step.command


def test_a_declared_value_wins_over_the_service(tmp_path):
    jobs = {"a": {"env": {"PREFECT_API_URL": "${{ vars.PREFECT_API_URL }}"}, "steps": [{"run": "make x"}]}}
    contexts = {"vars": {"PREFECT_API_URL": "http://127.0.0.1:4200/api"}}
    (step,) = expand(write(tmp_path, jobs), "wf.yml", contexts=contexts, provided=PREFECT)
    assert "PREFECT_API_URL=http://127.0.0.1:4200/api" in step.run


def test_a_step_env_left_to_the_service_drops_the_workflow_value(tmp_path):
    jobs = {"a": {"env": {"PREFECT_API_URL": "${{ vars.PREFECT_API_URL }}"}, "steps": [{"run": "make x"}]}}
    (step,) = expand(write(tmp_path, jobs, env={"PREFECT_API_URL": "x"}), "wf.yml", provided=PREFECT)
    assert "PREFECT_API_URL=x" not in step.run


@pytest.mark.parametrize(
    "jobs",
    [
        {"a": {"env": {"OTHER": "${{ vars.PREFECT_API_URL }}"}, "steps": [{"run": "make x"}]}},
        {"a": {"steps": [{"run": "echo ${{ vars.PREFECT_API_URL }}"}]}},
        {
            "a": {
                "env": {"PREFECT_API_URL": "${{ vars.PREFECT_API_URL }}"},
                "steps": [{"run": "echo ${{ env.PREFECT_API_URL }}"}],
            }
        },
    ],
)
def test_a_provided_variable_cannot_be_substituted_elsewhere(tmp_path, jobs):
    with pytest.raises(UserError, match="set by a service of verify at run time"):
        expand(write(tmp_path, jobs), "wf.yml", provided=PREFECT)


def test_without_the_service_the_variable_needs_a_local_value(tmp_path):
    jobs = {"a": {"env": {"PREFECT_API_URL": "${{ vars.PREFECT_API_URL }}"}, "steps": [{"run": "make x"}]}}
    with pytest.raises(UserError, match=r"declare PREFECT_API_URL in \[verify.replay.vars\]"):
        expand(write(tmp_path, jobs), "wf.yml")


def test_unknown_services_are_user_errors(tmp_path):
    (tmp_path / ".mlops-level.toml").write_text(
        '[verify]\nservices = ["prefect", "kafka"]\n[[verify.steps]]\nname = "x"\nrun = ["true"]\n'
    )
    with pytest.raises(UserError, match="verify.services knows prefect, not kafka"):
        declaration.load(tmp_path)


def test_levels_1_and_2_declare_the_shared_prefect_server(baked):
    assert declaration.load(baked(1)).services == ["prefect"]
    assert declaration.load(baked(2)).services == ["prefect"]
    assert declaration.load(baked(0)).services == []


def test_the_server_command_serves_only_the_api_on_loopback(tmp_path):
    command = services.prefect_command(tmp_path / "bin", 4321)
    assert command[1:] == ["server", "start", "--host", "127.0.0.1", "--port", "4321", "--no-services"]
    assert services.prefect_variables(4321) == {
        "PREFECT_API_URL": "http://127.0.0.1:4321/api",
        "TEST_PREFECT_API_URL": "http://127.0.0.1:4321/api",
    }
