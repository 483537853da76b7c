"""Replay a GitHub Actions workflow locally: its `run:` steps, in order, as verify steps.

GitHub's runners are not available here, so a generated Level 2 project proves its CI and CD by running
every `run:` step of the workflow in the project's own environment, with the workflow's, the job's and the
step's `env:` and bash's GitHub defaults (`-eo pipefail`). What the environment already provides is not
replayed, and what cannot run here is listed with its reason instead of being hidden:

- setup actions (`actions/checkout`, `actions/setup-python`): the project folder is the checkout and the
  verify environment is the Python;
- the commands in SKIPPED_COMMANDS: they install from a package registry or need a Docker engine.

Anything else the replay cannot honour faithfully (another action, an `if:` condition, a `${{ }}`
expression, a non-bash shell) is an error, so a workflow never passes by being half-replayed.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from mlops_level.errors import UserError

from .declaration import Step

PROVIDED_ACTIONS = {
    "actions/checkout": "the project folder is the checkout",
    "actions/setup-python": "the verify environment provides Python",
}
SKIPPED_COMMANDS = {
    "make install": "installs the locked dependencies from PyPI; verify built the environment from the lock",
    "make images": "builds container images, which needs a Docker engine",
    "make image-serve": "builds the serving image, which needs a Docker engine",
    "python -m pip install mlops-level": "installs mlops-level from PyPI; the replay uses the one running it",
}
BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]
SUMMARY_FILE = ".replay-step-summary.md"


def _load(path: Path) -> dict:
    try:
        workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UserError(f"{path}: cannot be read as a workflow: {exc}") from exc
    if not isinstance(workflow, dict) or not isinstance(workflow.get("jobs"), dict) or not workflow["jobs"]:
        raise UserError(f"{path}: not a GitHub Actions workflow (no jobs)")
    return workflow


def _env(where: str, raw: object) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise UserError(f"{where}: env must be a mapping")
    env = {
        str(key): str(value).lower() if isinstance(value, bool) else str(value) for key, value in raw.items()
    }
    for key, value in env.items():
        if "${{" in value:
            raise UserError(f"{where}: env {key} uses an expression, which the replay cannot evaluate")
    return env


def _job_order(path: Path, jobs: dict, selected: list[str]) -> list[str]:
    """The selected jobs, each after the jobs it `needs` (which must be selected too)."""
    order: list[str] = []

    def visit(job_id: str, chain: tuple[str, ...]) -> None:
        if job_id in order:
            return
        if job_id in chain:
            raise UserError(f"{path}: jobs need each other in a cycle: {' -> '.join((*chain, job_id))}")
        needs = jobs[job_id].get("needs", [])
        for need in [needs] if isinstance(needs, str) else needs:
            if need not in selected:
                raise UserError(f"{path}: job {job_id!r} needs {need!r}, which is not replayed")
            visit(need, (*chain, job_id))
        order.append(job_id)

    for job_id in selected:
        visit(job_id, ())
    return order


def _step(path: Path, base: dict[str, str], job_id: str, number: int, raw: object, timeout: float) -> Step:
    where = f"{path.name} > {job_id} > step {number + 1}"
    if not isinstance(raw, dict):
        raise UserError(f"{where}: a step must be a mapping")
    if "if" in raw:
        raise UserError(f"{where}: `if:` conditions are not replayed; keep replayed steps unconditional")
    if "uses" in raw:
        action = str(raw["uses"]).split("@")[0]
        if action not in PROVIDED_ACTIONS:
            raise UserError(f"{where}: action {raw['uses']!r} cannot be replayed")
        return Step(
            f"{path.name} > {job_id} > {raw['uses']}", ["true"], timeout, skip=PROVIDED_ACTIONS[action]
        )
    script = raw.get("run")
    if not isinstance(script, str) or not script.strip():
        raise UserError(f"{where}: needs `run:` or `uses:`")
    name = f"{path.name} > {job_id} > {script.strip()}"
    if script.strip() in SKIPPED_COMMANDS:
        return Step(name, ["true"], timeout, skip=SKIPPED_COMMANDS[script.strip()])
    if "${{" in script:
        raise UserError(f"{where}: `run:` uses an expression, which the replay cannot evaluate")
    if raw.get("shell", "bash") != "bash":
        raise UserError(f"{where}: only bash steps are replayed, not shell {raw['shell']!r}")
    env = base | _env(where, raw.get("env"))
    command = ["env", *(f"{key}={value}" for key, value in env.items()), *BASH, script]
    directory = raw.get("working-directory")
    if directory:
        command = ["env", "-C", str(directory), *command[1:]]
    return Step(name, command, timeout)


def expand(
    project: Path, workflow: str, jobs: list[str] | None = None, timeout: float = 1800.0
) -> list[Step]:
    """The verify steps that replay `workflow` (a path relative to `project`), limited to `jobs` if given."""
    project = Path(project).absolute()
    path = project / workflow
    data = _load(path)
    all_jobs = data["jobs"]
    selected = list(all_jobs) if jobs is None else list(jobs)
    unknown = [job for job in selected if job not in all_jobs]
    if unknown:
        raise UserError(f"{path}: no job named {', '.join(map(repr, unknown))} (jobs: {', '.join(all_jobs)})")
    replay_env = {
        "CI": "true",
        "GITHUB_WORKSPACE": str(project),
        "GITHUB_STEP_SUMMARY": str(project / SUMMARY_FILE),
    }
    workflow_env = _env(f"{path.name}", data.get("env"))
    steps: list[Step] = []
    for job_id in _job_order(path, all_jobs, selected):
        job = all_jobs[job_id]
        limit = min(timeout, float(job.get("timeout-minutes", timeout / 60)) * 60)
        base = workflow_env | _env(f"{path.name} > {job_id}", job.get("env")) | replay_env
        raw_steps = job.get("steps")
        if not isinstance(raw_steps, list) or not raw_steps:
            raise UserError(f"{path}: job {job_id!r} has no steps")
        steps += [_step(path, base, job_id, number, raw, limit) for number, raw in enumerate(raw_steps)]
    return steps
