"""The capabilities that define the levels (see `docs/assess.md`, "How the level is decided").

Level 1: training is an orchestrated, multi-step pipeline defined in code or pipeline config, plus at least
one metadata or validation part (tracking or ML metadata, a registry push, data or model validation, data
versioning); an automated trigger makes it clear. Level 2: that pipeline, plus CI that on pull request or
push runs the tests or builds and checks the pipeline, plus CD that deploys the pipeline or the model
without hand steps.

Each capability is computed once from the facts and the check results, with the evidence that decides it
and the doubts that lower the confidence of a verdict (a pipeline found only through CI, a test step that
calls a missing script, a deploy job that only echoes). `rating.py` turns them into a level; nothing here
decides a level.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mlops_level.assess.detect import cicd, infra
from mlops_level.assess.detect import match as m
from mlops_level.assess.detect import patterns as p
from mlops_level.assess.detect import pipelines as pl
from mlops_level.assess.facts.repository import Facts
from mlops_level.assess.model import Capability, CheckResult, Evidence, Status

MAX_EVIDENCE = 6

# metadata / validation parts of Level 1, each proved by one check passing
METADATA_PARTS = {
    "ML301": "experiment tracking",
    "ML302": "ML metadata and lineage",
    "ML303": "model registry",
    "ML304": "registry promotion",
    "ML402": "data validation",
    "ML403": "model validation gate",
    "ML103": "data versioning",
}
_TRAIN_WORDS = re.compile(r"train|fit|tune|sweep|automl|hyperdrive|estimator|trainingstep|learn", re.I)


def capabilities(facts: Facts, results: Sequence[CheckResult]) -> dict[str, Capability]:
    """Every defining capability of the repository, keyed pipeline, metadata, trigger, ci, cd."""
    status = {r.spec.id: r for r in results}
    finders = {
        "pipeline": lambda: _pipeline(facts, status),
        "metadata": lambda: _metadata(status),
        "trigger": lambda: _trigger(facts, status),
        "ci": lambda: _ci(facts),
        "cd": lambda: _cd(facts),
    }
    found = {}
    for key, finder in finders.items():
        try:
            found[key] = finder()
        except (TypeError, AttributeError, ValueError, KeyError, RecursionError) as exc:
            # a configuration of a shape no rule expected: the capability is not proven, the rest goes on
            kind = exc.__class__.__name__
            facts.warnings.append(f"could not read the {key} capability ({kind}: {exc}); counted as absent")
            found[key] = Capability(key, key, False, f"could not be read ({kind})", [], [f"{key}: {kind}"])
    return found


# --- Level 1 -
def _pipeline(facts: Facts, status: dict[str, CheckResult]) -> Capability:
    label = "orchestrated training pipeline"
    remediation = status["ML201"].spec.remediation
    code = pl.orchestrators(facts, m.PROD)
    declared = pl.yaml_pipelines(facts)
    declared.update(infra.declared_pipelines(facts))
    if code or declared:
        tools = sorted(set(code) | set(declared))
        evidence = [e for hits in code.values() for e in m.evidence(hits)[:3]]
        evidence += [e for items in declared.values() for e in items[:3]]
        training = pipeline_trains(facts, code, declared)
        if training:
            doubts = []
            if status["ML002"].status is Status.FAIL and facts.by_role("notebook"):
                doubts.append("the pipeline's steps are notebooks rather than modules")
            return Capability(
                "pipeline",
                label,
                True,
                f"a {', '.join(tools)} pipeline that trains the model",
                (training + evidence)[:MAX_EVIDENCE],
                doubts,
                remediation,
            )
        return Capability(
            "pipeline",
            label,
            False,
            f"a {', '.join(tools)} pipeline exists, but none of its steps trains a model",
            evidence[:MAX_EVIDENCE],
            ["the pipeline found does not train"],
            "Make training (and its evaluation) steps of the orchestrated pipeline.",
        )
    ci_pipeline = cicd.ci_training_pipeline(facts)
    if ci_pipeline:
        return Capability(
            "pipeline",
            label,
            True,
            "CI jobs run the training steps in sequence (the CI system is the orchestrator)",
            m.step_evidence(ci_pipeline)[:MAX_EVIDENCE],
            ["the only orchestrator is the CI system"],
            remediation,
        )
    elsewhere = pl.orchestrators(facts, ("notebook", "example"))
    if elsewhere:
        hits = [h for items in elsewhere.values() for h in items]
        return Capability(
            "pipeline",
            label,
            False,
            f"{', '.join(sorted(elsewhere))} pipeline only in notebooks or examples",
            m.evidence(hits)[:MAX_EVIDENCE],
            ["the pipeline is only in notebooks or examples"],
            remediation,
        )
    ml201 = status["ML201"]
    why = ml201.reason if ml201.status is Status.PARTIAL else "no orchestrated pipeline"
    return Capability("pipeline", label, False, why, ml201.evidence[:MAX_EVIDENCE], [], remediation)


def pipeline_trains(
    facts: Facts, code: dict[str, list], declared: dict[str, list[Evidence]]
) -> list[Evidence]:
    """Evidence that the pipeline found trains a model: a step named for training, a training call in a
    pipeline module or a local module it imports, or a training command in a declared pipeline."""
    for name, ev in pl.stage_names(facts):
        if _TRAIN_WORDS.search(name):
            return [ev]
    from mlops_level.assess.detect.serving import with_local_imports

    defining = {h.source.path for hits in code.values() for h in hits if h.source.facts is not None}
    defining |= {s.path for s in _declared_step_sources(facts, declared)}
    for source in with_local_imports(facts, defining, depth=3):
        for call in source.facts.calls:
            if m.any_match(call.name, p.TRAINING_CALLS):
                return [Evidence(source.path, call.line, source.facts.snippet(call.line))]
    for items in declared.values():
        for ev in items:
            text = facts.texts.get(ev.path, "")
            if _TRAIN_WORDS.search(text):
                return [ev]
    return []


def _declared_step_sources(facts: Facts, declared: dict[str, list[Evidence]]):
    """Local Python modules the commands of declared pipelines run (`cmd: python src/train.py`)."""
    steps = []
    for items in declared.values():
        for ev in items:
            text = facts.texts.get(ev.path, "")
            steps += [line.strip() for line in text.splitlines() if "python" in line or " -m " in line]
    found = []
    for line in steps:
        for match in m.PY_MODULE.finditer(line):
            target = next(g for g in match.groups() if g)
            path = target.lstrip("./") if target.endswith(".py") else facts.module_path(target)
            if path in facts.sources and facts.sources[path].facts is not None:
                found.append(facts.sources[path])
    return found


def _metadata(status: dict[str, CheckResult]) -> Capability:
    parts = [(cid, what) for cid, what in METADATA_PARTS.items() if status[cid].status is Status.PASS]
    if parts:
        evidence = [e for cid, _ in parts for e in status[cid].evidence[:2]]
        return Capability(
            "metadata",
            "metadata or validation",
            True,
            ", ".join(what for _, what in parts),
            evidence[:MAX_EVIDENCE],
        )
    partial = [what for cid, what in METADATA_PARTS.items() if status[cid].status is Status.PARTIAL]
    return Capability(
        "metadata",
        "metadata or validation",
        False,
        "no tracking, registry, validation or data versioning in the pipeline code"
        + (f" (only partly: {', '.join(partial)})" if partial else ""),
        [],
        [],
        "Track runs (MLflow, W&B), register the model, or validate data/models inside the pipeline.",
    )


def _trigger(facts: Facts, status: dict[str, CheckResult]) -> Capability:
    ml203 = status["ML203"]
    extra = infra.schedules(facts)
    if ml203.status is not Status.PASS and not extra:
        from mlops_level.assess.detect.pipelines import training_steps

        on_push = training_steps(facts, cicd.steps_on(facts, ("push",)))
        if on_push:
            return Capability(
                "trigger",
                "automated retraining trigger",
                True,
                "CI retrains on every push",
                m.step_evidence(on_push)[:MAX_EVIDENCE],
            )
    if ml203.status is Status.PASS or extra:
        return Capability(
            "trigger",
            "automated retraining trigger",
            True,
            ml203.reason if ml203.status is Status.PASS else "retraining scheduled in infrastructure code",
            (ml203.evidence if ml203.status is Status.PASS else extra)[:MAX_EVIDENCE],
        )
    return Capability(
        "trigger",
        "automated retraining trigger",
        False,
        ml203.reason,
        ml203.evidence[:MAX_EVIDENCE],
        [],
        ml203.spec.remediation,
    )


# --- Level 2 -
def _ci(facts: Facts) -> Capability:
    label = "CI that tests or builds the ML code"
    remediation = "Run the project's tests (or build and check the pipeline) on every pull request and push."
    tests, doubts = cicd.test_steps(facts)
    builds = cicd.pipeline_build_steps(facts)
    iac = infra.ci_pipelines(facts)
    if tests or builds or iac:
        what = []
        if tests:
            what.append("runs the tests")
        if builds or iac:
            what.append("builds and checks the pipeline")
        on_pr = any("pull_request" in s.pipeline.triggers for s in tests + builds)
        if not on_pr and tests:
            doubts = [*doubts, "tests run on push, not on pull requests"]
        if not tests:
            doubts = [*doubts, "CI runs no tests; the pipeline build is the only check"]
        return Capability(
            "ci",
            label,
            True,
            f"CI {' and '.join(what)}",
            (m.step_evidence(tests + builds) + iac)[:MAX_EVIDENCE],
            doubts,
            remediation,
        )
    reason = cicd.why_no_ci(facts) or "no CI configuration"
    return Capability("ci", label, False, reason, [], doubts, remediation)


def _cd(facts: Facts) -> Capability:
    label = "CD that deploys the pipeline or the model"
    remediation = (
        "On merge, deploy from CI without hand steps: the pipeline (`prefect deploy`, `databricks bundle "
        "deploy`, KFP submit, `pipeline.upsert`) or the model service (endpoint, Helm, Cloud Run ...)."
    )
    steps, doubts = cicd.deploy_steps(facts)
    iac = infra.cd_pipelines(facts)
    if steps or iac:
        return Capability(
            "cd",
            label,
            True,
            "CI/CD deploys "
            + " and ".join(
                sorted({cicd.deploy_kind(s) for s in steps} | ({"the pipeline"} if iac else set()))
            ),
            (m.step_evidence(steps) + iac)[:MAX_EVIDENCE],
            doubts,
            remediation,
        )
    return Capability("cd", label, False, cicd.why_no_cd(facts, doubts), [], doubts, remediation)
