"""What CI/CD really runs: test steps, pipeline builds, deployments, CI jobs that are the training pipeline.

A step counts by what it executes once followed (Makefile targets, scripts, `tox`/`nox`, local workflows,
composite actions, Cloud Build configs: see `match.expand`), never by its name. Lines that only print
(`echo`, `printf`) or are comments are not commands. A step that calls a script or folder missing from the
repository does not count, and says so.
"""

from __future__ import annotations

import posixpath
import re

from mlops_level.assess.detect import infra
from mlops_level.assess.detect import match as m
from mlops_level.assess.detect import patterns as p
from mlops_level.assess.facts.repository import Facts

CI_TRIGGERS = ("push", "pull_request")
CD_TRIGGERS = ("push", "pull_request", "tag", "workflow_run", "api", "schedule", "called")
_PRINT_ONLY = re.compile(r"^\s*(echo|printf|print|:|#|rem\b|Write-Host|Write-Output)\b|^\s*#", re.I)
_IMAGE_ONLY = re.compile(
    r"\b(docker (push|build|buildx|tag)|docker/build-push-action|buildah|kaniko|podman)\b"
)
_PATH_REF = re.compile(r"(?:^|[\s;&|(])(?:bash|sh|source|\.)?\s*((?:\./)?[\w.-]+(?:/[\w.-]+)+\.(?:sh|py))\b")
_CD_DIR = re.compile(r"(?:^|[\s;&|(])cd\s+([\w./-]+)")
_EXPRESSION = re.compile(r"\$|\{\{|%|\*")


def effective(lines) -> list[str]:
    """The lines of a step that execute something: printing and comments left out."""
    return [line for line in lines if line.strip() and not _PRINT_ONLY.match(line)]


def _matching(steps: list[m.CIStep], regex: str) -> list[m.CIStep]:
    compiled = re.compile(regex, re.I)
    return [s for s in steps if any(compiled.search(line) for line in effective(s.expanded))]


def steps_on(facts: Facts, triggers: tuple[str, ...]) -> list[m.CIStep]:
    """CI steps of jobs that run on any of `triggers`, each once, from valid CI files only."""
    seen: dict[tuple, m.CIStep] = {}
    for trigger in triggers:
        for step in m.ci_steps(facts, trigger):
            if not getattr(step.pipeline, "invalid", ""):
                seen.setdefault((step.pipeline.path, step.job.name, step.command), step)
    return list(seen.values())


def missing_paths(facts: Facts, step: m.CIStep) -> list[str]:
    """Scripts and folders a step refers to that the repository does not have."""
    if step.pipeline.path.startswith("../"):
        return []
    missing = []
    dirs = _dirs(facts)
    for line in effective([step.command]):
        for ref in _PATH_REF.findall(line):
            path = posixpath.normpath(ref)
            if not _EXPRESSION.search(ref) and path not in facts.files and not path.startswith(".."):
                missing.append(path)
        for ref in _CD_DIR.findall(line):
            path = posixpath.normpath(ref)
            if not _EXPRESSION.search(ref) and path not in dirs and not path.startswith(("..", "/", "~")):
                missing.append(path + "/")
    return missing


def _dirs(facts: Facts) -> set[str]:
    if "dirs" not in facts.cache:
        found = {"."}
        for path in facts.files:
            folder = path.rpartition("/")[0]
            while folder and folder not in found:  # its parents are in already when it is
                found.add(folder)
                folder = folder.rpartition("/")[0]
        facts.cache["dirs"] = found
    return facts.cache["dirs"]


def _resolvable(facts: Facts, steps: list[m.CIStep]) -> tuple[list[m.CIStep], list[str]]:
    kept, doubts = [], []
    for step in steps:
        missing = missing_paths(facts, step)
        if missing:
            doubts.append(
                f"{step.pipeline.path}: job {step.job.name} calls "
                f"{', '.join(missing[:2])}, not in the repository"
            )
        else:
            kept.append(step)
    return kept, doubts


def test_steps(facts: Facts) -> tuple[list[m.CIStep], list[str]]:
    """Steps that run the project's tests on push or pull request, and why others were left out."""
    steps = _matching(steps_on(facts, CI_TRIGGERS), p.TEST_COMMANDS)
    steps = [s for s in steps if not s.job.manual]
    kept, doubts = _resolvable(facts, steps)
    doubts += [f"{pl.path}: {pl.invalid}" for pl in facts.pipelines if getattr(pl, "invalid", "")]
    return kept, doubts


def pipeline_build_steps(facts: Facts) -> list[m.CIStep]:
    """Steps that on push or pull request build, compile, validate or submit the ML pipeline itself."""
    steps = [s for s in steps_on(facts, CI_TRIGGERS) if not s.job.manual]
    direct = _matching(steps, p.PIPELINE_DEPLOY_COMMANDS + "|" + p.PIPELINE_BUILD_COMMANDS)
    builders = pipeline_module_paths(facts) | pipeline_defining_paths(facts)
    via = [s for path, s in m.invoked_sources(facts, steps).items() if path in builders]
    kept, _ = _resolvable(facts, direct + via)
    return list({id(s): s for s in kept}.values())


