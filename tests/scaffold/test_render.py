"""render() is atomic: it never touches an existing project and leaves nothing behind when it fails."""

from __future__ import annotations

import shutil

import pytest

import mlops_level.scaffold.generate as render_module
from mlops_level.errors import UserError
from mlops_level.scaffold import render


def snapshot(folder):
    return {
        path.relative_to(folder).as_posix(): path.read_bytes() if path.is_file() else None
        for path in folder.rglob("*")
    }


def test_refuses_a_non_empty_target_and_leaves_it_untouched(tmp_path):
    target = tmp_path / "churn"
    (target / "notebooks").mkdir(parents=True)
    (target / "notebooks" / "mine.ipynb").write_text("{}")
    before = snapshot(tmp_path)
    with pytest.raises(UserError, match="already exists and is not empty"):
        render({"project_name": "churn"}, tmp_path)
    assert snapshot(tmp_path) == before


def test_refuses_a_file_in_the_way(tmp_path):
    (tmp_path / "churn").write_text("mine")
    with pytest.raises(UserError, match="not a folder"):
        render({"project_name": "churn"}, tmp_path)
    assert (tmp_path / "churn").read_text() == "mine"


def test_fills_an_empty_target_folder(tmp_path):
    (tmp_path / "churn").mkdir()
    project = render({"project_name": "churn"}, tmp_path)
    assert (project / "README.md").is_file()


def test_creates_missing_output_folders(tmp_path):
    project = render({"project_name": "churn"}, tmp_path / "a" / "b")
    assert project == tmp_path / "a" / "b" / "churn"
    assert sorted(path.name for path in (tmp_path / "a" / "b").iterdir()) == ["churn"]


@pytest.mark.parametrize("failure", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_failure_mid_render_leaves_nothing(tmp_path, monkeypatch, failure):
    def broken_prune(*args, **kwargs):
        raise failure

    monkeypatch.setattr(render_module, "prune", broken_prune)
    with pytest.raises(type(failure)):
        render({"project_name": "churn"}, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_full_disk_is_a_user_error_and_leaves_the_output_folder_as_it_was(tmp_path, monkeypatch):
    (tmp_path / "keep.txt").write_text("mine")

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(render_module, "_write_answers", full_disk)
    with pytest.raises(UserError, match="could not write the project in .*: No space left on device"):
        render({"project_name": "churn"}, tmp_path)
    assert snapshot(tmp_path) == {"keep.txt": b"mine"}


def test_an_output_dir_below_a_file_is_a_user_error(tmp_path):
    (tmp_path / "file").write_text("mine")
    with pytest.raises(UserError, match="cannot create output folder"):
        render({"project_name": "churn"}, tmp_path / "file" / "sub")


def test_ignores_byte_code_and_tool_caches_in_the_installed_template(tmp_path, monkeypatch):
    source = tmp_path / "template"
    shutil.copytree(render_module.template_root(), source)
    tree = source / "{{cookiecutter.project_slug}}"
    for junk in ("__pycache__/predict.cpython-311.pyc", ".ruff_cache/CACHEDIR.TAG", "tests/.pytest_cache/v"):
        (tree / junk).parent.mkdir(parents=True, exist_ok=True)
        (tree / junk).write_bytes(b"\0")
    monkeypatch.setattr(render_module, "template_root", lambda: source)
    project = render({"project_name": "churn"}, tmp_path / "out")
    assert not [p for p in project.rglob("*") if p.name in ("__pycache__", ".ruff_cache", ".pytest_cache")]


def test_leftover_jinja_is_detected_but_github_expressions_are_not(tmp_path):
    (tmp_path / "ci.yml").write_text("run: echo ${{ github.sha }}\n")
    assert render_module.leftovers(tmp_path) == []
    (tmp_path / "bad.py").write_text("x = '{{ cookiecutter.name }}'\n")
    (tmp_path / "bad.md").write_text("{% if x %}\n")
    assert render_module.leftovers(tmp_path) == [
        "bad.md holds unrendered Jinja",
        "bad.py holds unrendered Jinja",
    ]
