"""Render bundled cookiecutter templates into projects, and verify them for real.

`render(answers, output_dir)` creates a project without prompting; `verify(project)` builds a fresh
environment and runs the checks the project declares in `.mlops-level.toml`.
"""

from .generate import render
from .verification import VerifyReport, verify

__all__ = ["VerifyReport", "render", "verify"]
