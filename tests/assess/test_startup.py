"""Heavy libraries are imported only when the assessed repository needs them."""

from __future__ import annotations

import subprocess
import sys

from .conftest import init_repo

PROBE = (
    "import sys\n"
    "from mlops_level.assess import run\n"
    "report = run(sys.argv[1])\n"
    "print(sorted(name for name in ('git', 'yaml') if name in sys.modules))\n"
)


def _loaded(root) -> str:
    command = [sys.executable, "-c", PROBE, str(root)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def test_plain_folder_outside_git_loads_neither_git_nor_yaml(tmp_path):
    (tmp_path / "train.py").write_text("from sklearn.svm import SVC\nSVC().fit([[0]], [0])\n")
    assert _loaded(tmp_path) == "[]"


def test_git_repository_with_yaml_loads_them(tmp_path):
    (tmp_path / "train.py").write_text("x = 1\n")
    (tmp_path / "params.yaml").write_text("alpha: 1\n")
    # gitpython is never imported for a scanned repository: its git commands run through facts/safegit.py
    assert _loaded(init_repo(tmp_path)) == "['yaml']"
