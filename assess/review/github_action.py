"""The script behind this repository's composite GitHub Action (`action.yml`).

Run as `python -m mlops_level.assess.review.github_action`. It reads its inputs from `MLOPS_LEVEL_*` variables
and the runner's own variables, assesses the checkout (and the pull request's base, when given), appends the
review Markdown to `$GITHUB_STEP_SUMMARY`, sets the outputs `level`, `progress`, `base-level`, `regression`
and `comment`, optionally writes SARIF and badge files, creates or updates the pull-request comment, and
exits 1 when `fail-under` or `fail-on-regression` says the change must not pass (2 on bad input).

Bad input (an unreadable or malformed event file, a pull-request number that is not one, no
GITHUB_REPOSITORY for the comment, a SARIF/badge/summary file that cannot be written) is one `::error::`
line and exit 2, never a traceback. Every workflow command's text is escaped (`%`, CR, LF), so no message
can start a second command.
"""

from __future__ import annotations

import json
import os
import re
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
from mlops_level.userfiles import MiB, read_text

EVENT_LIMIT = 64 * MiB  # GitHub's webhook payloads are capped at 25 MB
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def command(kind: str, message: object) -> str:
    """A workflow command line (`::error::...`), its message escaped as the runner expects."""
    text = str(message).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"::{kind}::{text}"


@dataclass(frozen=True)
class Inputs:
    path: Path
    base: str
    fail_under: int | None
    fail_on_regression: bool
    comment: bool
    sarif_file: str
    badge_file: str
    repository: str = ""  # owner/name, when a comment is to be written
    pull_request: int | None = None  # the pull request's number, when a comment is to be written

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Inputs:
        fail_under = env.get("MLOPS_LEVEL_FAIL_UNDER", "").strip()
        if fail_under and fail_under not in ("0", "1", "2"):
            raise UserError(f"fail-under must be 0, 1 or 2, not {fail_under!r}")
        workspace = Path(env.get("GITHUB_WORKSPACE") or ".")
        comment = _flag(env, "MLOPS_LEVEL_COMMENT")
        return cls(
            path=workspace / (env.get("MLOPS_LEVEL_PATH") or "."),
            base=env.get("MLOPS_LEVEL_BASE", "").strip(),
            fail_under=int(fail_under) if fail_under else None,
            fail_on_regression=_flag(env, "MLOPS_LEVEL_FAIL_ON_REGRESSION"),
            comment=comment,
            sarif_file=_output_file(env, "MLOPS_LEVEL_SARIF_FILE"),
            badge_file=_output_file(env, "MLOPS_LEVEL_BADGE_FILE"),
            repository=_repository(env) if comment else "",
            pull_request=_pull_request_number(env) if comment else None,
        )


def main(env: Mapping[str, str] | None = None, transport: Transport = urllib_transport) -> int:
    """Run the action; returns the exit code."""
    from mlops_level.assess.api import AssessError

    env = os.environ if env is None else env
    try:
        return _run(Inputs.from_env(env), env, transport)
    except (UserError, AssessError) as exc:
        print(command("error", f"mlops-level: {exc}"))
        return getattr(exc, "exit_code", EXIT_BAD_INPUT)


def _run(inputs: Inputs, env: Mapping[str, str], transport: Transport) -> int:
    from mlops_level.assess import run
    from mlops_level.assess.facts.repository import remembered
    from mlops_level.assess.report.badge import render_badge
    from mlops_level.assess.report.markdown import GITHUB_COMMENT_LIMIT, render_review
    from mlops_level.assess.report.sarif import render_sarif
    from mlops_level.assess.review.gitrev import compare_with_base

    with remembered():  # the base reuses what the work tree's assessment read (unchanged blobs)
        report = run(str(inputs.path))
        delta = compare_with_base(inputs.path, inputs.base, report) if inputs.base else None
    markdown = render_review(
        report, delta, link_base=_link_base(inputs.path, env), limit=GITHUB_COMMENT_LIMIT - len(MARKER) - 1
    )
    _append(env.get("GITHUB_STEP_SUMMARY"), markdown, "the step summary (GITHUB_STEP_SUMMARY)")
    if inputs.sarif_file:
        _write(inputs.sarif_file, render_sarif(report), "sarif-file")
    if inputs.badge_file:
        _write(inputs.badge_file, render_badge(report), "badge-file")
    outputs = {
        "level": report.rating.level,
        "progress": report.rating.progress,
        "base-level": delta.level_before if delta else "",
        "regression": str(bool(delta and delta.regression)).lower(),
        "comment": _comment(inputs, env, f"{MARKER}\n{markdown}", transport),
    }
    _append(
        env.get("GITHUB_OUTPUT"),
        "".join(f"{key}={value}\n" for key, value in outputs.items()),
        "the step outputs (GITHUB_OUTPUT)",
    )
    print(f"mlops-level: Level {report.rating.level}, progress {report.rating.progress}%")
    if inputs.fail_under is not None and report.rating.level < inputs.fail_under:
        print(command("error", f"MLOps level {report.rating.level} is below fail-under {inputs.fail_under}"))
        return EXIT_BELOW_THRESHOLD
    if inputs.fail_on_regression and delta is not None and delta.regression:
        print(command("error", f"MLOps regression against {inputs.base}: {delta.regression_reason}"))
        return EXIT_BELOW_THRESHOLD
    return EXIT_OK


