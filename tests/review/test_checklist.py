"""The review checklist: blank from the rubric, ticked from a report, cumulative by level."""

import pytest

from mlops_level.assess.model import Evidence
from mlops_level.assess.review.checklist import (
    MANUAL_ITEMS,
    checklist_markdown,
    default_target,
    evidence_link,
)

from .conftest import SPECS, assert_golden, build_report


def test_blank_checklist_golden():
    assert_golden("checklist-blank-level2.md", checklist_markdown(2, specs=SPECS))


def test_ticked_checklist_golden(report):
    assert_golden("checklist-report-level2.md", checklist_markdown(2, report, link_base="https://h/b/sha/"))


def test_level_one_leaves_out_level_two_checks_and_manual_items():
    text = checklist_markdown(1, specs=SPECS)
    assert "ML501" not in text and "ML201" in text
    assert MANUAL_ITEMS[1][0] in text and MANUAL_ITEMS[2][0] not in text


def test_evidence_is_capped_and_the_rest_counted(report):
    text = checklist_markdown(1, report, max_evidence=2)
    assert "tests/test_1.py" in text and "tests/test_2.py" not in text
    assert "and 5 more" in text
    assert "<details>" not in checklist_markdown(1, report, max_evidence=0)


def test_default_target_is_the_next_level():
    assert default_target(None) == 1
    assert [default_target(build_report(level=n)) for n in (0, 1, 2)] == [1, 2, 2]


def test_level_zero_has_no_checklist():
    with pytest.raises(ValueError):
        checklist_markdown(0, specs=SPECS)


def test_evidence_link_escapes_backticks_and_shortens_snippets():
    link = evidence_link(Evidence("a`b.py", 3, "x" * 300), "https://h/")
    assert link.startswith("[``a`b.py:3``](https://h/a%60b.py#L3) `xxx")
    assert link.endswith("…`") and len(link) < 160


def test_blank_level_two_checklist_lists_the_whole_rubric_once():
    from mlops_level.assess import CHECKS

    text = checklist_markdown(2)
    assert all(text.count(f"**{spec.id}**") == 1 for spec in CHECKS)
    assert text.count("- [ ] ") == len(CHECKS) + len(MANUAL_ITEMS[1]) + len(MANUAL_ITEMS[2])
