from __future__ import annotations

import re

import pytest

from mlops_level.errors import UserError
from mlops_level.scaffold.names import project_names


@pytest.mark.parametrize(
    ("name", "slug", "package"),
    [
        ("churn", "churn", "churn"),
        ("Churn Model 2", "churn-model-2", "churn_model_2"),
        ("  my_model.v2 ", "my-model-v2", "my_model_v2"),
        ("A--B", "a-b", "a_b"),
    ],
)
def test_valid_names(name, slug, package):
    names = project_names(name)
    assert (names.slug, names.package) == (slug, package)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("a/b", "path separator"),
        ("a\\b", "path separator"),
        ("..", "'..'"),
        ("x..y", "'..'"),
        ("{{ cookiecutter.x }}", "template syntax"),
        ("a{%b", "template syntax"),
        ("a{#b", "template syntax"),
        ("2fast", "not a valid Python identifier"),
        ("---", "not a valid Python identifier"),
        ("class", "not a valid Python identifier"),
        ("Café", "ASCII"),
        ("a\nb", "control character"),
        ("test", "shadow"),
        ("sklearn", "shadow"),
        ("pandas", "shadow"),
        ("numpy", "shadow"),
        ("json", "shadow"),
        ("Collections", "shadow"),
    ],
)
def test_refused_names(name, reason):
    with pytest.raises(UserError, match=re.escape(reason)):
        project_names(name)
