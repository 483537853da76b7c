"""Deploy the training pipeline to an environment's Prefect server, then read it back to prove it is there.

`make deploy ENV=staging` (`python -m <package>.deploy staging`) reads `configs/staging.yaml` through `MLOPS_ENV`,
registers the deployment `training-ENV` with that environment's cron schedule and work pool, and reads the
deployment and its schedule back through the Prefect client. Without `PREFECT_API_URL` the target is the
project-local Prefect database (`PREFECT_HOME`), which `make ui` serves; with it, any Prefect server. A worker
runs the deployment: `prefect worker start --pool <work_pool>`.
Like pipeline.py, this module is part of the orchestrator seam: only these two modules import Prefect.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.deployments.runner import EntrypointType
from prefect.exceptions import ObjectNotFound

from . import config
from .pipeline import training_pipeline

ENVIRONMENTS = ("dev", "staging", "prod")


@dataclasses.dataclass(frozen=True)
class Deployed:
    name: str
    deployment_id: str
    cron: str
    work_pool: str | None
    tags: list[str]


def deployment_name(env: str) -> str:
    return f"training-{env}"


def ensure_work_pool(name: str, pool_type: str) -> None:
    """Create a missing `process` work pool; other types (kubernetes) need their worker's package.

    Those the platform team creates once, with the command the error names.
    """
    with get_client(sync_client=True) as client:
        try:
            pool = client.read_work_pool(name)
        except ObjectNotFound:
            if pool_type != "process":
                raise RuntimeError(
                    f"work pool {name!r} does not exist on {client.api_url}: create it once with "
                    f"`prefect work-pool create {name} --type {pool_type}`"
                ) from None
            client.create_work_pool(WorkPoolCreate(name=name, type=pool_type))
            return
    if pool.type != pool_type:
        raise RuntimeError(f"work pool {name!r} is of type {pool.type!r}, configs expect {pool_type!r}")


def deploy(env: str) -> Deployed:
    """Register the pipeline's deployment for `env` and return what the server reports back."""
    if env not in ENVIRONMENTS:
        raise ValueError(f"unknown environment {env!r}; choose one of {', '.join(ENVIRONMENTS)}")
    os.environ["MLOPS_ENV"] = env
    settings = config.load()
    if settings.work_pool:
        ensure_work_pool(settings.work_pool, settings.work_pool_type)
    runner_deployment = training_pipeline.to_deployment(
        name=deployment_name(env),
        cron=settings.schedule_cron,
        work_pool_name=settings.work_pool or None,
        tags=[env],
        entrypoint_type=EntrypointType.MODULE_PATH,
        description=f"The training pipeline in {env}, on the cron schedule {settings.schedule_cron!r}.",
    )
    deployment_id = runner_deployment.apply()
    return read_back(str(deployment_id), settings.schedule_cron)


def read_back(deployment_id: str, expected_cron: str) -> Deployed:
    """Read the deployment through the Prefect client and check that its schedule is the configured one."""
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment(deployment_id)
    crons = [getattr(item.schedule, "cron", None) for item in deployment.schedules if item.active]
    if crons != [expected_cron]:
        raise RuntimeError(f"deployment {deployment.name} has schedules {crons}, expected [{expected_cron!r}]")
    return Deployed(deployment.name, deployment_id, crons[0], deployment.work_pool_name, list(deployment.tags))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {__name__}", description=__doc__.splitlines()[0])
    parser.add_argument("env", choices=ENVIRONMENTS, help="the environment whose configs/ENV.yaml to deploy")
    args = parser.parse_args(argv)
    try:
        deployed = deploy(args.env)
    except (RuntimeError, ValueError) as error:
        print(f"deploy: error: {error}", file=sys.stderr)
        return 1
    print(f"Deployed {deployed.name} (id {deployed.deployment_id}): cron {deployed.cron!r}, "
          f"work pool {deployed.work_pool or 'none (runs only where the flow is served)'}, tags {deployed.tags}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
