"""`[tool.mlops-level]` settings of the scanned repository."""

from __future__ import annotations

from mlops_level.assess import Status, run

TRAIN = "from sklearn.svm import SVC\nSVC().fit(X, y)\n"


def _repo(tmp_path, files):
    for rel, text in files.items():
        (tmp_path / rel).write_text(text)
    return run(tmp_path)


def test_pyproject_ignore_table(tmp_path):
    report = _repo(
        tmp_path,
        {"train.py": TRAIN, "pyproject.toml": '[tool.mlops-level]\nignore = {ml501 = "no CI here"}\n'},
    )
    assert report.result("ML501").status is Status.IGNORED
    assert report.result("ML501").ignore_reason == "no CI here"


def test_mlops_level_toml_without_header_and_scaffold_tables(tmp_path):
    config = 'ignore = { ML507 = "platform team" }\n[verify]\ninstall = "uv sync"\n[new]\nnext = []\n'
    report = _repo(tmp_path, {"train.py": TRAIN, ".mlops-level.toml": config})
    assert report.result("ML507").status is Status.IGNORED
    assert not [w for w in report.warnings if ".mlops-level.toml" in w]


def test_config_problems_are_warnings(tmp_path):
    config = '[tool.mlops-level]\nignore = { ML999 = "x", ML203 = "" }\nselect = ["ML001"]\n'
    report = _repo(tmp_path, {"train.py": TRAIN, "pyproject.toml": config})
    assert "pyproject.toml: unknown check ML999 in `ignore`" in report.warnings
    assert "pyproject.toml: ML203 is ignored without a reason; give one" in report.warnings
    assert "pyproject.toml: unknown setting `select` in [tool.mlops-level]" in report.warnings
    assert report.result("ML203").ignore_reason == "no reason given"
