"""ML4xx: tests, data validation and model validation gates."""

from __future__ import annotations

import re

from mlops_level.assess.checks.registry import check
from mlops_level.assess.detect import match as m
from mlops_level.assess.detect import patterns as p
from mlops_level.assess.detect import serving as sv
from mlops_level.assess.facts.repository import Facts, Source
from mlops_level.assess.model import Evidence, Finding, Status, Weight


def test_sources(facts: Facts) -> list[Source]:
    return [
        s
        for s in facts.by_role("test")
        if any(name.startswith("test") for name, _ in s.facts.functions)
        or any(base.endswith("TestCase") for base, _, _ in s.facts.bases)
    ]


@check(
    "ML401",
    "tests-exist",
    "The project has automated tests",
    level="F",
    weight=Weight.REQUIRED,
    remediation="Add pytest tests under `tests/` for the data, feature and model code.",
    url="https://docs.pytest.org/en/stable/getting-started.html",
)
def tests_exist(facts: Facts) -> Finding:
    """Test modules with test functions or `TestCase` classes (`tests/`, `test_*.py`, `*_test.py`). A test
    configuration without tests is partial."""
    tests = test_sources(facts)
    if tests:
        count = sum(1 for s in tests for name, _ in s.facts.functions if name.startswith("test"))
        return Finding(
            Status.PASS,
            f"{count} test function(s) in {len(tests)} file(s)",
            [Evidence(s.path) for s in tests][:10],
        )
    config = facts.paths_matching(r"(^|/)(pytest\.ini|tox\.ini|noxfile\.py|conftest\.py)$")
    config += [path for path, doc in facts.toml.items() if "pytest" in doc.get("tool", {})]
    if config:
        return Finding(Status.PARTIAL, "test configuration but no test functions", m.file_evidence(config))
    return Finding(Status.FAIL, "no tests")


@check(
    "ML402",
    "data-validation-in-pipeline",
    "Data is validated before training",
    level="1",
    weight=Weight.REQUIRED,
    remediation=(
        "Validate input data in the pipeline before training (pandera schemas, Great Expectations "
        "checkpoints, TFDV, Deepchecks data integrity, Evidently tests) and stop on schema skew."
    ),
    url="https://pandera.readthedocs.io/en/stable/",
)
def data_validation(facts: Facts) -> Finding:
    """Data validation in production code: pandera, Great Expectations (code or a `gx/` project with
    checkpoints), TFDV/TFX ExampleValidator, Deepchecks, Evidently tests, Soda, whylogs constraints.
    Validation only in tests or notebooks, or plain pydantic record models, is partial."""
    found = {
        tool: hits
        for tool, hits in m.by_tool(facts, p.DATA_VALIDATION, m.ANY_CODE, "imports").items()
        if hits and tool != "pydantic"
    }
    found.update(
        {
            tool: hits
            for tool, hits in m.by_tool(facts, p.DATA_VALIDATION, m.ANY_CODE).items()
            if hits and tool != "pydantic" and tool not in found
        }
    )
    hits = [h for items in found.values() for h in items]
    if m.production(hits):
        return Finding(
            Status.PASS,
            f"{', '.join(sorted(t for t, h in found.items() if m.production(h)))} "
            f"validation in {m.where_hits(m.production(hits))}",
            m.evidence(m.production(hits)),
        )
    gx = facts.paths_matching(r"(^|/)(gx|great_expectations)/(great_expectations\.yml|checkpoints/)")
    if gx:
        return Finding(Status.PASS, "Great Expectations project with checkpoints", m.file_evidence(gx))
    in_tests = [
        h for items in m.by_tool(facts, p.DATA_VALIDATION, ("test",), "imports").values() for h in items
    ]
    models = m.bases(facts, ("pydantic.BaseModel",), m.PROD)
    if hits or in_tests or models:
        what = "validation only in notebooks or tests" if hits or in_tests else "only pydantic record models"
        return Finding(Status.PARTIAL, what, m.evidence(hits + in_tests + models))
    return Finding(Status.FAIL, "no data validation")


DECISION = re.compile(r"promot|approv|accept|passed|deploy|register|allow|ok$|valid", re.I)


