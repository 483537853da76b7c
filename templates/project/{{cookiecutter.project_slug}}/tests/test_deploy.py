"""`make deploy ENV=...`: the deployment and its schedule are registered and read back from a Prefect server."""

from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate

from {{ cookiecutter.package_name }} import deploy

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("MLOPS_ENV", "dev")  # deploy() switches it; monkeypatch restores it afterwards


def test_staging_deployment_is_registered_with_its_schedule_and_pool(prefect_server, project):
    deployed = deploy.deploy("staging")
    assert (deployed.name, deployed.cron, deployed.work_pool, deployed.tags) == (
        "training-staging", "0 4 * * *", "staging-process", ["staging"])
    again = deploy.deploy("staging")  # idempotent: the same deployment is updated
    assert again.deployment_id == deployed.deployment_id
    with get_client(sync_client=True) as client:
        assert client.read_work_pool("staging-process").type == "process"
        stored = client.read_deployment_by_name("training-pipeline/training-staging")
    assert [schedule.schedule.cron for schedule in stored.schedules] == ["0 4 * * *"]


def test_each_environment_gets_its_own_deployment(prefect_server, project):
    dev, staging = deploy.deploy("dev"), deploy.deploy("staging")
    assert (dev.name, dev.work_pool, dev.cron) == ("training-dev", "dev-process", "0 */6 * * *")
    assert dev.deployment_id != staging.deployment_id


def test_production_needs_its_kubernetes_pool(prefect_server, project):
    with pytest.raises(RuntimeError, match="prefect work-pool create kubernetes-prod --type kubernetes"):
        deploy.deploy("prod")
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name="kubernetes-prod", type="process"))
    with pytest.raises(RuntimeError, match="is of type 'process', configs expect 'kubernetes'"):
        deploy.deploy("prod")


def test_unknown_environment_is_refused(project, capsys):
    with pytest.raises(SystemExit):
        deploy.main(["qa"])
    assert "invalid choice: 'qa'" in capsys.readouterr().err
