"""Bounded load test of a Level 2 project's prediction service on loopback: p50/p99 latency, requests/s.

    python benchmarks/serve_bench.py [--project DIR] [--requests 2000] [--clients 4] [--env-cache DIR]

Generates a Level 2 project (or uses `--project DIR`, a generated one), trains it once with its own
pipeline in a scratch state folder (the project's own mlflow.db and data are not touched), starts
`uvicorn <package>.serve:app` on 127.0.0.1, and drives `--requests` one-row POST /predict requests from
`--clients` concurrent keep-alive clients. The baseline, measured in the same run with the same clients, is
GET /health: the floor of the HTTP stack (uvicorn, FastAPI, the client), so the ratios show what
validation, scoring and logging add. Target: p99 < 50 ms for one row on 2 cores. The project's Python is its
`.venv` when it has one, else the reusable environment the slow tests use (~/.cache/mlops-level-tests/envs,
or MLOPS_LEVEL_TEST_ENV_CACHE), built on first use. Figures go to stdout and to
benchmarks/out/serve_bench.json, with the load average: other work on the machine slows every figure.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from _figures import machine_figures, write_figures

OUT = Path(__file__).resolve().parent / "out" / "serve_bench.json"
DEFAULT_CACHE = Path(
    os.environ.get("MLOPS_LEVEL_TEST_ENV_CACHE", Path.home() / ".cache" / "mlops-level-tests" / "envs")
)
TARGET_P99_MS = 50.0
WARMUP_REQUESTS = 100


def project_python(project: Path, env_cache: Path) -> Path:
    """The project's own .venv, else the env-cache environment verify would use (built if new)."""
    own = project / ".venv" / "bin" / "python"
    if own.is_file():
        return own
    from mlops_level.scaffold import declaration
    from mlops_level.scaffold.environment import READY_MARKER, Environment, env_key, find_uv

    uv = find_uv()
    install = declaration.load(project).install
    env_cache.mkdir(parents=True, exist_ok=True)
    environment = Environment(env_cache / env_key(project, install, "uv" if uv else "pip"), uv)
    if not environment.ready:
        subprocess.run(environment.create_command(), check=True)
        subprocess.run(environment.install_command(install), cwd=project, check=True)
        (environment.path / READY_MARKER).write_text(" ".join(install) + "\n")
    return environment.python


def package_name(project: Path) -> str:
    (init,) = (project / "src").glob("*/__init__.py")
    return init.parent.name


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(port: int, server: subprocess.Popen, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the service exited with {server.returncode} before answering /health")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise SystemExit(f"the service did not answer /health on port {port} within {seconds:.0f} s")


def drive(port: int, requests: list[tuple[str, str, bytes | None]], clients: int) -> dict:
    """Send `requests` (method, path, body) from `clients` keep-alive connections; latencies and rate."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    shares = [requests[index::clients] for index in range(clients)]

    def client(share: list[tuple[str, str, bytes | None]]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"content-type": "application/json"}
        mine = []
        for method, path, body in share:
            started = time.perf_counter()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                with lock:
                    failures.append(f"{method} {path}: {response.status} {payload[:200]!r}")
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(share,)) for share in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} request(s) failed, first: {failures[0]}")
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
        "requests_per_s": round(len(ordered) / elapsed, 1),
    }


def one_row_bodies(holdout: Path, count: int) -> list[bytes]:
    with holdout.open(newline="", encoding="utf-8") as handle:
        rows = [
            {name: float(value) for name, value in row.items() if name != "target"}
            for row in csv.DictReader(handle)
        ]
    return [json.dumps({"rows": [rows[index % len(rows)]]}).encode() for index in range(count)]


def run(project: Path, python: Path, requests: int, clients: int, scratch: Path) -> dict:
    package = package_name(project)
    scratch.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DO_NOT_TRACK": "true",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
        "DVC_NO_ANALYTICS": "1",
        "PYTHONPATH": str(project / "src"),  # this project's code, whichever environment runs it
        "DATA_DIR": str(scratch / "data"),
        "MLFLOW_TRACKING_URI": f"sqlite:///{scratch / 'mlflow.db'}",
        "MLFLOW_ARTIFACT_LOCATION": (scratch / "mlartifacts").as_uri(),
        "PREFECT_HOME": str(scratch / "prefect"),
        "REQUIRE_CLEAN_TREE": "false",
    }
    env.pop("MLOPS_ENV", None)
    started = time.perf_counter()
    for step in (["ingest"], ["pipeline", "--force"]):
        subprocess.run(
            [str(python), "-m", package, *step], cwd=project, env=env, check=True, stdout=subprocess.DEVNULL
        )
    train_s = time.perf_counter() - started
    port = free_port()
    log = (scratch / "serve.log").open("w")
    server = subprocess.Popen(
        [
            str(python),
            "-m",
            "uvicorn",
            f"{package}.serve:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=project,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until_healthy(port, server)
        bodies = one_row_bodies(scratch / "data" / "holdout" / "holdout.csv", requests + WARMUP_REQUESTS)
        drive(port, [("POST", "/predict", body) for body in bodies[:WARMUP_REQUESTS]], clients)
        baseline = drive(port, [("GET", "/health", None)] * requests, clients)
        predict = drive(port, [("POST", "/predict", body) for body in bodies[WARMUP_REQUESTS:]], clients)
    finally:
        os.killpg(server.pid, signal.SIGINT)  # the lifespan's shutdown uploads the last prediction-log batch
        server.wait(60)
        log.close()
    logged = sum(
        1 for line in (scratch / "serve.log").read_text().splitlines() if '"event": "prediction"' in line
    )
    return {
        "requests": requests,
        "clients": clients,
        "predict": predict,
        "baseline_health": baseline,
        "p50_ratio": round(predict["p50_ms"] / baseline["p50_ms"], 2),
        "p99_ratio": round(predict["p99_ms"] / baseline["p99_ms"], 2),
        "throughput_ratio": round(predict["requests_per_s"] / baseline["requests_per_s"], 2),
        "target_p99_ms": TARGET_P99_MS,
        "meets_target": predict["p99_ms"] < TARGET_P99_MS,
        "prediction_log_lines": logged,
        "train_once_s": round(train_s, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, help="a generated Level 2 project (default: generate one)")
    parser.add_argument("--requests", type=int, default=2000, help="one-row requests per measurement")
    parser.add_argument("--clients", type=int, default=4, help="concurrent keep-alive clients")
    parser.add_argument("--env-cache", type=Path, default=DEFAULT_CACHE, help="reusable environments folder")
    args = parser.parse_args()
    if args.requests < 100 or args.clients < 1:
        parser.error("--requests must be at least 100 and --clients at least 1")
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="serve-bench-") as folder:
        scratch = Path(folder)
        if args.project is None:
            from mlops_level.scaffold import render

            project = render({"level": 2}, scratch / "project")
        else:
            project = args.project.resolve()
            if not list((project / "src").glob("*/serve.py")):
                parser.error(f"{project} is not a generated Level 2 project (no src/*/serve.py)")
        python = project_python(project, args.env_cache)
        figures = run(project, python, args.requests, args.clients, scratch / "state")
    write_figures(OUT, figures | machine_figures(load_before))


if __name__ == "__main__":
    main()
