"""Slow: the Level 2 project for real. `verify` replays ci.yml and cd.yml's staging job; then the whole
loop, offline: a better model promoted, a worse one rejected, rollback, retraining on drift, serving."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from mlops_level.scaffold import verify

pytestmark = pytest.mark.slow

# Run with the project's own Python; prints the registry's state (through MLflow's API) as JSON.
SCENARIO = r'''
import json, sys
from sklearn.dummy import DummyClassifier
from PKG import config, evaluate, ingest, registry, validation
from PKG.features import build_features
from PKG.raw_model import RawModel

settings = config.load()
client = registry.client(settings)


def register_dummy(threshold):
    """A deliberately poor model through the real gate: one most-frequent-class guess for every row."""
    raw = validation.validate(ingest.load_raw(settings))
    holdout = validation.validate(ingest.load_holdout(settings))
    model = RawModel(DummyClassifier(strategy="most_frequent").fit(build_features(raw), raw["target"]))
    metrics = evaluate.evaluate(model, holdout)
    champion = registry.load_champion(settings)
    best = evaluate.correct(champion.model, holdout) if champion else None
    decision = registry.decide(evaluate.correct(model, holdout), best, threshold, settings.min_improvement,
                               settings.seed)
    shift = validation.shift_report(raw, holdout, settings.shift_p_value)
    lineage = {"data_version": ingest.file_md5(settings.raw_file), "holdout_version": "dummy"}
    registry.record(settings, model, raw, metrics, decision, champion, lineage, shift)


def state():
    model = client.get_registered_model(settings.model_name)
    versions = client.search_model_versions(f"name = '{settings.model_name}'")
    return {
        "aliases": {alias: str(version) for alias, version in model.aliases.items()},
        "decisions": {str(v.version): v.tags.get("decision") for v in versions},
    }


def serve():
    import pandas as pd
    from fastapi.testclient import TestClient
    from PKG.features import RAW_COLUMNS
    from PKG.serve import app

    rows = pd.read_csv(settings.holdout_file).head(5)
    with TestClient(app) as http:
        health = http.get("/health").json()
        answer = http.post("/predict", json={"rows": rows[RAW_COLUMNS].to_dict(orient="records")}).json()
    champion = registry.load_champion(settings)
    expected = champion.model.predict(rows[RAW_COLUMNS])["label"].tolist()
    return {"health": health, "version": answer["version"],
             "labels_match_champion": [p["label"] for p in answer["predictions"]] == expected}


def http():
    """`make serve` for real: uvicorn on 127.0.0.1:8000 in the test's own network namespace."""
    import os, signal, subprocess, time, urllib.error, urllib.request

    server = subprocess.Popen(["make", "serve"], start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(240):
            try:
                with urllib.request.urlopen("http://127.0.0.1:8000/health", timeout=2) as answer:
                    return json.loads(answer.read())
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        raise SystemExit("make serve did not answer on http://127.0.0.1:8000/health")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)


command = sys.argv[1]
if command == "weak-champion":
    register_dummy(threshold=0.5)  # accuracy about 0.63: champion only under a lowered bar
elif command == "worse":
    register_dummy(threshold=settings.accuracy_threshold)
