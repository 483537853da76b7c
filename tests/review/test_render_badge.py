"""The shields.io endpoint badge."""

import json

from mlops_level.assess.report.badge import render_badge

from .conftest import build_report


def test_badge_level_one(report):
    assert json.loads(render_badge(report)) == {
        "schemaVersion": 1,
        "label": "MLOps",
        "message": "Level 1 · 25%",
        "color": "yellow",
    }


def test_badge_level_zero_and_top_of_scale():
    assert json.loads(render_badge(build_report(level=0)))["message"] == "Level 0 · 70%"
    assert json.loads(render_badge(build_report(level=0)))["color"] == "red"
    top = json.loads(render_badge(build_report(level=2)))
    assert (top["message"], top["color"]) == ("Level 2", "brightgreen")
