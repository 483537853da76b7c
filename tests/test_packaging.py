"""Guards for the package-dir mapping (see STYLE.md's traps)."""

import re
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
MAPPED = {
    "cli": "mlops_level",
    "assess": "mlops_level.assess",
    "scaffold": "mlops_level.scaffold",
    "templates": "mlops_level.templates",
}


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_every_code_package_is_listed():
    setuptools = _pyproject()["tool"]["setuptools"]
    expected = set()
    for folder, name in MAPPED.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            if folder == "templates" and rel.parts:
                continue  # template trees are package data, not code packages
            expected.add(".".join([name, *rel.parts]))
    assert expected == set(setuptools["packages"])
    assert setuptools["package-dir"] == {v: k for k, v in MAPPED.items()}


def test_no_bare_imports_of_mapped_folders():
    pattern = re.compile(r"^\s*(from|import)\s+(assess|scaffold|templates|cli)\b", re.MULTILINE)
    offenders = [
        str(p.relative_to(ROOT))
        for folder in ("cli", "assess", "scaffold")
        for p in (ROOT / folder).rglob("*.py")
        if pattern.search(p.read_text())
    ]
    assert offenders == []