def metric_gates(facts: Facts, roles: tuple[str, ...]) -> list[m.Hit]:
    """`if metric < threshold: raise/exit/return/promote` (or set a decision such as `promote = False`) and
    `assert metric >= threshold` in code."""
    words = re.compile(rf"(^|_)({p.METRIC_WORDS})(_|$|\d)", re.I)
    promote = p.PROMOTION_CALLS + tuple(x for v in p.REGISTRY_CALLS.values() for x in v)
    hits = []
    for source in facts.by_role(*roles):
        for gate in source.facts.gates:
            if any(words.search(w) for w in gate.words) and (
                gate.blocks
                or any(m.any_match(c, promote) for c in gate.calls)
                or any(DECISION.search(name) for name in gate.assigns)
            ):
                hits.append(m.Hit(source, gate.line, "gate"))
    return hits


@check(
    "ML403",
    "model-validation-gate",
    "A model validation gate can block promotion",
    level="1",
    weight=Weight.REQUIRED,
    remediation=(
        "After evaluation, compare metrics with a threshold (and the production model) and stop the pipeline"
        " or skip promotion when the candidate is not good enough."
    ),
    url="https://mlflow.org/docs/latest/ml/evaluation/",
)
def model_gate(facts: Facts) -> Finding:
    """A gate that can block promotion: `mlflow.validate_evaluation_results`/`MetricThreshold`, TFMA
    thresholds, SageMaker `ConditionStep`, KFP `dsl.If`/`Condition`, Deepchecks model evaluation, Giskard,
    or code like `if metric < threshold: raise` in the pipeline. Metrics computed but never gated are
    partial."""
    hits = m.calls(facts, p.MODEL_GATE_CALLS) + metric_gates(facts, m.ANY_CODE)
    if hits:
        return m.by_role(hits, "model validation gate", missing="")
    metrics = m.calls(facts, p.METRIC_CALLS + ("mlflow.log_metric", "mlflow.log_metrics"), m.ANY_CODE)
    if metrics:
        return Finding(
            Status.PARTIAL,
            "metrics are computed but nothing gates promotion on them",
            m.evidence(metrics)[:5],
        )
    return Finding(Status.FAIL, "no model evaluation or gate")


@check(
    "ML404",
    "champion-challenger",
    "The candidate is compared with the production model",
    level="1",
    weight=Weight.NORMAL,
    remediation=(
        "Load the current production model (e.g. `models:/name@champion`), evaluate both on the same test "
        "set and promote the candidate only if it is better."
    ),
    url=(
        "https://cloud.google.com/architecture/mlops-continuous-delivery-and-automation-pipelines-in-machine-learning#data_and_model_validation"  # noqa: E501
    ),
)
def champion_challenger(facts: Facts) -> Finding:
    """A comparison with the current production model before promotion: `MetricThreshold(min_absolute_change=,
    min_relative_change=)` with a baseline, TFMA `GenericChangeThreshold`, or code that reads the champion
    or production model and gates on the comparison."""
    change = m.calls(facts, p.CHANGE_GATE, m.ANY_CODE, kwargs=p.CHANGE_GATE_KWARGS)
    readers = m.calls(facts, p.CHAMPION_READ_CALLS, m.ANY_CODE)
    readers += m.call_arguments(facts, p.ALIAS_WORDS, m.ANY_CODE)
    reader_files = {h.source.path for h in readers}
    gates = [h for h in metric_gates(facts, m.ANY_CODE) if h.source.path in reader_files]
    if change or gates:
        return m.by_role(change + gates, "candidate compared with the production model", missing="")
    if readers:
        return Finding(
            Status.PARTIAL,
            "the production model is referenced but the candidate is not compared with it",
            m.evidence(readers)[:5],
        )
    return Finding(Status.FAIL, "no comparison with the current production model")


@check(
    "ML405",
    "sliced-evaluation",
    "The model is evaluated on data slices",
    level="1",
    weight=Weight.LOW,
    remediation=(
        "Report metrics per important segment (Fairlearn `MetricFrame`, TFMA slicing specs, groupby + "
        "metric) and gate on the worst slice."
    ),
    url="https://fairlearn.org/main/user_guide/assessment/",
)
def sliced_evaluation(facts: Facts) -> Finding:
    """Fairlearn `MetricFrame`, TFMA `SlicingSpec`, Deepchecks segment checks, Giskard scans, or `groupby` in
    a module that computes metrics."""
    tools = m.calls(facts, tuple(x for x in p.SLICE_CALLS if x != ".groupby"))
    metric_files = {h.source.path for h in m.calls(facts, p.METRIC_CALLS)}
    grouped = [h for h in m.calls(facts, (".groupby",)) if h.source.path in metric_files]
    return m.by_role(tools + grouped, "sliced evaluation", missing="no per-slice evaluation")


