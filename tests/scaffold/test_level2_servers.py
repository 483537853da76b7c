"""Slow: a Level 2 project's state outlives its runners. CI, CD staging, the approved production job and CT
each run in a fresh `git clone` (a fresh runner), step by step as `mlops-level verify` replays them, and
share only servers on loopback, inside one network namespace that has nothing but loopback:

- an MLflow tracking server (`mlflow server`, the project's MLflow version) that also serves the artifacts
  (`--serve-artifacts`): jobs get `MLFLOW_TRACKING_URI` and `MLFLOW_ARTIFACT_LOCATION=mlflow-artifacts:/...`
  and need no store credentials, as a GitHub runner would. An S3-compatible store (MinIO, moto) would add a
  server and packages the project does not use, for nothing this test asserts;
- a Prefect server, which staging and production require (`make check-stores` fails on a runner without one);
- a DVC remote outside every clone: a shared folder. DVC's local remote is the same content-addressed store,
  with the same push, pull and hash checks, as an S3 bucket; WebDAV or S3 would need extra server packages.

The Python environment is the one `verify` caches for Level 2 projects (built here only if missing); each
clone imports its own code (PYTHONPATH=src), as `make install -e .` would.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from mlops_level.scaffold import declaration, render
from mlops_level.scaffold.environment import READY_MARKER, Environment, env_key, find_uv
from mlops_level.scaffold.replay import expand
from mlops_level.scaffold.verification import _locked

pytestmark = pytest.mark.slow

PACKAGE, MODEL = "breast_cancer_classifier", "breast-cancer-classifier"
MLFLOW_PORT, PREFECT_PORT, SERVICE_PORT = 5000, 4200, 8000  # inside the test's own network namespace
DATA = ("data/raw/breast_cancer.csv", "data/holdout/holdout.csv")
NEEDS_DOCKER = {"make publish-serve": "builds and pushes the serving image: needs a Docker engine and GHCR"}
# CI steps that touch no shared state; tests/scaffold/test_level2_verify.py replays them all
NOT_REPLAYED_HERE = {"make unit-test", "make ml-test", "make package"}

# Run with the project's Python in a clone: a deliberately poor model through the real gate; the registry.
SCENARIO = r"""
import json, sys
from sklearn.dummy import DummyClassifier
from PKG import config, evaluate, ingest, registry, validation
from PKG.features import build_features
from PKG.raw_model import RawModel

settings = config.load()
client = registry.client(settings)
if sys.argv[1] == "dummy":
    raw = validation.validate(ingest.load_raw(settings))
    holdout = validation.validate(ingest.load_holdout(settings))
    model = RawModel(DummyClassifier(strategy="most_frequent").fit(build_features(raw), raw["target"]))
    metrics = evaluate.evaluate(model, holdout)
    champion = registry.load_champion(settings)
    decision = registry.decide(evaluate.correct(model, holdout),
                               evaluate.correct(champion.model, holdout) if champion else None,
                               settings.accuracy_threshold, settings.min_improvement, settings.seed)
    lineage = ingest.tracked_versions(settings)
    shift = validation.shift_report(raw, holdout, settings.shift_p_value)
    registry.record(settings, model, raw, metrics, decision, champion, lineage, shift)
registered = client.get_registered_model(settings.model_name)
versions = client.search_model_versions(f"name = '{settings.model_name}'")
print("STATE " + json.dumps({
    "aliases": {alias: str(version) for alias, version in registered.aliases.items()},
    "decisions": {str(v.version): v.tags.get("decision") for v in versions},
    "gated_against": {str(v.version): v.tags.get(registry.GATED_AGAINST) for v in versions},
    "artifacts": sorted({client.get_run(v.run_id).info.artifact_uri.split(":")[0] for v in versions}),
}))
""".replace("PKG", PACKAGE)

# Run inside the namespace: wait until URL answers (with VERSION in its JSON, if given); fail after TIMEOUT s.
WAIT = r"""
import json, sys, time, urllib.request
url, version, deadline = sys.argv[1], sys.argv[2], time.monotonic() + float(sys.argv[3])
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            if not version or json.loads(answer.read()).get("version") == version:
                sys.exit(0)
    except (OSError, ValueError):
        pass
    time.sleep(0.5)
