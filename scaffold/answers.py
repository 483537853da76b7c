"""Answers for the template: read them from files and --set, merge them over the defaults, validate them.

The result is the complete cookiecutter context for one project (every value a string, as cookiecutter
itself produces), so rendering never needs to prompt or guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlops_level.errors import UserError
from mlops_level.userfiles import read_text

from .names import check_text, project_names
from .template import DERIVED, settable, variables

_PYTHON_VERSION = re.compile(r"^3\.(1[0-9]|[2-9][0-9])$")


def parse_set(items: list[str]) -> dict[str, str]:
    """`["author=Ada", "level=1"]` -> `{"author": "Ada", "level": "1"}`."""
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--set {item!r} is not KEY=VALUE, e.g. --set author='Ada Lovelace'")
        pairs[key.strip()] = value
    return pairs


def load_config(path: Path) -> dict[str, Any]:
    """A YAML or JSON file holding a mapping of answers, e.g. `project_name: churn-model`."""
    import yaml  # JSON is YAML, so one parser reads both

    text = read_text(path, "config file")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UserError(f"config file {path} is not valid YAML/JSON: {str(exc).splitlines()[0]}") from None
    except (RecursionError, ValueError) as exc:  # nesting too deep; an integer too long to convert
        raise UserError(f"config file {path} is not a usable answers file: {type(exc).__name__}") from None
    if not isinstance(data, dict):
        raise UserError(
            f"config file {path} must hold a mapping of answers, e.g. 'project_name: churn-model'"
        )
    return data


def _as_text(key: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise UserError(f"answer {key!r} must be a string or a number, not {type(value).__name__}")
    return str(value)


def resolve(*layers: Mapping[str, Any]) -> dict[str, str]:
    """Merge answer layers (later wins) over the template defaults and return the validated context."""
    spec = variables()
    keys = settable(spec)
    merged: dict[str, str] = {}
    for layer in layers:
        for key, value in layer.items():
            if key in DERIVED:
                raise UserError(
                    f"{key!r} is derived from project_name and cannot be set; set project_name instead"
                )
            if key not in keys:
                raise UserError(f"unknown answer {key!r}; known answers: {', '.join(keys)}")
            merged[key] = _as_text(key, value)

    context: dict[str, str] = {}
    for key in keys:
        default = spec[key]
        value = merged.get(key, default[0] if isinstance(default, list) else default)
        value = str(value).strip()
        check_text(key, value)
        if isinstance(default, list) and value not in default:
            raise UserError(f"{key} must be one of {', '.join(default)}, not {value!r}")
        context[key] = value

    names = project_names(context["project_name"])
    context.update(project_name=names.name, project_slug=names.slug, package_name=names.package)
    if not _PYTHON_VERSION.match(context["python_version"]):
        raise UserError(
            f"python_version must look like 3.11 (3.10 or newer), not {context['python_version']!r}"
        )
    if int(context["level"]) >= 1 and context["python_version"] == "3.10":
        raise UserError("Level 1 and 2 projects need Python 3.11 or newer (as Prefect 3.9 does)")
    _check_level_gated(spec, context)
    return context


def _check_level_gated(spec: dict[str, Any], context: dict[str, str]) -> None:
    """A choice listed in `_min_level` only makes sense from that level up: refuse a non-default below it."""
    level = int(context["level"])
    for key, minimum in spec.get("_min_level", {}).items():
        default = spec[key][0] if isinstance(spec[key], list) else spec[key]
        if level < int(minimum) and context[key] != str(default):
            raise UserError(f"{key} is available from level {minimum}; this project is level {level}")
