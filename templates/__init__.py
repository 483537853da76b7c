"""Bundled cookiecutter templates (package data)."""