def _ml_test_kinds(source: Source) -> dict[str, int]:
    kinds: dict[str, int] = {}
    calls = source.facts.calls
    for kind, found in (
        ("no-NaN", [c.line for c in calls if m.any_match(c.name, p.NAN_CALLS)]),
        ("pipeline integration", [c.line for c in calls if m.any_match(c.name, p.INTEGRATION_CALLS)]),
        (
            "artifacts",
            [
                g.line
                for g in source.facts.gates
                if any(re.search(p.ARTIFACT_WORDS, "." + w) for w in g.words)
            ],
        ),
        (
            "convergence",
            [g.line for g in source.facts.gates if any(re.search(p.CONVERGENCE_WORDS, w) for w in g.words)],
        ),
        (
            "model quality",
            [
                g.line
                for g in source.facts.gates
                if any(re.search(rf"(^|_)({p.METRIC_WORDS})", w) for w in g.words)
            ],
        ),
    ):
        if found:
            kinds[kind] = min(found)
    return kinds


@check(
    "ML406",
    "ml-specific-tests",
    "Tests cover the ML code (features, training, no NaN, artifacts)",
    level="2",
    weight=Weight.REQUIRED,
    remediation=(
        "Add tests that import the feature and model code and check Google's CI list: feature unit tests, "
        "training converges, no NaN, expected artifacts, pipeline integration on sample data."
    ),
    url=(
        "https://research.google/pubs/the-ml-test-score-a-rubric-for-ml-production-readiness-and-technical-debt-reduction/"  # noqa: E501
    ),
)
def ml_tests(facts: Facts) -> Finding:
    """Tests that import the project's own modules and check ML properties: no NaN/finite outputs, pipeline
    integration (`prefect_test_harness`, Kedro runner, KFP local, Dagster `materialize`, subprocess runs),
    expected artifacts, convergence or metric thresholds. Two kinds or more pass; project tests without ML
    checks are partial."""
    local = facts.local_modules
    found: dict[str, Evidence] = {}
    importing = []
    for source in test_sources(facts):
        imports_project = source.facts.relative_imports or any(
            name.split(".")[0] in local for name, _ in source.facts.imports
        )
        if not imports_project:
            continue
        importing.append(source)
        for kind, line in _ml_test_kinds(source).items():
            found.setdefault(kind, Evidence(source.path, line, source.facts.snippet(line)))
    if len(found) >= 2:
        return Finding(Status.PASS, f"ML tests: {', '.join(found)}", list(found.values()))
    if importing:
        kinds = f" ({', '.join(found)})" if found else ""
        return Finding(
            Status.PARTIAL,
            f"tests import the project but check few ML properties{kinds}",
            list(found.values()) + [Evidence(s.path) for s in importing][:5],
        )
    return Finding(Status.FAIL, "no tests of the project's ML code")


@check(
    "ML407",
    "serving-contract-tests",
    "The prediction service's API is tested",
    level="2",
    weight=Weight.NORMAL,
    remediation=(
        "Test the serving API in CI (FastAPI `TestClient`, BentoML testing, "
        "`mlflow.models.validate_serving_input`) and declare a model signature."
    ),
    url="https://fastapi.tiangolo.com/tutorial/testing/",
)
def serving_tests(facts: Facts) -> Finding:
    """Tests that call the serving app (`TestClient`, Flask `test_client`, BentoML testing,
    `validate_serving_input`, load tests with locust). A model signature alone is partial. Not applicable
    without online serving."""

    if not sv.online_serving(facts):
        return Finding(Status.NOT_APPLICABLE, "no online serving")
    hits = m.calls(facts, p.SERVING_TEST_CALLS, ("test",)) + m.bases(facts, ("locust.HttpUser",), m.ANY_CODE)
    if hits:
        return Finding(Status.PASS, f"serving API tested in {m.where_hits(hits)}", m.evidence(hits))
    signature = m.calls(facts, p.SIGNATURE_CALLS, m.PROD) + m.kwarg_calls(facts, ("signature",), m.PROD)
    if signature:
        return Finding(Status.PARTIAL, "model signature declared, API not tested", m.evidence(signature))
    return Finding(Status.FAIL, "the serving API has no tests")
