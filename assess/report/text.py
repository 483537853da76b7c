"""The terminal report (rich): stack, level and progress, checks by family with evidence, next steps.

Repository text (root, reasons, ignore reasons, evidence, warnings) goes through `term_text` when it is a
rich `Text` and `term_markup` when it is part of a markup string: no escape sequence reaches the terminal,
coloured or not, and no `[tag]` in a file name is read as rich markup.
"""

from __future__ import annotations

import io

from mlops_level.assess.model import Report, Status
from mlops_level.assess.report.escape import term_markup, term_text
from mlops_level.assess.report.summary import (
    DEFAULT_EVIDENCE,
    SYMBOLS,
    by_family,
    counts,
    first_location,
    headline,
    location,
    next_steps,
    verdict_items,
    why_title,
)

STYLES = {
    Status.PASS: "green",
    Status.PARTIAL: "yellow",
    Status.FAIL: "red",
    Status.NOT_APPLICABLE: "dim",
    Status.IGNORED: "magenta",
}
WIDTH = 100


def render_text(report: Report, verbose: bool = False, *, color: bool = False) -> str:
    """Plain text (or ANSI-coloured with `color`); `verbose` shows every piece of evidence."""
    from rich.console import Console
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=WIDTH,
        force_terminal=color,
        color_system="standard" if color else None,
        highlight=False,
        emoji=False,
        soft_wrap=True,
    )
    out = console.print
    commit = report.repo.get("commit")
    where = f" @ {commit[:12]}" if commit else ""
    out(Text(term_text(f"mlops-level {report.tool_version} · {report.root}{where}"), style="bold"))
    out(f"Detected stack: {term_markup(', '.join(report.stack) or 'nothing recognised')}")
    out()
    rating = report.rating
    bar = "█" * (rating.progress // 10) + "░" * (10 - rating.progress // 10)
    out(Text(headline(report) + (f" [{bar}]" if rating.next_level else ""), style="bold cyan"))
    if rating.blocking:
        names = {r.spec.id: r.spec.name for r in report.checks}
        out("Blocked by: " + ", ".join(f"{i} {names[i]}" for i in rating.blocking))
    items = verdict_items(report)
    if items:
        out(why_title(report) + ":")
        marks = {"+": "✔", "?": "◐", "-": "✘"}
        for mark, cap in items:
            where = first_location(cap)
            line = f"  {marks[mark]} {cap.label}: {cap.reason}" + (f" ({where})" if where else "")
            out(Text(term_text(line)))
            for doubt in cap.doubts:
                out(Text(term_text(f"      doubt: {doubt}"), style="yellow"))
            if mark == "-" and cap.remediation:
                out(Text(term_text(f"      next: {cap.remediation}"), style="dim"))
    for note in rating.notes:
        if not note.startswith("confidence "):
            out(f"Note: {term_markup(note)}")
    scores = ", ".join(f"tier {k} {v:.0%}" for k, v in sorted(rating.tier_scores.items()))
    out(f"Checks: {counts(report)} · {scores}")
    limit = None if verbose else DEFAULT_EVIDENCE
    for family, results in by_family(report).items():
        out()
        out(Text(family, style="bold underline"))
        for result in results:
            spec = result.spec
            line = Text(f"  {SYMBOLS[result.status]} ", style=STYLES[result.status])
            line.append(f"{spec.id} ", style="bold")
            line.append(f"[{spec.level}{'*' if spec.required else ''}] {spec.title}")
            out(line)
            reason = (
                result.reason
                if result.status is not Status.IGNORED
                else (f"{result.ignore_reason} (the check found: {result.reason})")
            )
            out(
                Text(
                    f"      {result.status.value}: {term_text(reason)}",
                    style="dim" if result.status is Status.PASS else "",
                )
            )
            shown = result.evidence if limit is None else result.evidence[:limit]
            for ev in shown:
                snippet = f"  {ev.snippet}" if ev.snippet else ""
                out(Text(term_text(f"      · {location(ev.path, ev.line)}{snippet}")[:WIDTH], style="dim"))
            if len(shown) < len(result.evidence):
                out(Text(f"      · … {len(result.evidence) - len(shown)} more (--verbose)", style="dim"))
    steps = next_steps(report)
    if steps:
        out()
        out(Text(f"Next steps toward Level {rating.next_level}", style="bold"))
        for index, result in enumerate(steps, 1):
            tag = "required" if result.spec.required else result.spec.weight.value
            out(f"  {index}. {result.spec.id} ({tag}) {term_markup(result.spec.remediation)}")
    if report.warnings:
        out()
        out(Text(f"Warnings ({len(report.warnings)})", style="bold yellow"))
        for warning in report.warnings if verbose else report.warnings[:10]:
            out(f"  ! {term_markup(warning)}")
        if not verbose and len(report.warnings) > 10:
            out(f"  ! … {len(report.warnings) - 10} more (--verbose)")
    out()
    out("* required check · [F] foundation, [1] Level 1, [2] Level 2 · rule: docs/assess.md")
    return buffer.getvalue()
