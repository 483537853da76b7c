"""Render bundled cookiecutter templates into projects, and verify them for real."""
