"""Check the model registry's state through MLflow's API; `mlops-level verify` runs it after each pipeline run.

usage: python scripts/check_registry.py VERSIONS

Exits 1, saying why, unless the registered model has exactly VERSIONS versions, each logged by its own training run
on its own data version; the first version was promoted; `champion` is the latest promoted version and
`previous-champion` the one promoted before it; a newest version that was rejected is the `challenger`; and every
run's recorded decision matches its version's. Prints the registry's state as JSON when it passes.
"""

from __future__ import annotations

import json
import sys

from mlflow.tracking import MlflowClient

from {{ cookiecutter.package_name }} import config


def problems(expected_versions: int) -> tuple[list[str], dict[str, object]]:
    settings = config.load()
    client = MlflowClient(tracking_uri=settings.tracking_uri, registry_uri=settings.tracking_uri)
    experiment = client.get_experiment_by_name(settings.experiment_name)
    runs = client.search_runs([experiment.experiment_id], "tags.trained = 'true'") if experiment else []
    found_versions = client.search_model_versions(f"name = '{settings.model_name}'")
    versions = sorted((str(version.version) for version in found_versions), key=int)
    model = client.get_registered_model(settings.model_name) if versions else None
    aliases = {name: str(version) for name, version in model.aliases.items()} if model else {}
    decisions = {
        version: client.get_model_version(settings.model_name, version).tags.get("decision") for version in versions
    }
    state = {"model": settings.model_name, "aliases": aliases, "decisions": decisions, "training_runs": len(runs)}

    found = []
    if len(versions) != expected_versions:
        found.append(f"expected {expected_versions} model version(s), found {len(versions)}")
    if len(runs) != len(versions):
        found.append(f"{len(runs)} training run(s) for {len(versions)} model version(s)")
    data_versions = [run.data.tags.get("data_version") for run in runs]
    if None in data_versions or len(set(data_versions)) != len(data_versions):
        found.append(f"each training run needs its own data version, got {data_versions}")
    for run in runs:
        logged = run.data.tags.get("registered_version")
        if decisions.get(logged) != run.data.tags.get("decision"):
            found.append(f"run {run.info.run_id} decided {run.data.tags.get('decision')!r} but version "
                         f"{logged} is tagged {decisions.get(logged)!r}")
    promoted = [version for version, decision in decisions.items() if decision == "promoted"]
    if versions and decisions.get(versions[0]) != "promoted":
        found.append("the first version was not promoted")
    if promoted and aliases.get("champion") != promoted[-1]:
        found.append(f"champion is {aliases.get('champion')!r}, the latest promoted version is {promoted[-1]}")
    if len(promoted) > 1 and aliases.get("previous-champion") != promoted[-2]:
        found.append(f"previous-champion is {aliases.get('previous-champion')!r}, expected {promoted[-2]}")
    if versions and decisions.get(versions[-1]) == "rejected" and aliases.get("challenger") != versions[-1]:
        found.append(f"the rejected newest version {versions[-1]} is not the challenger")
    return found, state


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].isdigit():
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    found, state = problems(int(argv[0]))
    if found:
        print("registry check failed:\n  - " + "\n  - ".join(found), file=sys.stderr)
        print(json.dumps(state, indent=2), file=sys.stderr)
        return 1
    print(json.dumps(state, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