sys.exit(f"{url} did not answer" + (f" with version {version}" if version else ""))
"""


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def tracked_md5(path: Path) -> str:
    text = path.with_name(path.name + ".dvc").read_text(encoding="utf-8")
    return next(
        line.split(":", 1)[1].strip() for line in text.splitlines() if line.strip().startswith("- md5:")
    )


class Namespace:
    """A network namespace with only loopback, held open by a sleeping process; commands run inside it."""

    def __init__(self) -> None:
        if os.geteuid() != 0 or not all(shutil.which(tool) for tool in ("unshare", "nsenter", "ip")):
            pytest.fail("proving offline runs needs root, unshare, nsenter and ip (util-linux, iproute2)")
        self.holder = subprocess.Popen(["unshare", "-n", "sleep", "infinity"])
        self.started: list[subprocess.Popen] = []
        for _ in range(100):  # the holder has entered its namespace once its net link differs from ours
            if os.readlink(f"/proc/{self.holder.pid}/ns/net") != os.readlink("/proc/self/ns/net"):
                break
            time.sleep(0.05)
        subprocess.run(self.command(["ip", "link", "set", "lo", "up"]), check=True)

    def command(self, command: list[str]) -> list[str]:
        return ["nsenter", "-t", str(self.holder.pid), "-n", *command]

    def run(self, command: list[str], cwd: Path, env: dict[str, str], timeout: float = 600):
        return subprocess.run(
            self.command(command), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
        )

    def start(self, command: list[str], cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
        with open(log, "wb") as output:
            process = subprocess.Popen(
                self.command(command),
                cwd=cwd,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append(process)
        return process

    def close(self) -> None:
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.holder.kill()
        self.holder.wait()


def cached_environment(project: Path, env_cache: Path, install: list[str], prefix: str = "") -> Environment:
    """An environment in `env_cache`, keyed as verify keys its own (verify's is reused); built if missing."""
    uv = find_uv()
    key = env_key(project, install, "uv" if uv else "pip")
    environment = Environment(env_cache / f"{prefix}{key}", uv)
    with _locked(environment.path.with_suffix(".lock")):
        if not environment.ready:
            shutil.rmtree(environment.path, ignore_errors=True)
            for command in (environment.create_command(), environment.install_command(install)):
                subprocess.run(command, cwd=project, env=dict(os.environ), check=True)
            (environment.path / READY_MARKER).write_text(" ".join(install) + "\n")
    return environment


def mlflow_server_install(project: Path) -> list[str]:
    """Full `mlflow` (the server) at the project's mlflow-skinny version, constrained by its lock."""
    lock = (project / "requirements.lock").read_text(encoding="utf-8")
    version = next(
        line.split("==")[1].split()[0] for line in lock.splitlines() if line.startswith("mlflow-skinny==")
    )
    return [f"mlflow=={version}", "-c", "requirements.lock"]


class Team:
    """The project's origin repository, the shared servers and DVC remote, and fresh clones (runners)."""

    def __init__(self, root: Path, env_cache: Path) -> None:
        self.root = root
        self.origin = render({"level": 2}, root / "origin")
        self.remote = root / "dvc-remote"  # outside every clone
        home = root / "home"  # no ~/.cache/<project>/dvc-remote to fall back on: a runner's empty home
        home.mkdir()
        inherited = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("MLFLOW_", "PREFECT_", "DVC_", "GITHUB_", "MLOPS_"))
            and key != "VIRTUAL_ENV"
        }
        self.base = inherited | {
            "HOME": str(home),
            "GIT_AUTHOR_NAME": "ci",
            "GIT_AUTHOR_EMAIL": "ci@example.invalid",
            "GIT_COMMITTER_NAME": "ci",
            "GIT_COMMITTER_EMAIL": "ci@example.invalid",
        }
        self.environment = cached_environment(self.origin, env_cache, declaration.load(self.origin).install)
        self.server_environment = cached_environment(
            self.origin, env_cache, mlflow_server_install(self.origin), prefix="mlflow-server-"
        )
        self.namespace = Namespace()
        self.tracking_uri = f"http://127.0.0.1:{MLFLOW_PORT}"
        self.contexts = {
            "vars": {
                "MLFLOW_TRACKING_URI": self.tracking_uri,
                "MLFLOW_ARTIFACT_LOCATION": f"mlflow-artifacts:/{MODEL}",
                "PREFECT_API_URL": f"http://127.0.0.1:{PREFECT_PORT}/api",
                "DVC_REMOTE": str(self.remote),
            },
            "secrets": {
                name: ""
                for name in (
                    "MLFLOW_TRACKING_TOKEN",
                    "AWS_ACCESS_KEY_ID",
                    "AWS_SECRET_ACCESS_KEY",
                    "GITHUB_TOKEN",
                )
            },
        }
        self.clones = 0

    def env(self, folder: Path, **extra: str) -> dict[str, str]:
        """A runner's environment: the cached Python, this folder's code, GitHub's runner variables."""
        env = self.environment.variables(self.base)
        env |= {"PYTHONPATH": str(folder / "src"), "GITHUB_ACTIONS": "true", "CI": "true"}
        return env | extra

    def start_servers(self) -> None:
        mlflow_dir, prefect_home = self.root / "mlflow-server", self.root / "prefect-server"
        mlflow_dir.mkdir()
        prefect_home.mkdir()
        self.namespace.start(
            [
                str(self.server_environment.bin_dir / "mlflow"),
                "server",
                "--host",
                "127.0.0.1",
                "--port",
                str(MLFLOW_PORT),
                "--workers",
                "1",
                "--serve-artifacts",
                "--backend-store-uri",
                f"sqlite:///{mlflow_dir / 'mlflow.db'}",
                "--artifacts-destination",
                str(mlflow_dir / "artifacts"),
            ],
            self.root,
            self.server_environment.variables(self.base),
            self.root / "mlflow-server.log",
        )
        self.namespace.start(
            [
                str(self.environment.bin_dir / "prefect"),
                "server",
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                str(PREFECT_PORT),
            ],
            self.root,
            self.env(self.root, PREFECT_HOME=str(prefect_home)),
            self.root / "prefect-server.log",
        )
        self.wait(f"{self.tracking_uri}/health", timeout=240, log="mlflow-server.log")
        self.wait(f"http://127.0.0.1:{PREFECT_PORT}/api/health", timeout=240, log="prefect-server.log")

    def wait(self, url: str, version: str = "", timeout: float = 60, log: str = "") -> None:
        done = self.namespace.run(
            [str(self.environment.python), "-c", WAIT, url, version, str(timeout)],
            self.root,
            self.env(self.root),
            timeout=timeout + 30,
        )
        tail = (self.root / log).read_text(errors="replace")[-3000:] if log else ""
        assert done.returncode == 0, done.stderr + tail

    def run(self, folder: Path, command: list[str], expect: int = 0, **extra: str) -> str:
        done = self.namespace.run(command, folder, self.env(folder, **extra))
        output = done.stdout[-4000:] + done.stderr[-4000:]
        assert done.returncode == expect, f"{command} in {folder.name}: exit {done.returncode}\n{output}"
        return done.stdout

    def commit(self, message: str) -> None:
        for command in (["git", "add", "-A"], ["git", "commit", "-q", "-m", message]):
            subprocess.run(command, cwd=self.origin, env=self.base, check=True)

    def clone(self, name: str) -> Path:
        self.clones += 1
        folder = self.root / f"{self.clones}-{name}"
        subprocess.run(["git", "clone", "-q", str(self.origin), str(folder)], env=self.base, check=True)
        assert not any((folder / path).exists() for path in DATA)  # a fresh runner has no data
        return folder

    def job(self, folder: Path, workflow: str, job: str) -> dict[str, str]:
        """One job's steps, run in `folder` as verify's replay runs them: {command: "passed" or why not}."""
        jobs = ["staging", job] if (workflow, job) == ("cd.yml", "production") else [job]
        steps = [
            step
            for step in expand(folder, f".github/workflows/{workflow}", jobs, contexts=self.contexts)
            if f" > {job} > " in step.name
        ]
        results = {}
        for step in steps:
            command = step.name.split(" > ", 2)[2]
            reason = (
                step.skip
                or NEEDS_DOCKER.get(command)
                or ("not shared state" if workflow == "ci.yml" and command in NOT_REPLAYED_HERE else "")
            )
            if reason:
                results[command] = f"skipped: {reason}"
                continue
            self.run(folder, step.run)
            results[command] = "passed"
        return results

    def state(self, folder: Path, command: str = "state", **extra: str) -> dict:
        script = self.root / "scenario.py"
        script.write_text(SCENARIO, encoding="utf-8")
        env = {
            "MLOPS_ENV": "staging",
            "MLFLOW_TRACKING_URI": self.tracking_uri,
            "MLFLOW_ARTIFACT_LOCATION": f"mlflow-artifacts:/{MODEL}",
            "DVC_REMOTE": str(self.remote),
        }
        lines = self.run(folder, [str(self.environment.python), str(script), command], **(env | extra))
        return json.loads(
            next(line for line in lines.splitlines() if line.startswith("STATE ")).removeprefix("STATE ")
        )

    def assert_data_pulled(self, folder: Path) -> None:
        """`dvc pull` restored exactly the tracked data: each file's md5 is its pointer's and the origin's."""
        for path in DATA:
            assert md5(folder / path) == tracked_md5(folder / path) == md5(self.origin / path), path


