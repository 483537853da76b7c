"""Replay a GitHub Actions workflow locally: its `run:` steps, in order, as verify steps.

GitHub's runners are not available here, so a generated Level 2 project proves its CI and CD by running
every `run:` step of the workflow in the project's own environment, with the workflow's, the job's and the
step's `env:` and bash's GitHub defaults (`-eo pipefail`). What the environment already provides is not
replayed, and what cannot run here is listed with its reason instead of being hidden:

- setup actions (`actions/checkout`, `actions/setup-python`): the project folder is the checkout and the
  verify environment is the Python;
- the commands in SKIPPED_COMMANDS: they install from a package registry, need a Docker engine or ask a
  vulnerability service.

Expressions that only name a value, `${{ vars.X }}`, `${{ secrets.X }}`, `${{ inputs.X }}` and
`${{ env.X }}`, are substituted in `env:` values and `run:` scripts: vars, secrets and inputs from the
mapping the project declares for local runs (`[verify.replay.vars]`, `.secrets`, `.inputs` in its
`.mlops-level.toml`, pointing at local stores), env from the step's environment (empty when unset, as on
GitHub). Secrets are shown as `***`. A name the mapping lacks is an error that says where to declare it,
except a variable one of the project's services provides (PREFECT_API_URL of verify's shared Prefect server):
`NAME: ${{ vars.NAME }}` in an `env:` mapping then leaves NAME as verify sets it for every step.

Anything else the replay cannot honour faithfully (another action, an `if:` condition, any other
expression, a non-bash shell) is an error, so a workflow never passes by being half-replayed.
"""

from __future__ import annotations

import math
import re
import shlex
from pathlib import Path

import yaml

from mlops_level.errors import UserError
from mlops_level.userfiles import read_text

from .declaration import Step, check_arguments, check_env
from .environment import TELEMETRY_OFF

PROVIDED_ACTIONS = {
    "actions/checkout": "the project folder is the checkout",
    "actions/setup-python": "the verify environment provides Python",
}
SKIPPED_COMMANDS = {
    "make install": "installs the locked dependencies from PyPI; verify built the environment from the lock",
    "make images": "builds container images, which needs a Docker engine",
    "make image-serve": "builds the serving image, which needs a Docker engine",
    "make audit": "asks PyPI's vulnerability service over the network (verify runs offline); CI runs it",
    "python -m pip install -r .github/mlops-level-requirements.txt": (
        "installs the mlops-level that generated the project; the replay uses the one running it"
    ),
}
LEGACY_SKIPPED = {  # projects generated before the requirement was recorded
    "python -m pip install mlops-level": "installs mlops-level from PyPI; the replay uses the one running it",
}
BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]
SUMMARY_FILE = ".replay-step-summary.md"
REPLAY_ENV = ("CI", "GITHUB_WORKSPACE", "GITHUB_STEP_SUMMARY")  # set by the replay itself, not shown


CONTEXTS = ("vars", "secrets", "inputs")  # declared for local runs; `env` comes from the step itself
_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)
_REFERENCE = re.compile(r"^\s*(vars|secrets|inputs|env)\.([A-Za-z_][A-Za-z0-9_-]*)\s*$")
_WHOLE_VAR = re.compile(r"^\s*\$\{\{\s*vars\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}\s*$")
SERVICE_SHOWN = "<set-by-verify-service>"


def _substitute(
    where: str,
    text: str,
    contexts: dict[str, dict[str, str]],
    env: dict[str, str],
    provided: frozenset[str] = frozenset(),
    inherited: frozenset[str] = frozenset(),
) -> tuple[str, str]:
    """`text` with its `${{ context.NAME }}` expressions replaced: (the value run, the value shown).
    `provided` (vars a service sets) and `inherited` (env names left to it) are known only at run time."""

    def value(match: re.Match, shown: bool) -> str:
        reference = _REFERENCE.match(match.group(1))
        if reference is None:
            raise UserError(
                f"{where}: the expression {match.group(0)!r} cannot be evaluated by the replay "
                "(only vars.X, secrets.X, inputs.X and env.X can)"
            )
        context, name = reference.groups()
        if (
            name in inherited
            if context == "env"
            else name in provided and name not in contexts.get(context, {})
        ):
            raise UserError(
                f"{where}: {match.group(0)!r} is set by a service of verify at run time: only "
                f"`{name}: ${{{{ vars.{name} }}}}` in an env: mapping can pass it on"
            )
        if context == "env":
            return env.get(name, "")
        mapping = contexts.get(context, {})
        if name not in mapping:
            raise UserError(
                f"{where}: the expression {match.group(0)!r} has no local value: declare {name} in "
                f"[verify.replay.{context}] of .mlops-level.toml"
            )
        return "***" if shown and context == "secrets" else mapping[name]

    if "${{" not in text:
        return text, text
    return (
        _EXPRESSION.sub(lambda match: value(match, False), text),
        _EXPRESSION.sub(lambda match: value(match, True), text),
    )


