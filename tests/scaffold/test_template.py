"""Checks every level's rendered project must pass: clean, valid files, the answers file, a sound manifest."""

from __future__ import annotations

import ast
import json
import sys

import nbformat
import pytest
import yaml

from mlops_level.scaffold import render
from mlops_level.scaffold.generate import leftovers, read_answers
from mlops_level.scaffold.manifest import load_rules
from mlops_level.scaffold.template import template_root, variables

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

LEVELS = [0, 1, 2]


@pytest.mark.parametrize("level", LEVELS)
def test_rendered_project_is_clean(baked, level):
    project = baked(level)
    assert leftovers(project) == []
    assert not [path for path in project.rglob("*") if path.name == "__pycache__" or path.suffix == ".pyc"]


@pytest.mark.parametrize("level", LEVELS)
def test_answers_file_is_cruft_compatible(bake, level):
    project = bake(level, project_name="Churn Model", author="Ada")
    record = json.loads((project / ".cruft.json").read_text())
    assert set(record) == {"template", "commit", "checkout", "context", "directory", "skip"}
    assert record["template"] == str(template_root())
    answers = read_answers(project)
    assert (answers["project_name"], answers["project_slug"], answers["package_name"]) == (
        "Churn Model",
        "churn-model",
        "churn_model",
    )
    assert (answers["level"], answers["author"]) == (str(level), "Ada")


@pytest.mark.parametrize("level", LEVELS)
def test_every_file_parses(baked, level):
    project = baked(level)
    for path in project.rglob("*"):
        if path.suffix == ".py":
            ast.parse(path.read_text(), filename=str(path))
        elif path.suffix in (".yml", ".yaml"):
            yaml.safe_load(path.read_text())
        elif path.suffix == ".toml":
            tomllib.loads(path.read_text())
        elif path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".ipynb":
            nbformat.validate(nbformat.read(path, as_version=4))


def test_every_manifest_rule_matches_a_rendered_file(baked, tmp_path, file_set):
    rendered = set().union(*(file_set(baked(level)) for level in LEVELS))
    variants: dict[tuple[int, tuple[str, str]], set[str]] = {}
    for rule in load_rules(template_root()):
        paths = rendered
        if rule.answer is not None:  # a file only that answer gets: render that variant (once)
            key = (rule.low, rule.answer)
            if key not in variants:
                answers = {"level": rule.low, rule.answer[0]: rule.answer[1]}
                variants[key] = file_set(render(answers, tmp_path / f"variant{len(variants)}"))
            paths = variants[key]
        assert any(rule.matches(path) for path in paths), f"{rule.origin}: {rule.pattern!r} matches no file"


def test_manifest_answers_are_choices_of_the_template():
    spec = variables()
    for rule in load_rules(template_root()):
        if rule.answer is not None:
            key, value = rule.answer
            assert value in spec.get(key, []), f"{rule.origin}: {key}={value}: no such choice"


def test_plain_cookiecutter_bakes_the_template_with_the_same_names(cookies):
    """cruft and cookiecutter users bake it without mlops-level (no pruning), and get the same slug."""
    result = cookies.bake(template=str(template_root()), extra_context={"project_name": "Churn Model 2"})
    assert result.exit_code == 0, result.exception
    assert result.project_path.name == "churn-model-2"
    assert (result.project_path / "src" / "churn_model_2" / "features.py").is_file()
