"""Renderers: exact text output, the JSON schema, and the renderer registry."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from mlops_level.assess import report_to_dict, run
from mlops_level.assess.report.json import render_json
from mlops_level.assess.report.render import RENDERERS
from mlops_level.assess.report.text import render_text

from .reports import small_report

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "report.schema.json").read_text())

TEXT = """\
mlops-level 9.9.9 · /repo @ 0123456789ab
Detected stack: MLflow, Prefect

Level 0 — 60% toward Level 1 [██████░░░░]
Blocked by: ML201 pipeline-as-code
Checks: 1 passed, 1 partial, 1 failed, 1 n/a, 1 ignored · tier 1 60%, tier 2 0%

Code structure
  ✔ ML001 [F] Version control
      pass: git repository, 3 commit(s)
      · .  3 commit(s)

Pipeline & continuous training
  ◐ ML201 [1*] Pipeline as code
      partial: a training script
      · src/train.py:4  model.fit(X, y)
      · Makefile
      · a.py:1
      · … 1 more (--verbose)
  ⊘ ML203 [1*] CT trigger
      ignored: scheduled in the console (the check found: no schedule)
  – ML205 [1] Feature store
      n/a: no online serving

CI/CD
  ✘ ML501 [2*] CI configured
      fail: no CI

Next steps toward Level 1
  1. ML201 (required) Fix ML201.

Warnings (1)
  ! skipped big.py: over the 1 MB limit

* required check · [F] foundation, [1] Level 1, [2] Level 2 · rule: docs/assess.md
"""


def test_text_report_golden():
    assert render_text(small_report()) == TEXT


def test_verbose_text_shows_every_piece_of_evidence():
    verbose = render_text(small_report(), True)
    assert "      · b.py:2\n" in verbose and "more (--verbose)" not in verbose


def test_colour_only_when_asked():
    assert "\x1b[" not in render_text(small_report())
    assert "\x1b[" in render_text(small_report(), color=True)


def test_json_object_matches_the_published_schema(fixture_repo):
    document = json.loads(render_json(run(fixture_repo("l1_metaflow_ignored"))))
    jsonschema.validate(document, SCHEMA)
    assert (document["schema_version"], document["level"], document["next_level"]) == ("1.1", 1, 2)
    check = next(c for c in document["checks"] if c["id"] == "ML203")
    assert (check["status"], check["score"], check["ignore_reason"]) == (
        "ignored",
        None,
        "scheduled by Argo Workflows from the platform repository",
    )
    assert document["counts"]["ignored"] == 2


def test_small_report_dict_matches_the_schema():
    jsonschema.validate(
        report_to_dict(small_report()),
        {**SCHEMA, "properties": {**SCHEMA["properties"], "repo": {"type": "object"}}},
    )


def test_markdown_is_a_checklist_with_relative_links():
    markdown = RENDERERS["markdown"](small_report(), False)
    assert "- [x] **ML001**" in markdown and "- [ ] **ML201**" in markdown
    assert "[`src/train.py:4`](src/train.py#L4)" in markdown


def test_every_renderer_takes_report_and_verbose():
    for name, renderer in RENDERERS.items():
        assert isinstance(renderer(small_report(), True), str), name


def test_every_renderer_states_the_same_verdict(fixture_repo):
    report = run(fixture_repo("l1_prefect_mlflow_dvc"))
    verdict = report_to_dict(report)["verdict"]
    assert (verdict["level"], verdict["confidence"]) == (1, "high")
    assert [c["capability"] for c in verdict["missing"]] == ["ci", "cd"]
    text = RENDERERS["text"](report, False)
    assert "Why Level 1 (confidence high):" in text
    assert (
        "✔ orchestrated training pipeline: a Prefect pipeline that trains the model (src/wine/flow.py:"
        in text
    )
    assert "✘ CD that deploys the pipeline or the model:" in text
    markdown = RENDERERS["markdown"](report, False)
    assert "**Why Level 1 (confidence high):**" in markdown
    assert "- ❌ **CI that tests or builds the ML code**: no CI configuration" in markdown
    sarif = json.loads(RENDERERS["sarif"](report, False))
    assert sarif["runs"][0]["properties"]["verdict"] == verdict


def test_ticked_checklist_starts_with_the_deciding_capabilities(fixture_repo):
    from mlops_level.assess.review.checklist import checklist_markdown

    report = run(fixture_repo("verdict/v1_image_push_only"))
    text = checklist_markdown(2, report)
    assert "Decided by (Level 1, confidence " in text
    assert "- [x] **orchestrated training pipeline**" in text
    assert "- [ ] **CD that deploys the pipeline or the model**: CI only builds and pushes an image" in text