def _comment(inputs: Inputs, env: Mapping[str, str], body: str, transport: Transport) -> str:
    """Create or update the pull-request comment; a refusal (e.g. from a fork) is a warning, not a failure."""
    if not inputs.comment:
        return "off"
    if inputs.pull_request is None:
        print(command("notice", "mlops-level: not a pull_request event, no comment written"))
        return "skipped"
    try:
        return upsert_comment(
            api_url=env.get("GITHUB_API_URL") or "https://api.github.com",
            repo=inputs.repository,
            number=inputs.pull_request,
            token=env.get("GITHUB_TOKEN", ""),
            body=body,
            transport=transport,
        )
    except (GitHubError, OSError, ValueError) as exc:  # refused, unreachable, an answer that is not JSON
        print(command("warning", f"mlops-level: could not write the pull-request comment: {exc}"))
        return "failed"


def _output_file(env: Mapping[str, str], name: str) -> str:
    """An output file's path, refused before the assessment when its folder does not exist."""
    value = env.get(name, "").strip()
    option = name.removeprefix("MLOPS_LEVEL_").lower().replace("_", "-")
    if not value:
        return ""
    if "\0" in value:
        raise UserError(f"{option} {value!r} holds a NUL byte")
    folder = Path(value).parent
    if not folder.is_dir():
        raise UserError(f"{option} {value}: the folder {folder} does not exist (create it first)")
    if Path(value).is_dir():
        raise UserError(f"{option} {value} is a folder; give a file path such as {value.rstrip('/')}/out")
    return value


def _repository(env: Mapping[str, str]) -> str:
    """GITHUB_REPOSITORY, `owner/name`: the comment's address."""
    repository = env.get("GITHUB_REPOSITORY", "").strip()
    if not repository:
        raise UserError("GITHUB_REPOSITORY is not set; the pull-request comment needs it (owner/name)")
    if not _REPOSITORY.match(repository) or ".." in repository:
        raise UserError(f"GITHUB_REPOSITORY must look like owner/name, not {repository!r}")
    return repository


def _pull_request_number(env: Mapping[str, str]) -> int | None:
    """The pull request's number from the event file; None on events that are not about a pull request."""
    event_path = env.get("GITHUB_EVENT_PATH", "").strip()
    if not event_path:
        return None
    try:
        event = json.loads(read_text(event_path, "event file (GITHUB_EVENT_PATH)", limit=EVENT_LIMIT))
    except (ValueError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
        raise UserError(f"event file (GITHUB_EVENT_PATH) {event_path} is not valid JSON: {reason}") from None
    if not isinstance(event, dict):
        raise UserError(f"event file (GITHUB_EVENT_PATH) {event_path} does not hold a JSON object")
    pull_request = event.get("pull_request")
    if pull_request is None:
        return None
    number = pull_request.get("number") if isinstance(pull_request, dict) else None
    if isinstance(number, str) and number.isascii() and number.isdigit() and len(number) < 19:
        number = int(number)
    if isinstance(number, bool) or not isinstance(number, int) or not 0 < number < 2**63:
        raise UserError(
            f"event file {event_path}: pull_request.number must be a positive integer, not {number!r}"
        )
    return number


def _link_base(path: Path, env: Mapping[str, str]) -> str:
    """`https://github.com/OWNER/REPO/blob/SHA/SUBDIR/`, so evidence links open the assessed file."""
    server, repo, sha = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY"), env.get("GITHUB_SHA")
    if not (server and repo and sha):
        return ""
    workspace = Path(env.get("GITHUB_WORKSPACE") or ".").resolve()
    sub = path.resolve().relative_to(workspace).as_posix() if path.resolve().is_relative_to(workspace) else ""
    return f"{server}/{repo}/blob/{sha}/" + (f"{sub}/" if sub not in ("", ".") else "")


def _append(target: str | None, text: str, what: str) -> None:
    """Append to a runner file (step summary, outputs); print instead when running outside Actions."""
    if not target:
        print(text, end="")
        return
    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise UserError(f"cannot write {what} {target}: {exc.strerror or exc}") from None


def _write(target: str, text: str, what: str) -> None:
    try:
        Path(target).write_text(text, encoding="utf-8")
    except OSError as exc:
        hint = " (create its folder first)" if isinstance(exc, FileNotFoundError) else ""
        raise UserError(f"cannot write {what} {target}: {exc.strerror or exc}{hint}") from None


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value not in ("", "true", "false"):
        option = name.removeprefix("MLOPS_LEVEL_").lower().replace("_", "-")
        raise UserError(f"{option} must be true or false, not {value!r}", EXIT_BAD_INPUT)
    return value == "true"


if __name__ == "__main__":
    sys.exit(main())
