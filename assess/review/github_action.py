"""The script behind this repository's composite GitHub Action (`action.yml`).

Run as `python -m mlops_level.assess.review.github_action`. It reads its inputs from `MLOPS_LEVEL_*` variables
and the runner's own variables, assesses the checkout (and the pull request's base, when given), appends the
review Markdown to `$GITHUB_STEP_SUMMARY`, sets the outputs `level`, `progress`, `base-level`, `regression`
and `comment`, optionally writes SARIF and badge files, creates or updates the pull-request comment, and
exits 1 when `fail-under` or `fail-on-regression` says the change must not pass (2 on bad input).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mlops_level.assess.review.github_comment import (
    MARKER,
    GitHubError,
    Transport,
    upsert_comment,
    urllib_transport,
)
from mlops_level.errors import EXIT_BAD_INPUT, EXIT_BELOW_THRESHOLD, EXIT_OK, UserError


@dataclass(frozen=True)
class Inputs:
    path: Path
    base: str
    fail_under: int | None
    fail_on_regression: bool
    comment: bool
    sarif_file: str
    badge_file: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Inputs:
        fail_under = env.get("MLOPS_LEVEL_FAIL_UNDER", "").strip()
        if fail_under and fail_under not in ("0", "1", "2"):
            raise UserError(f"fail-under must be 0, 1 or 2, not {fail_under!r}")
        workspace = Path(env.get("GITHUB_WORKSPACE") or ".")
        return cls(
            path=workspace / (env.get("MLOPS_LEVEL_PATH") or "."),
            base=env.get("MLOPS_LEVEL_BASE", "").strip(),
            fail_under=int(fail_under) if fail_under else None,
            fail_on_regression=_flag(env, "MLOPS_LEVEL_FAIL_ON_REGRESSION"),
            comment=_flag(env, "MLOPS_LEVEL_COMMENT"),
            sarif_file=env.get("MLOPS_LEVEL_SARIF_FILE", "").strip(),
            badge_file=env.get("MLOPS_LEVEL_BADGE_FILE", "").strip(),
        )


def main(env: Mapping[str, str] | None = None, transport: Transport = urllib_transport) -> int:
    """Run the action; returns the exit code."""
    from mlops_level.assess.api import AssessError

    env = os.environ if env is None else env
    try:
        return _run(Inputs.from_env(env), env, transport)
    except (UserError, AssessError) as exc:
        print(f"::error::mlops-level: {exc}")
        return getattr(exc, "exit_code", EXIT_BAD_INPUT)


def _run(inputs: Inputs, env: Mapping[str, str], transport: Transport) -> int:
    from mlops_level.assess import run
    from mlops_level.assess.report.badge import render_badge
    from mlops_level.assess.report.markdown import GITHUB_COMMENT_LIMIT, render_review
    from mlops_level.assess.report.sarif import render_sarif
    from mlops_level.assess.review.gitrev import compare_with_base

    report = run(str(inputs.path))
    delta = compare_with_base(inputs.path, inputs.base, report) if inputs.base else None
    markdown = render_review(
        report, delta, link_base=_link_base(inputs.path, env), limit=GITHUB_COMMENT_LIMIT - len(MARKER) - 1
    )
    _append(env.get("GITHUB_STEP_SUMMARY"), markdown)
    if inputs.sarif_file:
        Path(inputs.sarif_file).write_text(render_sarif(report), encoding="utf-8")
    if inputs.badge_file:
        Path(inputs.badge_file).write_text(render_badge(report), encoding="utf-8")
    outputs = {
        "level": report.rating.level,
        "progress": report.rating.progress,
        "base-level": delta.level_before if delta else "",
        "regression": str(bool(delta and delta.regression)).lower(),
        "comment": _comment(inputs, env, f"{MARKER}\n{markdown}", transport),
    }
    _append(env.get("GITHUB_OUTPUT"), "".join(f"{key}={value}\n" for key, value in outputs.items()))
    print(f"mlops-level: Level {report.rating.level}, progress {report.rating.progress}%")
    if inputs.fail_under is not None and report.rating.level < inputs.fail_under:
        print(f"::error::MLOps level {report.rating.level} is below fail-under {inputs.fail_under}")
        return EXIT_BELOW_THRESHOLD
    if inputs.fail_on_regression and delta is not None and delta.regression:
        print(f"::error::MLOps regression against {inputs.base}: {delta.regression_reason}")
        return EXIT_BELOW_THRESHOLD
    return EXIT_OK


def _comment(inputs: Inputs, env: Mapping[str, str], body: str, transport: Transport) -> str:
    """Create or update the pull-request comment; a refusal (e.g. from a fork) is a warning, not a failure."""
    if not inputs.comment:
        return "off"
    number = _pull_request_number(env)
    if number is None:
        print("::notice::mlops-level: not a pull_request event, no comment written")
        return "skipped"
    try:
        return upsert_comment(
            api_url=env.get("GITHUB_API_URL") or "https://api.github.com",
            repo=env["GITHUB_REPOSITORY"],
            number=number,
            token=env.get("GITHUB_TOKEN", ""),
            body=body,
            transport=transport,
        )
    except GitHubError as exc:
        print(f"::warning::mlops-level: could not write the pull-request comment: {exc}")
        return "failed"


def _pull_request_number(env: Mapping[str, str]) -> int | None:
    event_path = env.get("GITHUB_EVENT_PATH")
    if not event_path or not Path(event_path).is_file():
        return None
    event = json.loads(Path(event_path).read_text(encoding="utf-8"))
    number = (event.get("pull_request") or {}).get("number")
    return int(number) if number else None


def _link_base(path: Path, env: Mapping[str, str]) -> str:
    """`https://github.com/OWNER/REPO/blob/SHA/SUBDIR/`, so evidence links open the assessed file."""
    server, repo, sha = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY"), env.get("GITHUB_SHA")
    if not (server and repo and sha):
        return ""
    workspace = Path(env.get("GITHUB_WORKSPACE") or ".").resolve()
    sub = path.resolve().relative_to(workspace).as_posix() if path.resolve().is_relative_to(workspace) else ""
    return f"{server}/{repo}/blob/{sha}/" + (f"{sub}/" if sub not in ("", ".") else "")


def _append(target: str | None, text: str) -> None:
    """Append to a runner file (step summary, outputs); print instead when running outside Actions."""
    if not target:
        print(text, end="")
        return
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(text)


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value not in ("", "true", "false"):
        option = name.removeprefix("MLOPS_LEVEL_").lower().replace("_", "-")
        raise UserError(f"{option} must be true or false, not {value!r}", EXIT_BAD_INPUT)
    return value == "true"


if __name__ == "__main__":
    sys.exit(main())
