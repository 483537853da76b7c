"""What the inventory leaves out: the repository's `exclude` patterns and cookiecutter/copier template
sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_level.assess import Status, run
from mlops_level.assess.facts import repository as facts_module
from mlops_level.assess.facts.repository import collect

from .conftest import init_repo

TRACKING = (
    'import mlflow\n\ndef train():\n    with mlflow.start_run():\n        mlflow.log_metric("acc", 1.0)\n'
)
TEMPLATE = "templates/project/{{cookiecutter.project_slug}}"


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _settings(body: str) -> dict[str, str]:
    return {"pyproject.toml": f'[project]\nname = "pkg"\n\n[tool.mlops-level]\n{body}\n'}


@pytest.mark.parametrize("with_git", [True, False])
def test_excluded_paths_are_never_read_and_are_counted(tmp_path, with_git):
    files = {
        "src/pkg/__init__.py": "",
        "vendor/lib/track.py": TRACKING,
        "vendor/lib/other.py": TRACKING,
        "tests/fixtures/repo/train.py": TRACKING,
        "tests/test_pkg.py": "def test_ok():\n    assert True\n",
        **_settings('exclude = ["vendor/", "tests/fixtures/"]'),
    }
    root = _write(tmp_path, files)
    if with_git:
        init_repo(root)
    report = run(root)
    assert report.result("ML301").status is Status.FAIL
    facts = collect(root)
    assert sorted(facts.files) == ["pyproject.toml", "src/pkg/__init__.py", "tests/test_pkg.py"]
    expected = "excluded 3 files" if with_git else "excluded 2 folders"  # folders pruned unread
    assert f"{expected} matching `exclude` in pyproject.toml" in report.warnings


def test_without_exclude_the_same_tree_counts(tmp_path):
    root = _write(tmp_path, {"src/pkg/__init__.py": "", "vendor/lib/track.py": TRACKING})
    report = run(root)
    assert report.result("ML301").status is Status.PASS
    assert not [w for w in report.warnings if "exclude" in w]


def test_exclude_in_mlops_level_toml_with_negation(tmp_path):
    files = {
        "src/pkg/__init__.py": "",
        "examples/a/track.py": TRACKING,
        "examples/keep/track.py": TRACKING,
        ".mlops-level.toml": 'exclude = ["examples/*/", "!examples/keep/"]\n',
    }
    facts = collect(init_repo(_write(tmp_path, files)))
    assert "examples/a/track.py" not in facts.files
    assert "examples/keep/track.py" in facts.files
    assert "excluded 1 file matching `exclude` in .mlops-level.toml" in facts.warnings


@pytest.mark.parametrize(
    ("value", "warning"),
    [
        (
            '"vendor/"',
            "pyproject.toml: `exclude` must be a list of gitignore-style patterns "
            '(e.g. exclude = ["vendor/", "tests/fixtures/"]); nothing is excluded',
        ),
        (
            '["vendor/", 3, ""]',
            "pyproject.toml: `exclude` holds 2 item(s) that are not non-empty strings; they are left out "
            '(e.g. exclude = ["vendor/", "tests/fixtures/"])',
        ),
    ],
)
def test_bad_exclude_values_are_warnings(tmp_path, value, warning):
    files = {"src/pkg/__init__.py": "", "vendor/track.py": TRACKING, **_settings(f"exclude = {value}")}
    facts = collect(_write(tmp_path, files))
    assert warning in facts.warnings
    assert ("vendor/track.py" in facts.files) is (value == '"vendor/"')


def test_exclude_pattern_matching_nothing_is_reported(tmp_path):
    files = {"src/pkg/__init__.py": "", **_settings('exclude = ["vendr/", "src/pkg/__init__.py"]')}
    facts = collect(_write(tmp_path, files))
    assert "pyproject.toml: `exclude` pattern 'vendr/' matches nothing" in facts.warnings
    assert "excluded 1 file matching `exclude` in pyproject.toml" in facts.warnings


def test_settings_file_is_read_once_and_kept_as_facts(tmp_path, monkeypatch):
    reads: list[str] = []
    original = facts_module._Reader.bytes

    def counting(self, rel, size, *args):
        reads.append(rel)
        return original(self, rel, size, *args)

    monkeypatch.setattr(facts_module._Reader, "bytes", counting)
    files = {"src/pkg/__init__.py": "", **_settings('exclude = ["nothing-here/"]')}
    facts = collect(init_repo(_write(tmp_path, files)))
    assert reads.count("pyproject.toml") == 1
    assert facts.toml["pyproject.toml"]["project"]["name"] == "pkg"
    assert facts.settings.exclude == ["nothing-here/"]


def test_malformed_settings_file_warns_once(tmp_path):
    files = {"src/pkg/__init__.py": "", "pyproject.toml": "[tool.mlops-level\n"}
    report = run(_write(tmp_path, files))
    assert len([w for w in report.warnings if w.startswith("pyproject.toml: malformed TOML")]) == 1


TEMPLATE_WARNING = (
    "cookiecutter/copier templates (a path segment with `{{`, or a folder with cookiecutter.json or "
    "copier.yml) are the code of generated projects, not this repository's own "
    "(`skip-templates = false` in [tool.mlops-level] assesses them)"
)


@pytest.mark.parametrize("with_git", [True, False])
def test_template_sources_are_skipped_and_reported(tmp_path, with_git):
    files = {
        "src/pkg/__init__.py": "",
        f"{TEMPLATE}/src/train.py": TRACKING,
        f"{TEMPLATE}/.github/workflows/ci.yml": "on: [pull_request]\njobs: {}\n",
        "hooks/{{cookiecutter.name}}.py": TRACKING,
    }
    root = _write(tmp_path, files)
    if with_git:
        init_repo(root)
    report = run(root)
    assert report.result("ML301").status is Status.FAIL
    expected = f"skipped 3 files of template sources (hooks/{{{{cookiecutter.name}}}}.py, {TEMPLATE}/): "
    assert expected + TEMPLATE_WARNING in report.warnings


@pytest.mark.parametrize("with_git", [True, False])
@pytest.mark.parametrize("marker", ["cookiecutter.json", "copier.yml"])
def test_folders_with_a_template_marker_are_template_sources(tmp_path, with_git, marker):
    files = {
        "src/pkg/__init__.py": "",
        marker: "{}\n",  # at the assessed root it marks nothing: the repository itself is the template
        f"gen/{marker}": "{}\n",
        "gen/shared/train.py": TRACKING,
    }
    root = _write(tmp_path, files)
    if with_git:
        init_repo(root)
    facts = collect(root)
    assert sorted(facts.files) == sorted(["src/pkg/__init__.py", marker])
    assert "skipped 2 files of template sources (gen/): " + TEMPLATE_WARNING in facts.warnings


def test_skip_templates_false_assesses_template_sources(tmp_path):
    files = {
        "src/pkg/__init__.py": "",
        f"{TEMPLATE}/train.py": TRACKING,
        **_settings("skip-templates = false"),
    }
    report = run(_write(tmp_path, files))
    assert report.result("ML301").status is Status.PASS
    assert not [w for w in report.warnings if "template sources" in w]


def test_skip_templates_must_be_a_boolean(tmp_path):
    files = {
        "src/pkg/__init__.py": "",
        f"{TEMPLATE}/train.py": TRACKING,
        **_settings('skip-templates = "no"'),
    }
    report = run(_write(tmp_path, files))
    assert "pyproject.toml: `skip-templates` must be true or false; using true" in report.warnings
    assert report.result("ML301").status is Status.FAIL
