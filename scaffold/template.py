"""The bundled cookiecutter template: where it lives and the variables it declares."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

LEVELS = (0, 1, 2)
DERIVED = ("project_slug", "package_name")  # computed from project_name, never set directly


def template_root() -> Path:
    """The template folder (holds cookiecutter.json, manifest/, templates/ and the project tree)."""
    return Path(str(files("mlops_level.templates") / "project"))


def variables() -> dict[str, Any]:
    """cookiecutter.json as declared, including private `_` keys and `__prompts__`."""
    return json.loads((template_root() / "cookiecutter.json").read_text(encoding="utf-8"))


def settable(spec: dict[str, Any]) -> list[str]:
    """Answer keys a user may give (in order): everything public except the derived names."""
    return [key for key in spec if not key.startswith("_") and key not in DERIVED]
