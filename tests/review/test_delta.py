"""The base-vs-head comparison and the regression rule, on hand-built reports."""

from mlops_level.assess.model import Status
from mlops_level.assess.review.delta import compare, delta_to_dict

from .conftest import build_report


def _ids(changes):
    return [change.spec.id for change in changes]


def test_losing_a_required_check_is_a_regression_even_at_the_same_level():
    base = build_report({"ML201": Status.PASS})
    head = build_report({"ML201": Status.FAIL})
    delta = compare(base, head, base_ref="HEAD~1", base_commit="b" * 40)
    assert (_ids(delta.lost), _ids(delta.gained), _ids(delta.required_lost)) == (["ML201"], [], ["ML201"])
    assert not delta.level_dropped and delta.regression


def test_losing_a_normal_check_is_not_a_regression():
    head = build_report({"ML001": Status.PARTIAL})
    delta = compare(build_report(), head, base_ref="main", base_commit="")
    assert _ids(delta.lost) == ["ML001"] and not delta.regression


def test_a_level_drop_is_a_regression():
    delta = compare(build_report(level=1), build_report(level=0), base_ref="main", base_commit="")
    assert delta.level_dropped and delta.regression and delta.lost == []


def test_gains_and_other_changes():
    base = build_report({"ML203": Status.FAIL, "ML505": Status.FAIL, "ML104": Status.FAIL})
    head = build_report({"ML203": Status.PASS, "ML505": Status.NOT_APPLICABLE, "ML104": Status.PARTIAL})
    delta = compare(base, head, base_ref="main", base_commit="")
    assert _ids(delta.gained) == ["ML203"]
    assert _ids(delta.changed) == ["ML104", "ML203", "ML505"]
    assert delta.lost == [] and not delta.regression


def test_ignoring_a_passing_check_is_a_change_not_a_loss():
    delta = compare(build_report(), build_report({"ML201": Status.IGNORED}), base_ref="main", base_commit="")
    assert (_ids(delta.changed), delta.lost) == (["ML201"], [])


def test_delta_as_json():
    base = build_report({"ML201": Status.PASS, "ML203": Status.FAIL})
    head = build_report({"ML201": Status.FAIL, "ML203": Status.PASS}, level=0)
    assert delta_to_dict(compare(base, head, base_ref="main", base_commit="abc")) == {
        "base_ref": "main",
        "base_commit": "abc",
        "level_before": 1,
        "level_after": 0,
        "progress_before": 25,
        "progress_after": 70,
        "gained": ["ML203"],
        "lost": ["ML201"],
        "required_lost": ["ML201"],
        "regression": True,
        "changed": [
            {"id": "ML201", "before": "pass", "after": "fail"},
            {"id": "ML203", "before": "fail", "after": "pass"},
        ],
    }