def pipeline_module_paths(facts: Facts) -> set[str]:
    """Local modules that deploy, publish or compile a pipeline, or submit or validate one they define or
    import (a bare `.submit(` elsewhere is a thread pool, not a pipeline)."""
    from mlops_level.assess.detect.pipelines import orchestrators
    from mlops_level.assess.detect.serving import with_local_imports

    deploys = m.calls(facts, p.PIPELINE_DEPLOY_CALLS, m.PROD)
    found = {h.source.path for h in deploys if not m.any_match(h.label, p.MODEL_DEPLOY_CALLS)}
    defining = {h.source.path for hits in orchestrators(facts, m.PROD).values() for h in hits}
    for hit in m.calls(facts, p.PIPELINE_SUBMIT_CALLS, m.PROD):
        if hit.source.path in found:
            continue
        if {s.path for s in with_local_imports(facts, {hit.source.path})} & defining:
            found.add(hit.source.path)
    return found


def pipeline_defining_paths(facts: Facts) -> set[str]:
    """Local modules that define an orchestrated pipeline (running one from CI builds and runs it)."""
    from mlops_level.assess.detect.pipelines import orchestrators

    return {h.source.path for hits in orchestrators(facts, m.PROD).values() for h in hits}


def model_deploy_module_paths(facts: Facts) -> set[str]:
    return {h.source.path for h in m.calls(facts, p.MODEL_DEPLOY_CALLS, m.PROD)}


def _registry_calls() -> tuple[str, ...]:
    return tuple(x for calls in p.REGISTRY_CALLS.values() for x in calls) + p.PROMOTION_CALLS


def deploy_steps(facts: Facts) -> tuple[list[m.CIStep], list[str]]:
    """Steps that deploy the pipeline or the model service without a hand step, and why others do not
    count (image pushes only, print-only deploy jobs, missing scripts, manual-only chains)."""
    steps = steps_on(facts, CD_TRIGGERS)
    doubts: list[str] = []
    direct = _matching(steps, p.PIPELINE_DEPLOY_COMMANDS + "|" + p.MODEL_DEPLOY_COMMANDS)
    real = [s for s in direct if not _image_push_only(s)]
    if infra.ml_resources(facts):  # applying Terraform that declares the ML jobs deploys them
        real += _matching(steps, p.IAC_APPLY_COMMANDS)
    deployers = pipeline_module_paths(facts) | model_deploy_module_paths(facts)
    via = [s for path, s in m.invoked_sources(facts, steps).items() if path in deployers]
    kept, missing = _resolvable(facts, real + via)
    doubts += missing
    if direct and not real and not kept:
        doubts.append("CI only builds and pushes an image; nothing deploys it")
    echo_only = [
        s
        for s in steps
        if re.search(r"deploy", s.job.name, re.I) and s.expanded and not effective(s.expanded)
    ]
    if echo_only and not kept:
        doubts.append(f"{echo_only[0].pipeline.path}: job {echo_only[0].job.name} only prints")
    return list({id(s): s for s in kept}.values()), doubts


def _image_push_only(step: m.CIStep) -> bool:
    lines = effective(step.expanded)
    deploys = [
        line
        for line in lines
        if re.search(p.PIPELINE_DEPLOY_COMMANDS + "|" + p.MODEL_DEPLOY_COMMANDS, line, re.I)
    ]
    return bool(deploys) and all(_IMAGE_ONLY.search(line) for line in deploys)


def deploy_kind(step: m.CIStep) -> str:
    text = "\n".join(step.expanded)
    pipeline = p.PIPELINE_DEPLOY_COMMANDS + "|" + p.IAC_APPLY_COMMANDS
    return "the pipeline" if re.search(pipeline, text, re.I) else "the model"


def ci_training_pipeline(facts: Facts) -> list[m.CIStep]:
    """CI used as the training pipeline: one CI configuration whose automatic jobs train the model and, in
    the same or later steps, register or deploy it (at least two steps in all)."""
    from mlops_level.assess.detect.pipelines import training_steps

    found: list[m.CIStep] = []
    steps = steps_on(facts, CD_TRIGGERS)
    handing_over = {h.source.path for h in m.calls(facts, _registry_calls(), m.PROD)}
    handing_over |= model_deploy_module_paths(facts)
    for pipeline in facts.pipelines:
        own = [s for s in steps if s.pipeline is pipeline]
        training = training_steps(facts, own)
        if not training:
            continue
        after = [s for path, s in m.invoked_sources(facts, own).items() if path in handing_over]
        after += _matching(own, p.MODEL_DEPLOY_COMMANDS)
        chain = list({id(s): s for s in training + after}.values())
        if after and len(chain) >= 2:
            found += chain
    return found


def why_no_ci(facts: Facts) -> str:
    if not facts.pipelines:
        return "no CI configuration"
    lint = _matching(steps_on(facts, CI_TRIGGERS), p.LINT_COMMANDS)
    manual = _matching(m.ci_steps(facts, "manual"), p.TEST_COMMANDS + "|" + p.TRAIN_COMMANDS)
    if manual:
        return "CI that tests or trains runs only when started by hand"
    if lint:
        return "CI only lints or formats"
    return "CI runs no tests and does not build the pipeline"


def why_no_cd(facts: Facts, doubts: list[str]) -> str:
    if doubts:
        return doubts[0]
    return "nothing deploys the pipeline or the model automatically"