def _load(path: Path) -> dict:
    text = read_text(path, "workflow")
    try:
        workflow = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UserError(f"{path}: cannot be read as a workflow: {first}") from None
    if not isinstance(workflow, dict) or not isinstance(workflow.get("jobs"), dict) or not workflow["jobs"]:
        raise UserError(f"{path}: not a GitHub Actions workflow (no jobs)")
    for job_id, job in workflow["jobs"].items():
        if not isinstance(job, dict):
            raise UserError(f"{path}: job {job_id!r} must be a mapping")
    return workflow


def _workflow_path(project: Path, workflow: str) -> Path:
    """The workflow file, which must lie inside the project (no `..`, no absolute path, no link out)."""
    path = project / workflow
    try:
        inside = path.resolve().is_relative_to(project.resolve())
    except (OSError, RuntimeError, ValueError):
        inside = False
    if not workflow or not inside:
        raise UserError(f"{project}: replay {workflow!r} is not a workflow file inside the project")
    return path


def _job_timeout(path: Path, job_id: str, job: dict, timeout: float) -> float:
    minutes = job.get("timeout-minutes", timeout / 60)
    if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or not math.isfinite(minutes):
        raise UserError(f"{path}: job {job_id!r}: timeout-minutes must be a number, not {minutes!r}")
    if minutes <= 0:
        raise UserError(f"{path}: job {job_id!r}: timeout-minutes must be positive, not {minutes!r}")
    return min(timeout, float(minutes) * 60)


def _env(
    where: str,
    raw: object,
    contexts: dict[str, dict[str, str]],
    outer: dict[str, str],
    provided: frozenset[str],
    shown: dict[str, str],
) -> tuple[dict[str, str], set[str]]:
    """An `env:` mapping with its expressions substituted, and the names it leaves to verify's services
    (`NAME: ${{ vars.NAME }}` for a NAME a service provides and the mapping does not declare); `shown`
    receives the values as displayed."""
    if raw is None:
        return {}, set()
    if not isinstance(raw, dict):
        raise UserError(f"{where}: env must be a mapping")
    if not all(value is None or isinstance(value, (str, int, float, bool)) for value in raw.values()):
        raise UserError(f"{where}: env values must be strings, numbers or booleans")
    env = {
        str(key): str(value).lower() if isinstance(value, bool) else str(value) for key, value in raw.items()
    }
    env = check_env(f"{where}: env", env)
    inherited = {
        key
        for key, value in env.items()
        if (match := _WHOLE_VAR.match(value))
        and match.group(1) == key
        and key in provided
        and key not in contexts.get("vars", {})
    }
    for key in inherited:
        del env[key]
        shown[key] = SERVICE_SHOWN
    for key, value in env.items():
        env[key], shown[key] = _substitute(f"{where}: env {key}", value, contexts, outer, provided)
    return env, inherited


def _layer(
    outer: dict[str, str], outer_inherited: set[str], env: dict[str, str], inherited: set[str]
) -> tuple[dict[str, str], set[str]]:
    """An inner `env:` over an outer one: a name left to a service is no longer set by the outer one."""
    merged = {key: value for key, value in outer.items() if key not in inherited} | env
    return merged, (outer_inherited - set(env)) | inherited


