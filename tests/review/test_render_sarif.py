"""SARIF 2.1.0 output: exact golden text, validity against the OASIS schema, and the severity mapping."""

import json
from pathlib import Path

import jsonschema

from mlops_level.assess.model import Evidence, Status
from mlops_level.assess.report.sarif import render_sarif

from .conftest import assert_golden, build_report

SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def test_sarif_golden(report):
    assert_golden("report.sarif.json", render_sarif(report))


def test_sarif_validates_against_the_2_1_0_schema(report):
    jsonschema.Draft4Validator(SCHEMA).validate(json.loads(render_sarif(report)))


def test_schema_catches_a_broken_log(report):
    log = json.loads(render_sarif(report))
    log["runs"][0]["results"][0]["level"] = "fatal"
    errors = list(jsonschema.Draft4Validator(SCHEMA).iter_errors(log))
    assert errors


def test_only_located_failing_or_partial_checks_become_results(report):
    results = json.loads(render_sarif(report))["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("ML104", "warning"),
        ("ML104", "warning"),
        ("ML203", "error"),
    ]
    location = results[1]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uri"] == "models/old%20model.joblib"


def test_rules_carry_severity_from_weight_and_help_from_remediation(report):
    rules = json.loads(render_sarif(report))["runs"][0]["tool"]["driver"]["rules"]
    levels = {rule["id"]: rule["defaultConfiguration"]["level"] for rule in rules}
    assert (levels["ML401"], levels["ML001"], levels["ML605"]) == ("error", "warning", "note")
    assert rules[0]["help"]["text"] == "Do what version control needs."


def test_a_passing_repository_has_no_results():
    everything_passes = build_report({r: Status.PASS for r in ("ML104", "ML203", "ML501", "ML604")})
    log = json.loads(render_sarif(everything_passes))
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    assert log["runs"][0]["results"] == []


def test_paths_are_relative_to_the_repository_root_for_a_sub_folder(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "ml" / ".svc").mkdir(parents=True)
    report = build_report()
    report.root = str(tmp_path / "ml" / ".svc")
    report.checks[1].evidence.append(Evidence("../../.github/workflows/train.yml", 4))
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(render_sarif(report))["runs"][0]["results"]
    ]
    assert uris[:3] == [
        "ml/.svc/models/model.pkl",
        "ml/.svc/models/old%20model.joblib",
        ".github/workflows/train.yml",
    ]