@pytest.fixture(scope="module")
def team(tmp_path_factory, env_cache):
    team = Team(tmp_path_factory.mktemp("level2-servers"), env_cache)
    try:
        team.start_servers()
        origin = team.origin
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=origin, env=team.base, check=True)
        # the developer's first `make init`: sample data written, tracked, pushed to the team's DVC remote
        team.run(origin, ["make", "init"], DVC_REMOTE=str(team.remote))
        team.commit("generated by mlops-level new")
        # the platform team creates production's Kubernetes work pool once on the Prefect server
        create_pool = (
            "import json, sys, urllib.request; urllib.request.urlopen(urllib.request.Request("
            "sys.argv[1], data=json.dumps({'name': 'kubernetes-prod', 'type': 'kubernetes'}).encode(), "
            "headers={'content-type': 'application/json'}), timeout=30)"
        )
        team.run(
            origin,
            [
                str(team.environment.python),
                "-c",
                create_pool,
                f"http://127.0.0.1:{PREFECT_PORT}/api/work_pools/",
            ],
        )
        yield team
    finally:
        team.namespace.close()


def test_ci_on_a_fresh_runner_pulls_exactly_the_tracked_data(team):
    clone = team.clone("ci")
    results = team.job(clone, "ci.yml", "test")
    assert results["make init"] == results["make data-test"] == results["make e2e"] == "passed"
    team.assert_data_pulled(clone)


