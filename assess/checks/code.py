"""ML0xx: code structure (git, modular training code, packaging, configuration, ignore rules)."""

from __future__ import annotations

import re

from mlops_level.assess.checks.registry import check
from mlops_level.assess.detect import match as m
from mlops_level.assess.detect import patterns as p
from mlops_level.assess.facts.ignorespec import IgnoreSpec
from mlops_level.assess.facts.repository import Facts, role_of
from mlops_level.assess.model import Evidence, Finding, Status, Weight


@check(
    "ML001",
    "source-control",
    "Code is under version control (git with history)",
    level="F",
    weight=Weight.NORMAL,
    remediation="Run `git init` and commit the project; every run should trace back to a commit.",
    url="https://git-scm.com/book/en/v2/Getting-Started-About-Version-Control",
)
def source_control(facts: Facts) -> Finding:
    """The repository is a git work tree with at least one commit, so each run can record its code version."""
    git = facts.git
    if not git.is_repo:
        return Finding(Status.FAIL, "not inside a git repository")
    if not git.has_commits:
        return Finding(Status.PARTIAL, "git repository without commits", [Evidence(".")])
    note = f"{git.history}{'+' if git.shallow else ''} commit(s)"
    return Finding(
        Status.PASS, f"git repository, {note}, HEAD {git.commit[:12]}", [Evidence(".", None, note)]
    )


@check(
    "ML002",
    "modular-code-not-notebooks",
    "Training code lives in importable modules, not only in notebooks",
    level="F",
    weight=Weight.REQUIRED,
    remediation=(
        "Move feature and training code from notebooks into modules (e.g. `src/<pkg>/train.py`); keep "
        "notebooks for exploration."
    ),
)
def modular_code(facts: Facts) -> Finding:
    """Model training calls (`.fit(`, `xgb.train(`, `Trainer(...).train()` ...) appear in Python modules
    outside tests. Training found only in notebooks fails; notebooks executed by the pipeline (papermill,
    nbclient) are partial."""
    hits = m.calls(facts, p.TRAINING_CALLS, m.ANY_CODE)
    prod = m.production(hits)
    notebooks = [s for s in facts.sources.values() if s.role == "notebook"]
    nb_loc = sum(s.loc for s in notebooks)
    py_loc = sum(s.loc for s in facts.sources.values() if s.role == "prod")
    share = f"{py_loc} lines in modules, {nb_loc} in {len(notebooks)} notebook(s)"
    if prod:
        return Finding(Status.PASS, f"training code in {m.where_hits(prod)} ({share})", m.evidence(prod))
    runners = m.calls(facts, ("papermill.execute_notebook", "nbclient.NotebookClient", "nbconvert.*"), m.PROD)
    ci_runs = m.steps_matching(m.ci_steps(facts), r"\b(papermill|nbconvert --execute|jupyter execute)\b")
    if hits and (runners or ci_runs):
        return Finding(
            Status.PARTIAL,
            f"training only in notebooks, but they are executed by code or CI ({share})",
            m.evidence(runners) + m.step_evidence(ci_runs) + m.evidence(hits),
        )
    if hits:
        return Finding(
            Status.FAIL, f"training code only in notebooks or examples ({share})", m.evidence(hits)
        )
    return Finding(Status.FAIL, f"no model training code found ({share})")


@check(
    "ML003",
    "packaged-with-entrypoints",
    "Code is packaged and its steps have entry points",
    level="F",
    weight=Weight.NORMAL,
    remediation=(
        "Add a `pyproject.toml` with a package (src layout) and make each step runnable non-interactively, "
        "e.g. `python -m pkg.train --config conf.yaml` or `[project.scripts]`."
    ),
    url="https://packaging.python.org/en/latest/guides/writing-pyproject-toml/",
)
def packaged(facts: Facts) -> Finding:
    """A package definition (`pyproject.toml` [project] or Poetry, `setup.py`, `setup.cfg`) plus a package
    folder, and entry points: `[project.scripts]`, `__main__.py`, a CLI (argparse, typer, click, Hydra,
    fire) or a `__main__` guard in a module."""
    packaging: list[Evidence] = []
    for path, doc in facts.toml.items():
        if path.endswith("pyproject.toml") and ("project" in doc or "poetry" in doc.get("tool", {})):
            packaging.append(Evidence(path, None, "[project]" if "project" in doc else "[tool.poetry]"))
    packaging += [
        Evidence(path)
        for path in facts.paths_matching(r"(^|/)setup\.(py|cfg)$")
        if not path.startswith("../")
    ]
    packages = [s for s in facts.sources.values() if s.path.endswith("__init__.py") and s.role == "prod"]
    entry: list[Evidence] = []
    for path, doc in facts.toml.items():
        scripts = doc.get("project", {}).get("scripts") or doc.get("tool", {}).get("poetry", {}).get(
            "scripts"
        )
        if scripts:
            entry.append(Evidence(path, None, "[project.scripts] " + ", ".join(sorted(scripts))[:80]))
    entry += [
        Evidence(s.path)
        for s in facts.sources.values()
        if s.path.endswith("__main__.py") and s.role == "prod"
    ]
    entry += m.evidence(
        m.calls(facts, p.ENTRYPOINT_CALLS, m.PROD) + m.decorators(facts, p.ENTRYPOINT_CALLS, m.PROD)
    )
    entry += [
        Evidence(s.path, None, "if __name__ == '__main__'")
        for s in facts.by_role("prod")
        if s.facts.has_main_guard
    ]
    if packaging and packages and entry:
        return Finding(
            Status.PASS,
            f"packaged ({packaging[0].path}) with {len(entry)} entry point(s)",
            packaging[:3] + entry[:10],
        )
    if packaging or entry:
        missing = "no package folder or definition" if not (packaging and packages) else "no entry points"
        return Finding(Status.PARTIAL, f"partly packaged: {missing}", packaging[:3] + entry[:10])
    return Finding(Status.FAIL, "no package definition and no runnable entry points")