def _job_order(path: Path, jobs: dict, selected: list[str]) -> list[str]:
    """The selected jobs, each after the jobs it `needs` (which must be selected too)."""
    order: list[str] = []

    def visit(job_id: str, chain: tuple[str, ...]) -> None:
        if job_id in order:
            return
        if job_id in chain:
            raise UserError(f"{path}: jobs need each other in a cycle: {' -> '.join((*chain, job_id))}")
        needs = jobs[job_id].get("needs", [])
        needs = [needs] if isinstance(needs, str) else needs
        if not isinstance(needs, list) or not all(isinstance(need, str) for need in needs):
            raise UserError(f"{path}: job {job_id!r}: needs must be a job id or a list of job ids")
        for need in needs:
            if need not in selected:
                raise UserError(f"{path}: job {job_id!r} needs {need!r}, which is not replayed")
            visit(need, (*chain, job_id))
        order.append(job_id)

    for job_id in selected:
        visit(job_id, ())
    return order


def _step(
    path: Path,
    base: dict[str, str],
    job_id: str,
    number: int,
    raw: object,
    timeout: float,
    contexts: dict[str, dict[str, str]],
    base_shown: dict[str, str],
    base_inherited: set[str],
    provided: frozenset[str],
) -> Step:
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
    skipped = SKIPPED_COMMANDS | LEGACY_SKIPPED
    if script.strip() in skipped:
        return Step(name, ["true"], timeout, skip=skipped[script.strip()])
    if raw.get("shell", "bash") != "bash":
        raise UserError(f"{where}: only bash steps are replayed, not shell {raw['shell']!r}")
    step_shown: dict[str, str] = {}
    step_env, step_inherited = _env(where, raw.get("env"), contexts, base, provided, step_shown)
    env, inherited = _layer(base, base_inherited, step_env, step_inherited)
    shown_env = base_shown | step_shown
    script, script_shown = _substitute(f"{where}: run", script, contexts, env, provided, frozenset(inherited))
    command = ["env", *(f"{key}={value}" for key, value in env.items()), *BASH, script]
    declared = [
        f"{key}={shown_env.get(key, value)}"
        for key, value in env.items()
        if key not in REPLAY_ENV and TELEMETRY_OFF.get(key) != value  # verify sets those itself
    ] + [f"{key}={SERVICE_SHOWN}" for key in sorted(inherited)]
    shown = shlex.join([*declared, *BASH, script_shown])
    directory = raw.get("working-directory")
    if directory is not None and not isinstance(directory, str):
        raise UserError(f"{where}: working-directory must be a path")
    if directory:
        command = ["env", "-C", directory, *command[1:]]
        shown = f"cd {shlex.quote(directory)} && {shown}"
    return Step(name, check_arguments(where, command), timeout, shown=shown)


def expand(
    project: Path,
    workflow: str,
    jobs: list[str] | None = None,
    timeout: float = 1800.0,
    contexts: dict[str, dict[str, str]] | None = None,
    provided: frozenset[str] = frozenset(),
) -> list[Step]:
    """The verify steps that replay `workflow` (a path relative to `project`), limited to `jobs` if given.

    `contexts` maps "vars", "secrets" and "inputs" to the values the project declares for local runs;
    `provided` names the variables the project's services set for every step at run time.
    """
    contexts = contexts or {}
    project = Path(project).absolute()
    path = _workflow_path(project, workflow)
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
    workflow_shown: dict[str, str] = {}
    workflow_env, workflow_inherited = _env(
        path.name, data.get("env"), contexts, {}, provided, workflow_shown
    )
    steps: list[Step] = []
    for job_id in _job_order(path, all_jobs, selected):
        job = all_jobs[job_id]
        limit = _job_timeout(path, job_id, job, timeout)
        job_shown: dict[str, str] = {}
        job_env, job_inherited = _env(
            f"{path.name} > {job_id}", job.get("env"), contexts, workflow_env, provided, job_shown
        )
        base, inherited = _layer(workflow_env, workflow_inherited, job_env, job_inherited)
        base = base | replay_env
        base_shown = workflow_shown | job_shown
        raw_steps = job.get("steps")
        if not isinstance(raw_steps, list) or not raw_steps:
            raise UserError(f"{path}: job {job_id!r} has no steps")
        steps += [
            _step(path, base, job_id, number, raw, limit, contexts, base_shown, inherited, provided)
            for number, raw in enumerate(raw_steps)
        ]
    return steps