def test_cd_ct_promotion_rollback_and_serving_share_only_the_servers(team):
    # the service runs from its own clone and follows @champion by polling (no restart in this whole test)
    service = team.clone("service")
    team.namespace.start(
        ["make", "serve"],
        service,
        team.env(service, MLOPS_ENV="prod", MLFLOW_TRACKING_URI=team.tracking_uri, CHAMPION_POLL_SECONDS="1"),
        team.root / "service.log",
    )

    # a first, deliberately weak candidate through staging's real gate (under a lowered bar), then approved
    seeded = team.clone("weak-candidate")
    team.run(seeded, ["make", "init"], DVC_REMOTE=str(team.remote), MLOPS_ENV="staging")
    assert team.state(seeded, "dummy", ACCURACY_THRESHOLD="0.5")["aliases"] == {"candidate": "1"}
    production = team.clone("cd-production-1")
    results = team.job(production, "cd.yml", "production")
    assert results["make promote"] == results["make deploy ENV=prod"] == "passed"
    assert results["make publish-serve"].startswith("skipped: ")
    team.assert_data_pulled(production)
    assert team.state(production)["aliases"] == {"champion": "1"}
    team.wait(f"http://127.0.0.1:{SERVICE_PORT}/health", version="1", log="service.log")

    # CD staging on a fresh runner sees that champion, trains a better candidate, and leaves @champion alone
    staging = team.clone("cd-staging-2")
    results = team.job(staging, "cd.yml", "staging")
    assert results["make deploy ENV=staging"] == results["make candidate"] == "passed"
    team.assert_data_pulled(staging)
    state = team.state(staging)
    assert state["aliases"] == {"champion": "1", "candidate": "2"}  # staging never moves the production alias
    assert state["gated_against"]["2"] == "1"  # gated against the champion another runner promoted
    assert state["artifacts"] == ["mlflow-artifacts"]  # models live on the server, not on any runner
    assert any((team.root / "mlflow-server" / "artifacts").rglob("MLmodel"))

    team.job(team.clone("cd-production-2"), "cd.yml", "production")
    assert team.state(staging)["aliases"] == {"champion": "2", "previous-champion": "1"}
    team.wait(f"http://127.0.0.1:{SERVICE_PORT}/health", version="2", log="service.log")

    # new data arrives (pushed to the remote, pointer committed); CT on a fresh runner pulls and retrains it
    team.run(team.origin, ["make", "new-data", "SEED=3"], DVC_REMOTE=str(team.remote))
    team.commit("a new batch of labelled data")
    ct = team.clone("ct")
    results = team.job(ct, "ct.yml", "retrain")
    assert results["make pipeline"] == "passed"
    team.assert_data_pulled(ct)
    state = team.state(ct)
    assert state["gated_against"]["3"] == "2" and state["aliases"]["champion"] == "2"  # CT never promotes

    # a worse candidate is rejected; then rollback restores the previous champion, and the service follows
    operator = team.clone("operator")
    team.run(operator, ["make", "init"], DVC_REMOTE=str(team.remote), MLOPS_ENV="staging")
    state = team.state(operator, "dummy")
    assert state["decisions"]["4"] == "rejected" and state["aliases"]["champion"] == "2"
    assert "**Decision: rejected.**" in team.run(
        operator, ["make", "evaluate"], expect=2, MLOPS_ENV="staging", MLFLOW_TRACKING_URI=team.tracking_uri
    )
    team.run(operator, ["make", "rollback"], MLOPS_ENV="prod", MLFLOW_TRACKING_URI=team.tracking_uri)
    assert team.state(operator)["aliases"]["champion"] == "1"
    team.wait(f"http://127.0.0.1:{SERVICE_PORT}/health", version="1", log="service.log")
