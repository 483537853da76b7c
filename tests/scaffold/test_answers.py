from __future__ import annotations

import re

import pytest

from mlops_level.errors import UserError
from mlops_level.scaffold.answers import load_config, parse_set, resolve


def test_defaults_fill_every_answer():
    context = resolve({})
    assert context["level"] == "0"
    assert context["project_slug"] == "breast-cancer-classifier"
    assert context["package_name"] == "breast_cancer_classifier"
    assert context["python_version"] == "3.11"


def test_later_layers_win():
    context = resolve({"project_name": "a", "level": 2}, {"level": "1"})
    assert (context["project_slug"], context["level"]) == ("a", "1")


def test_parse_set():
    assert parse_set(["author=Ada = Lovelace", "level=1"]) == {"author": "Ada = Lovelace", "level": "1"}
    with pytest.raises(UserError, match="KEY=VALUE"):
        parse_set(["author"])


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"colour": "red"}, "unknown answer 'colour'"),
        ({"project_slug": "x"}, "derived from project_name"),
        ({"level": "3"}, "level must be one of 0, 1, 2"),
        ({"python_version": "3.9"}, "python_version must look like 3.11"),
        ({"python_version": "three"}, "python_version must look like 3.11"),
        ({"author": "{{ 7 * 7 }}"}, "template syntax"),
        ({"description": "two\nlines"}, "control character"),
        ({"author": ["a", "b"]}, "must be a string or a number"),
    ],
)
def test_bad_answers(answers, message):
    with pytest.raises(UserError, match=re.escape(message)):
        resolve(answers)


def test_config_yaml_and_json(tmp_path):
    (tmp_path / "a.yaml").write_text("project_name: churn\nlevel: 1\n")
    (tmp_path / "a.json").write_text('{"project_name": "churn", "level": 1}')
    assert (
        load_config(tmp_path / "a.yaml")
        == load_config(tmp_path / "a.json")
        == {"project_name": "churn", "level": 1}
    )


@pytest.mark.parametrize(
    ("text", "message"), [("- a\n- b\n", "must hold a mapping"), ("a: [\n", "not valid YAML")]
)
def test_bad_config(tmp_path, text, message):
    (tmp_path / "c.yaml").write_text(text)
    with pytest.raises(UserError, match=message):
        load_config(tmp_path / "c.yaml")


def test_missing_config(tmp_path):
    with pytest.raises(UserError, match="cannot read config file"):
        load_config(tmp_path / "nope.yaml")


def test_python_310_only_at_level_0():
    assert resolve({"python_version": "3.10"})["python_version"] == "3.10"
    with pytest.raises(UserError, match="3.11 or newer"):
        resolve({"python_version": "3.10", "level": "1"})
