"""The review checklist for a target level, in Markdown: the one source for `mlops-level checklist`, the
pull-request comment and the pull-request template of generated projects.

Levels are cumulative, so the checklist for Level 2 lists the foundation, Level 1 and Level 2 checks.
Blank (no report), every item is unticked and says what to look for; from a Report, an item is ticked when
its check passes, shows why not and how to fix it otherwise, and carries its evidence in a collapsible block.
"""

from __future__ import annotations

from collections.abc import Sequence

from mlops_level.assess.model import CheckResult, CheckSpec, Evidence, Report, Status
from mlops_level.assess.report.escape import md_code, md_link, md_path_target, md_text, plain

SECTIONS = {
    "F": "Foundation",
    "1": "Level 1: ML pipeline automation",
    "2": "Level 2: CI/CD pipeline automation",
}

# ML Test Score items that no file can show; a reviewer answers them by judgement.
MANUAL_ITEMS = {
    1: (
        "Hyperparameters were tuned, and a simpler baseline model is not better",
        "The cost of model staleness is known, and the retraining triggers match it",
        "Every feature is beneficial, and none costs more to compute or maintain than it brings",
        "The data pipeline has privacy controls (personal data minimised, access restricted)",
    ),
    2: (
        "Offline metrics correlate with the online metric the model is meant to move",
        "Quality holds on the important data slices, and inclusion and fairness were considered",
        "A single prediction can be traced to its inputs, features and model version",
        "A new feature can reach production through the pipeline in days, not weeks",
    ),
}
SNIPPET_CHARS = 100


def default_target(report: Report | None) -> int:
    """The level a checklist aims at by default: the next level up, or Level 2 at the top (Level 1 blank)."""
    if report is None:
        return 1
    return report.rating.next_level or report.rating.level


def _verdict_items(report: Report, level: int) -> list[str]:
    """The capabilities that decide a level, as the first items: what the practices below cannot replace."""
    decided = report.rating.verdict
    if decided is None:
        return []
    caps = decided.capabilities or {c.key: c for c in decided.decisive + decided.missing}
    keys = [k for k in ("pipeline", "metadata", "ci", "cd")[: 2 if level == 1 else 4] if k in caps]
    lines = [f"Decided by (Level {decided.level}, confidence {decided.confidence}):", ""]
    for key in keys:
        cap = caps[key]
        lines.append(f"- [{'x' if cap.present else ' '}] **{md_text(cap.label)}**: {md_text(cap.reason)}")
    return [*lines, ""] if keys else []


def checklist_markdown(
    level: int,
    report: Report | None = None,
    *,
    specs: Sequence[CheckSpec] | None = None,
    link_base: str = "",
    max_evidence: int | None = 5,
    heading: str = "###",
) -> str:
    """The Markdown checklist for reaching `level` (1 or 2).

    With `report`, items are ticked from its results; without it, `specs` (default: the whole rubric) gives
    a blank checklist. Evidence links are `link_base` + the path (relative links when empty); at most
    `max_evidence` pieces of evidence per check are shown (None: all; 0: none).
    """
    if level not in (1, 2):
        raise ValueError(f"a checklist targets Level 1 or 2, not {level}")
    if report is not None:
        items = [(result.spec, result) for result in report.checks]
    else:
        items = [(spec, None) for spec in (specs if specs is not None else _rubric())]
    items = [(spec, result) for spec, result in items if int(spec.tier) <= level]
    lines = [f"{heading} Checklist for Level {level}", ""]
    if report is not None:
        statuses = [result.status for _, result in items]
        passed = statuses.count(Status.PASS)
        counted = len(statuses) - statuses.count(Status.NOT_APPLICABLE) - statuses.count(Status.IGNORED)
        lines += [f"{passed} of {counted} applicable checks pass.", ""]
        lines += _verdict_items(report, level)
    for key, title in SECTIONS.items():
        section = [(spec, result) for spec, result in items if spec.level == key]
        if not section:
            continue
        lines += [f"{heading}# {title}", ""]
        for spec, result in section:
            if result is None:
                lines.append(_blank_item(spec))
            else:
                lines += _item(result, link_base, max_evidence)
        lines.append("")
    lines += [f"{heading}# Reviewer's judgement (not visible in files)", ""]
    lines += [f"- [ ] {text}" for tier in range(1, level + 1) for text in MANUAL_ITEMS[tier]]
    return "\n".join(lines) + "\n"


def _rubric() -> list[CheckSpec]:
    from mlops_level.assess.api import CHECKS

    return CHECKS


def _label(spec: CheckSpec) -> str:
    """`**ML203** title`, marked when the check is required (it gates the level); the rubric's own text."""
    return f"**{spec.id}** {spec.title}" + (" · **required**" if spec.required else "")


def _blank_item(spec: CheckSpec) -> str:
    description = " ".join(spec.description.split())
    return f"- [ ] {_label(spec)}: {description}" if description else f"- [ ] {_label(spec)}"


def _item(result: CheckResult, link_base: str, max_evidence: int | None) -> list[str]:
    """One checklist item; the reason and the ignore reason come from the repository, so they are escaped."""
    spec = result.spec
    if result.status is Status.PASS:
        lines = [f"- [x] {_label(spec)}: {md_text(result.reason)}"]
    elif result.status in (Status.NOT_APPLICABLE, Status.IGNORED):
        why = result.ignore_reason or result.reason
        lines = [f"- [x] ~~{_label(spec)}~~ {result.status.value}: {md_text(why)}"]
    else:
        more = md_link("more", spec.url) if spec.url else ""
        lines = [
            f"- [ ] {_label(spec)} · {result.status.value}: {md_text(result.reason)}",
            f"  - Fix: {spec.remediation}" + (f" ({more})" if more else ""),
        ]
    shown = result.evidence if max_evidence is None else result.evidence[:max_evidence]
    if shown:
        hidden = len(result.evidence) - len(shown)
        lines += [f"  <details><summary>Evidence ({len(result.evidence)})</summary>", ""]
        lines += [f"  - {evidence_link(evidence, link_base)}" for evidence in shown]
        if hidden:
            lines.append(f"  - and {hidden} more (run `mlops-level assess --verbose` for all)")
        lines += ["", "  </details>"]
    return lines


def evidence_link(evidence: Evidence, link_base: str = "") -> str:
    """`[`path:line`](base/path#Lline) `snippet`` for one piece of evidence: path and snippet as code spans
    (shown verbatim), the target percent-encoded and always inside the repository (or `link_base`)."""
    label = f"{evidence.path}:{evidence.line}" if evidence.line else evidence.path
    target = md_path_target(evidence.path, link_base, f"L{evidence.line}" if evidence.line else "")
    text = f"[{md_code(label)}]({target})"
    snippet = " ".join(plain(evidence.snippet).split())
    if snippet:
        if len(snippet) > SNIPPET_CHARS:
            snippet = snippet[: SNIPPET_CHARS - 1] + "…"
        text += f" {md_code(snippet)}"
    return text
