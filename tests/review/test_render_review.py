"""The pull-request Markdown: level, delta, checklist; and GitHub's comment size limit."""

from mlops_level.assess.model import CheckResult, Evidence, Report, Status
from mlops_level.assess.report.markdown import GITHUB_COMMENT_LIMIT, TRUNCATION_NOTE, render_review
from mlops_level.assess.review.delta import compare

from .conftest import SPECS, assert_golden, build_report, spec


def test_review_with_delta_golden():
    base = build_report({"ML201": Status.FAIL, "ML401": Status.PASS}, level=1)
    head = build_report({"ML201": Status.PASS, "ML401": Status.FAIL}, level=0)
    delta = compare(base, head, base_ref="origin/main", base_commit="c0ffee" * 6 + "abcd")
    assert_golden("review-delta.md", render_review(head, delta))


def test_review_without_delta_golden(report):
    assert_golden("review.md", render_review(report))


def _huge_report(checks: int, evidence: int) -> Report:
    sample = build_report()
    results = [
        CheckResult(
            spec=spec(f"ML{900 + n}", f"Generated check number {n}", "1", SPECS[2].weight),
            status=Status.FAIL,
            reason="x" * 200,
            evidence=[Evidence(f"pkg/module_{n}/file_{k}.py", k + 1, "y" * 80) for k in range(evidence)],
        )
        for n in range(checks)
    ]
    return Report(
        root="/big", schema_version="1", tool_version="0", stack=[], checks=results, rating=sample.rating
    )


def test_large_report_is_summarised_before_it_is_cut():
    text = render_review(_huge_report(checks=60, evidence=400))
    assert len(text) <= GITHUB_COMMENT_LIMIT
    assert "and 399 more" in text and TRUNCATION_NOTE not in text


def test_huge_report_is_cut_at_a_line_with_a_note():
    text = render_review(_huge_report(checks=400, evidence=3))
    assert len(text) <= GITHUB_COMMENT_LIMIT and text.endswith(TRUNCATION_NOTE)
    assert "<details>" not in text and text.startswith("## MLOps maturity: Level 1 — 25% toward Level 2")


def test_limit_is_a_parameter(report):
    text = render_review(report, limit=1500)
    assert len(text) <= 1500 and text.endswith(TRUNCATION_NOTE)
