"""Services verify shares with every step: declared in .mlops-level.toml, passed on by the replay."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

from mlops_level.errors import UserError
from mlops_level.scaffold import declaration, services
from mlops_level.scaffold.environment import READY_MARKER, env_key, find_uv
from mlops_level.scaffold.replay import SERVICE_SHOWN, expand
from mlops_level.scaffold.verification import PREFECT_STEP, SKIPPED, TEMPLATE_STEP, plan, verify

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


# --- the shared server in a verify run: a stand-in `prefect` that serves /api/health on the given port ---

FAKE_PREFECT = """
import http.server, os, pathlib, sys
database = pathlib.Path(os.environ["PREFECT_HOME"], "prefect.db")
if sys.argv[1:4] == ["server", "database", "upgrade"]:
    database.write_text("migrated schema")
    sys.exit(0)
print("database:", database.read_text() if database.exists() else "none yet", flush=True)
port = int(sys.argv[sys.argv.index("--port") + 1])
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/api/health" else 404)
        self.end_headers()
        self.wfile.write(b"true")
    def log_message(self, *args):
        pass
print("serving", sys.argv[1:], flush=True)
http.server.HTTPServer(("127.0.0.1", port), Health).serve_forever()
"""
SHOW = "import json, os; print(json.dumps({k: v for k, v in os.environ.items() if 'PREFECT_API_URL' in k}))"


def ready_environment(cache: Path, folder: Path, prefect: str) -> None:
    """A cached environment marked ready whose bin/ holds only `prefect` (steps use this interpreter)."""
    uv = find_uv()
    bin_dir = cache / env_key(folder, [], "uv" if uv else "pip") / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir.parent / READY_MARKER).write_text("\n")
    (bin_dir / "prefect").write_text(f"#!{sys.executable}\n{prefect}")
    (bin_dir / "prefect").chmod(0o755)


def served_project(tmp_path: Path, env: str = "") -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    run = json.dumps([sys.executable, "-c", SHOW])
    (folder / ".mlops-level.toml").write_text(
        f'[verify]\nservices = ["prefect"]\nenv = {{ {env} }}\n[[verify.steps]]\nname = "show"\nrun = {run}\n'
    )
    return folder


def shown(report) -> str:
    return next(step.output for step in report.steps if step.name == "show")


def test_every_step_gets_the_one_server_which_ends_with_verify(tmp_path):
    folder = served_project(tmp_path)
    ready_environment(tmp_path / "cache", folder, FAKE_PREFECT)
    report = verify(folder, env_cache=tmp_path / "cache", confirm=lambda plan: True)
    assert report.passed, report.summary()
    names = [step.name for step in report.steps]
    assert names == ["create environment", PREFECT_STEP, "show", TEMPLATE_STEP]
    seen = json.loads(shown(report))
    url = seen["PREFECT_API_URL"]
    assert (
        url.startswith("http://127.0.0.1:") and url.endswith("/api") and seen["TEST_PREFECT_API_URL"] == url
    )
    assert "--no-services" in report.steps[1].output and "answering" in report.steps[1].output
    assert not services.healthy(url)  # stopped with verify


def test_later_servers_of_a_cached_environment_start_from_its_migrated_database(tmp_path):
    folder = served_project(tmp_path)
    ready_environment(tmp_path / "cache", folder, FAKE_PREFECT)
    first = verify(folder, env_cache=tmp_path / "cache", confirm=lambda plan: True)
    assert "database: none yet" in first.steps[1].output  # the first server creates its schema itself
    template = Path(first.steps[-1].output.strip())
    assert first.steps[-1].name == TEMPLATE_STEP and template.read_text() == "migrated schema"
    assert template.parent == first.environment  # it goes when the environment is rebuilt
    second = verify(folder, env_cache=tmp_path / "cache", confirm=lambda plan: True)
    assert [step.name for step in second.steps] == ["create environment", PREFECT_STEP, "show"]
    assert "database: migrated schema" in second.steps[1].output  # a copy: the template stays empty
    assert template.read_text() == "migrated schema"


def test_a_declared_url_wins_over_the_shared_server(tmp_path):
    folder = served_project(tmp_path, env="PREFECT_API_URL = 'http://127.0.0.1:9/api'")
    ready_environment(tmp_path / "cache", folder, FAKE_PREFECT)
    report = verify(folder, env_cache=tmp_path / "cache", confirm=lambda plan: True)
    seen = json.loads(shown(report))
    assert (
        seen["PREFECT_API_URL"] == "http://127.0.0.1:9/api"
        and seen["TEST_PREFECT_API_URL"] != seen["PREFECT_API_URL"]
    )


def test_a_server_that_does_not_come_up_fails_verify_with_its_output(tmp_path):
    folder = served_project(tmp_path)
    ready_environment(tmp_path / "cache", folder, "import sys; print('no database'); sys.exit(3)")
    report = verify(folder, env_cache=tmp_path / "cache", confirm=lambda plan: True)
    assert not report.passed and report.failed_step.name == PREFECT_STEP
    assert "no database" in report.failed_step.output and "exited with code 3" in report.failed_step.output
    assert report.steps[-1].status == SKIPPED


def test_the_dry_run_lists_the_server(tmp_path):
    commands = dict(plan(served_project(tmp_path)).commands)
    assert commands[PREFECT_STEP].startswith("prefect server start --host 127.0.0.1")