@check(
    "ML004",
    "config-externalized",
    "Parameters live in configuration files, not in code",
    level="1",
    weight=Weight.NORMAL,
    remediation=(
        "Move hyperparameters and paths to versioned config (`params.yaml`, `configs/*.yaml`, Hydra) and "
        "load it in the pipeline so runs are parameterised."
    ),
    url="https://hydra.cc/docs/intro/",
)
def config_externalized(facts: Facts) -> Finding:
    """Configuration files (`params.yaml`, `configs/`, `conf/`, Hydra, Kedro parameters) that production code
    loads (yaml, OmegaConf, Hydra, pydantic-settings, tomllib, `dvc.api.params_show` ...)."""
    dirs = "|".join(p.CONFIG_DIRS)
    files = [
        path
        for path in facts.paths_matching(
            rf"(^|/)({dirs})/[^/]+\.(ya?ml|toml|json|ini|cfg)$",
            r"(^|/)params\.ya?ml$",
            r"(^|/)config\.(ya?ml|toml)$",
        )
        if role_of(path) not in ("test", "example")
    ]
    loaders = m.calls(facts, p.CONFIG_LOADERS, m.PROD) + m.decorators(facts, ("hydra.main",), m.PROD)
    loaders += m.bases(facts, ("pydantic_settings.BaseSettings",), m.PROD)
    if files and loaders:
        return Finding(
            Status.PASS,
            f"{len(files)} config file(s) loaded by code",
            m.file_evidence(files)[:5] + m.evidence(loaders)[:5],
        )
    if files or loaders:
        what = "config files but no code loading them" if files else "code reads settings but no config files"
        return Finding(Status.PARTIAL, what, m.file_evidence(files)[:5] + m.evidence(loaders)[:5])
    return Finding(Status.FAIL, "no configuration files found; parameters are presumably in code")


_IGNORE_PROBES = {
    "models": ("models/model.pkl", "model.pkl", "artifacts/model.joblib", "model.joblib"),
    "data": ("data/raw.csv", "data/train.parquet", "train.csv"),
    "runs": (
        "mlruns/0/meta.yaml",
        "wandb/run-1/files",
        "outputs/run.log",
        "mlflow.db",
        "lightning_logs/v0/x",
    ),
    "secrets": (".env", "secrets/.env"),
    "checkpoints": (".ipynb_checkpoints/a-checkpoint.ipynb",),
}


@check(
    "ML005",
    "gitignore-ml-artifacts",
    ".gitignore keeps data, models, run outputs and secrets out of git",
    level="F",
    weight=Weight.REQUIRED,
    remediation=(
        "Add an ML .gitignore: data/, models/ and *.pkl, mlruns/ (run outputs), .env, .ipynb_checkpoints/."
    ),
    url="https://github.com/github/gitignore/blob/main/Python.gitignore",
)
def gitignore_ml(facts: Facts) -> Finding:
    """The .gitignore files cover at least three of: model binaries, data, run outputs (mlruns, wandb),
    secrets (.env), notebook checkpoints; model binaries must be among them. Data managed by DVC counts as
    covered."""
    ignores = {path: text for path, text in facts.texts.items() if path.rsplit("/", 1)[-1] == ".gitignore"}
    if not ignores:
        return Finding(Status.FAIL, "no .gitignore")
    specs = [
        (path[: -len(".gitignore")], IgnoreSpec.from_lines(text.splitlines()))
        for path, text in ignores.items()
    ]
    covered = set()
    for category, probes in _IGNORE_PROBES.items():
        for probe in probes:
            # the root's and its ancestors' ignore files cover every probe; nested ones only their folder
            if any(spec.match_file(probe) for prefix, spec in specs if not prefix.strip("./")) or any(
                prefix.strip("./") and probe.startswith(prefix) and spec.match_file(probe[len(prefix) :])
                for prefix, spec in specs
            ):
                covered.add(category)
    if facts.paths_matching(r"\.dvc$", r"(^|/)dvc\.yaml$") or any(
        re.match(r"(\.\./)*data/", path) for path in ignores
    ):
        covered.add("data")
    evidence = [Evidence(path) for path in sorted(ignores)][:5]
    missing = sorted(set(_IGNORE_PROBES) - covered)
    if "models" in covered and len(covered) >= 3:
        return Finding(Status.PASS, f"ignores {', '.join(sorted(covered))}", evidence)
    return Finding(Status.PARTIAL, f".gitignore misses {', '.join(missing)}", evidence)
