"""Build small git repositories for the --base tests with the git command line (no global config needed)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.org",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.org",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
    "PATH": "/usr/bin:/bin:/usr/local/bin",
}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=ENV
    ).stdout.strip()


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def commit(repo: Path, files: dict[str, str], message: str, remove: tuple[str, ...] = ()) -> str:
    """Write `files`, delete `remove`, commit everything; returns the commit ID."""
    if not (repo / ".git").exists():
        repo.mkdir(parents=True, exist_ok=True)
        git(repo, "init", "-q", "-b", "main")
    write(repo, files)
    for rel in remove:
        git(repo, "rm", "-q", rel)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


# A small ML project: modular training code, a .gitignore, locked requirements. Tests come and go per test.
PROJECT = {
    "src/churn/__init__.py": "",
    "src/churn/train.py": (
        "from sklearn.linear_model import LogisticRegression\n\n\n"
        "def train(features, labels):\n"
        "    model = LogisticRegression(max_iter=200)\n"
        "    model.fit(features, labels)\n"
        "    return model\n"
    ),
    ".gitignore": "data/\nmodels/\n*.pkl\nmlruns/\n.env\n",
    "requirements.txt": "scikit-learn==1.5.2\n",
}
TESTS = {
    "tests/test_train.py": "from churn.train import train\n\n\ndef test_train_returns_a_model():\n"
    "    assert train([[0.0], [1.0]], [0, 1]) is not None\n"
}


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the installed console entry point, as a user would (exit codes and stderr included)."""
    import sys

    return subprocess.run(
        [sys.executable, "-m", "mlops_level", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )
