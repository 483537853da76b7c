"""`--format markdown`, for pull requests: the level, what the change did to it (with `--base`), the next
steps, then the checklist toward the next level with collapsible evidence.

GitHub refuses comments over 65,536 characters, so on a large repository the evidence is summarised first
(fewer pieces per check, then none), and only then is the checklist cut at a line, with a note saying so.
"""

from __future__ import annotations

from mlops_level.assess.model import Report, Status
from mlops_level.assess.report.escape import md_code, md_text
from mlops_level.assess.report.summary import (
    counts,
    first_location,
    headline,
    next_steps,
    verdict_items,
    why_title,
)
from mlops_level.assess.review.checklist import checklist_markdown, default_target
from mlops_level.assess.review.delta import Change, Delta

GITHUB_COMMENT_LIMIT = 65_536
MAX_WARNINGS = 20
MAX_NEXT_STEPS = 5
EVIDENCE_STEPS = (5, 1, 0)  # pieces of evidence per check, tried in turn until the text fits
TRUNCATION_NOTE = (
    "\n> [!NOTE]\n> The checklist was cut to fit GitHub's comment size limit: run "
    "`mlops-level checklist` locally for the full list.\n"
)


def render_markdown(report: Report, verbose: bool = False) -> str:
    """The `markdown` renderer: `verbose` shows every piece of evidence while the text fits the limit."""
    return render_review(report, all_evidence=verbose)


def render_review(
    report: Report,
    delta: Delta | None = None,
    *,
    link_base: str = "",
    limit: int = GITHUB_COMMENT_LIMIT,
    all_evidence: bool = False,
) -> str:
    """The pull-request Markdown for `report` (and the change from `delta`), at most `limit` characters."""
    head = summary_markdown(report, delta) + _next_steps(report)
    target = default_target(report)
    for max_evidence in (None, *EVIDENCE_STEPS) if all_evidence else EVIDENCE_STEPS:
        checklist = checklist_markdown(target, report, link_base=link_base, max_evidence=max_evidence)
        text = head + "\n" + checklist
        if len(text) <= limit:
            return text
    return _truncate(text, limit)


def summary_markdown(report: Report, delta: Delta | None = None) -> str:
    """The headline: level and progress, the delta from the base, blocking checks, stack and counts.

    Stack names, notes and warnings are escaped as Markdown text (warnings quote file names)."""
    rating = report.rating
    lines = [f"## MLOps maturity: {headline(report)}", ""]
    if delta is not None:
        lines += _delta_lines(delta) + [""]
    if rating.blocking:
        titles = {result.spec.id: result.spec.title for result in report.checks}
        blocking = ", ".join(f"{check_id} {titles.get(check_id, '')}".strip() for check_id in rating.blocking)
        lines.append(f"- **Blocked by:** {blocking}")
    lines.append(f"- **Detected stack:** {', '.join(map(md_text, report.stack)) or 'nothing recognised'}")
    lines.append(f"- **Checks:** {counts(report)}")
    lines += [f"- {md_text(note)}" for note in rating.notes if not note.startswith("confidence ")]
    lines += _verdict_lines(report)
    if report.warnings:
        shown = report.warnings[:MAX_WARNINGS]
        lines += ["", f"<details><summary>Warnings ({len(report.warnings)})</summary>", ""]
        lines += [f"- {md_text(warning)}" for warning in shown]
        if len(report.warnings) > len(shown):
            lines.append(f"- and {len(report.warnings) - len(shown)} more")
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _verdict_lines(report: Report) -> list[str]:
    """Why this level: each decisive capability and what the next level lacks, with its first evidence."""
    items = verdict_items(report)
    if not items:
        return []
    marks = {"+": "✅", "?": "🟡", "-": "❌"}
    lines = ["", f"**{why_title(report)}:**", ""]
    for mark, cap in items:
        where = first_location(cap)
        line = f"- {marks[mark]} **{md_text(cap.label)}**: {md_text(cap.reason)}"
        lines.append(line + (f" ({md_code(where)})" if where else ""))
        lines += [f"  - doubt: {md_text(doubt)}" for doubt in cap.doubts]
        if mark == "-" and cap.remediation:
            lines.append(f"  - next: {md_text(cap.remediation)}")
    return lines


def _next_steps(report: Report) -> str:
    steps = next_steps(report)[:MAX_NEXT_STEPS]
    if not steps:
        return ""
    lines = ["", f"### Next steps toward Level {report.rating.next_level}", ""]
    lines += [f"1. **{result.spec.id}** {result.spec.remediation}" for result in steps]
    return "\n".join(lines) + "\n"


def _delta_lines(delta: Delta) -> list[str]:
    base = md_code(delta.base_ref) + (f" ({md_text(delta.base_commit[:12])})" if delta.base_commit else "")
    lines = [
        f"**Change from {base}:** {delta.headline()}",
        f"- Gained: {_change_list(delta.gained)}",
        f"- Lost: {_change_list(delta.lost)}",
    ]
    others = [change for change in delta.changed if change not in delta.gained and change not in delta.lost]
    if others:
        lines.append(
            "- Other changes: "
            + ", ".join(
                f"{change.spec.id} {_status(change.before)} → {_status(change.after)}" for change in others
            )
        )
    if delta.regression:
        lines.append(f"- :warning: **Regression**: {delta.regression_reason}")
    return lines


def _change_list(changes: list[Change]) -> str:
    if not changes:
        return "none"
    return ", ".join(
        f"{change.spec.id} {change.spec.title}" + (" (required)" if change.spec.required else "")
        for change in changes
    )


def _status(status: Status | None) -> str:
    return status.value if status is not None else "new"


def _truncate(text: str, limit: int) -> str:
    """Cut `text` (evidence already left out) at the last whole line that leaves room for the note."""
    cut = text.rfind("\n", 0, limit - len(TRUNCATION_NOTE)) + 1
    return text[:cut] + TRUNCATION_NOTE
