"""Turn a project name into a slug and a Python package name, refusing names that would be unsafe or clash."""

from __future__ import annotations

import keyword
import re
import sys
import unicodedata
from dataclasses import dataclass

from mlops_level.errors import UserError

JINJA_MARKERS = ("{{", "{%", "{#", "}}", "%}", "#}")
MAX_NAME = 64  # the folder, the distribution and the package are named after it
MAX_TEXT = 500  # a one-line answer (description, author)
_ALLOWED = re.compile(r"^[A-Za-z0-9 ._-]+$")
# Third-party names a generated project imports (or that tools treat specially): a package named like
# one of them would shadow it.
RESERVED = frozenset(sys.stdlib_module_names) | {
    "test",
    "tests",
    "src",
    "sklearn",
    "scikit_learn",
    "pandas",
    "numpy",
    "scipy",
    "pytest",
    "jupyter",
    "ipykernel",
    "nbclient",
    "nbformat",
    "mlflow",
    "prefect",
    "dvc",
    "pandera",
    "fastapi",
    "pydantic",
    "setuptools",
    "pip",
    "wheel",
    "mlops_level",
    "notebooks",
    "models",
    "data",
}


@dataclass(frozen=True)
class ProjectNames:
    name: str
    slug: str
    package: str


def check_text(key: str, value: str) -> None:
    """A free-text answer must be one line without template syntax (answers are rendered by Jinja)."""
    if any(marker in value for marker in JINJA_MARKERS):
        raise UserError(f"{key} {value!r} contains template syntax ({{{{, {{% or {{#}}); remove it")
    if len(value) > MAX_TEXT:
        raise UserError(f"{key} is {len(value)} characters long; keep it to one line of at most {MAX_TEXT}")
    if any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in value):
        raise UserError(f"{key} {value!r} contains a newline or control character; use one line of text")
    if any(unicodedata.category(char) == "Cs" for char in value):
        raise UserError(f"{key} {value!r} is not valid UTF-8 text")


def project_names(name: str) -> ProjectNames:
    """`My Model 2` -> slug `my-model-2`, package `my_model_2`; raises UserError with the reason otherwise."""
    name = name.strip()
    if not name:
        raise UserError("the project name is empty; give one with --name, e.g. --name churn-model")
    check_text("project name", name)
    if len(name) > MAX_NAME:
        raise UserError(f"the project name is {len(name)} characters long; keep it to at most {MAX_NAME}")
    if "/" in name or "\\" in name:
        raise UserError(f"project name {name!r} contains a path separator; use --output-dir for the location")
    if ".." in name:
        raise UserError(f"project name {name!r} contains '..'")
    if not _ALLOWED.match(name):
        raise UserError(f"project name {name!r} may only use ASCII letters, digits, spaces, '.', '_' and '-'")
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    package = slug.replace("-", "_")
    if not package.isidentifier() or keyword.iskeyword(package):
        raise UserError(
            f"project name {name!r} gives package name {package!r}, which is not a valid Python "
            "identifier (it must start with a letter)"
        )
    if package in RESERVED:
        raise UserError(
            f"project name {name!r} gives package name {package!r}, which would shadow the "
            f"standard library or a dependency; choose another name"
        )
    return ProjectNames(name=name, slug=slug, package=package)