result = {"serve": serve, "http": http}.get(command, state)()
print("STATE " + json.dumps(result))
'''


def offline(command: list[str]) -> list[str]:
    """`command` in a network namespace with only loopback: nothing may reach the network."""
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        pytest.fail("proving offline runs needs root, unshare and ip (util-linux, iproute2)")
    return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "offline", *command]


@pytest.fixture(scope="module")
def verified(tmp_path_factory, env_cache):
    from mlops_level.scaffold import render

    project = render({"level": 2}, tmp_path_factory.mktemp("level2"))
    report = verify(project, env_cache=env_cache)
    assert report.passed, report.summary()
    return project, report


def test_verify_replays_ci_and_cd_staging(verified):
    project, report = verified
    statuses = {step.name: step.status for step in report.steps}
    assert statuses["cd.yml > staging > make deploy ENV=staging"] == "passed"
    assert statuses['cd.yml > staging > make evaluate >> "$GITHUB_STEP_SUMMARY"'] == "passed"
    assert statuses["ci.yml > image > make images"] == "skipped"
    summary = (project / ".replay-step-summary.md").read_text(encoding="utf-8")
    assert (
        "**Decision: candidate.**" in summary
    )  # CD's evaluation of the staging candidate: staged, not served
    assert "Staged as `@candidate`" in summary
    assert "MLOps maturity: Level 2" in summary  # the maturity report CI writes into the job summary


def test_promote_reject_rollback_retrain_on_drift_and_serve(verified, tmp_path):
    project, report = verified
    python = str(report.environment / "bin" / "python")
    script = tmp_path / "scenario.py"
    script.write_text(SCENARIO.replace("PKG", "breast_cancer_classifier"))
    env = {
        **os.environ,
        "VIRTUAL_ENV": str(report.environment),
        "PATH": f"{report.environment / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "MLOPS_ENV": "staging",  # staging's gate: threshold 0.92, margin 0.005
        "REQUIRE_CLEAN_TREE": "false",  # the generated folder has no commit; staging would refuse to register
        "DATA_DIR": str(tmp_path / "data"),
        "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "MLFLOW_ARTIFACT_LOCATION": (tmp_path / "mlartifacts").as_uri(),
        "PREFECT_HOME": str(project / ".prefect"),  # the project-local Prefect home, migrated by the replay
    }

    def run(*command: str, expect: int = 0) -> str:
        done = subprocess.run(offline(list(command)), cwd=project, env=env, capture_output=True, text=True)
        output = done.stdout[-3000:] + done.stderr[-3000:]
        assert done.returncode == expect, f"{command}: exit {done.returncode}\n{output}"
        return done.stdout

    def state(command: str = "state") -> dict:
        lines = run(python, str(script), command).splitlines()
        return json.loads(next(line for line in lines if line.startswith("STATE ")).removeprefix("STATE "))

    run(python, "-m", "breast_cancer_classifier", "ingest")
    assert state("weak-champion")["aliases"] == {"candidate": "1"}  # staging's gate stages, never promotes
    assert "champion is now version 1" in run("make", "promote", "ENV=prod")  # the approved production job
    assert state()["aliases"] == {"champion": "1"}

    run("make", "candidate")  # the real pipeline in staging: clearly better than the weak champion
    assert state()["aliases"] == {"champion": "1", "candidate": "2"}  # serving still has version 1
    run("make", "promote", "ENV=prod")
    assert state()["aliases"] == {"champion": "2", "previous-champion": "1"}
    run("make", "promote", "ENV=prod", expect=2)  # nothing staged any more: make says 2

    assert state("worse") == {
        "aliases": {"champion": "2", "previous-champion": "1", "challenger": "3"},
        "decisions": {"1": "promoted", "2": "promoted", "3": "rejected"},
    }
    assert "**Decision: rejected.**" in run("make", "evaluate", expect=2)  # make says 2: CD stops here

    run("make", "rollback")
    assert state()["aliases"] == {"champion": "1", "challenger": "3", "rolled-back": "2"}

    # drift: the prediction log (artifact store) is far from the training data, and new labelled data arrived
    subprocess.run(
        [
            python,
            "-c",
            "import pandas as pd, sys; from breast_cancer_classifier import config, prediction_log; "
            "from breast_cancer_classifier.features import RAW_COLUMNS; "
            "store = prediction_log.ArtifactStore(config.load()); "
            "store.write((pd.read_csv(sys.argv[1])[RAW_COLUMNS] * 1.5).assign(model_version='1')); "
            "store.close()",
            str(tmp_path / "data" / "holdout" / "holdout.csv"),
        ],
        cwd=project,
        env=env,
        check=True,
    )
    run(python, "-m", "breast_cancer_classifier", "simulate-batch", "--seed", "7")
    report_text = run("make", "monitor")
    assert "**Drift detected**" in report_text and "running the training pipeline" in report_text
    assert state()["aliases"]["candidate"] == "4"  # retrained in staging: staged, not served yet
    run("make", "promote", "ENV=prod")
    after_drift = state()
    assert after_drift["aliases"]["champion"] == "4" and after_drift["aliases"]["previous-champion"] == "1"

    served = state("serve")
    assert served["health"] == {"status": "ok", "model": "breast-cancer-classifier", "version": "4"}
    assert served["version"] == "4" and served["labels_match_champion"]
    assert state("http") == served["health"]  # the real server, `make serve`, answers the same


def test_assess_rates_the_project_exactly_level_2(verified):
    project, _ = verified
    command = ["mlops-level", "assess", str(project), "--format", "json"]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    failing = [c["id"] for c in result["checks"] if c["required"] and c["status"] != "pass"]
    assert result["level"] == 2, f"rated {result['level']}; required checks not passing: {failing}"
