"""The survey as a terminal table, CSV, JSON, or the HTML dashboard (`dashboard.py`).

Targets and error reasons come from the user and from the repositories: the table shows them through
`term_text`, the CSV guards cells that a spreadsheet would read as a formula, JSON keeps them raw.
"""

from __future__ import annotations

import csv
import io

from mlops_level.assess.report.escape import json_text, plain, term_text
from mlops_level.assess.survey.model import Survey, SurveyRow, survey_to_dict

WIDTH = 120
CONFIDENCE_STYLES = {"high": "green", "medium": "yellow", "low": "red"}
LEVEL_STYLES = {0: "yellow", 1: "cyan", 2: "green"}


def render_table(result: Survey, *, color: bool = False, width: int = WIDTH) -> str:
    """A table for the terminal: one line per repository, then the level distribution."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title=None, show_lines=False, expand=False)
    for name, justify in (
        ("Repository", "left"),
        ("Level", "right"),
        ("Confidence", "left"),
        ("Progress", "right"),
        ("Blocks the next level", "left"),
    ):
        table.add_column(name, justify=justify, overflow="fold")
    for row in result.rows:
        if row.ok:
            progress = "top" if row.next_level is None else f"{row.progress}% → L{row.next_level}"
            table.add_row(
                Text(term_text(row.target)),
                Text(str(row.level), style=LEVEL_STYLES.get(row.level, "")),
                Text(row.confidence, style=CONFIDENCE_STYLES.get(row.confidence, "")),
                progress,
                Text(term_text(", ".join(row.missing_labels) or "—")),
            )
        else:
            table.add_row(
                Text(term_text(row.target)), Text("—"), "", "", Text(term_text(row.error), style="red")
            )
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        color_system="standard" if color else None,
        highlight=False,
        emoji=False,
    )
    console.print(table)
    console.print(Text(summary_line(result)))
    if result.comparison is not None:
        for line in comparison_lines(result.comparison):
            console.print(Text(term_text(line)))
    return buffer.getvalue()


def summary_line(result: Survey) -> str:
    levels = result.levels()
    text = (
        f"{len(result.rows)} repositories: Level 0 {levels['0']}, Level 1 {levels['1']}, "
        f"Level 2 {levels['2']}"
    )
    return text + (f", not rated {levels['error']}" if levels["error"] else "")


def comparison_lines(comparison: dict) -> list[str]:
    def moves(items: list[dict]) -> str:
        return ", ".join(f"{item['target']} ({item['before']} → {item['after']})" for item in items) or "none"

    lines = [
        f"Moved up: {moves(comparison['moved_up'])}",
        f"Moved down: {moves(comparison['moved_down'])}",
        f"Checks changed in {len(comparison['checks_changed'])} repositories; "
        f"{comparison['unchanged']} kept their level",
    ]
    if comparison["added"]:
        lines.append("New: " + ", ".join(comparison["added"]))
    if comparison["removed"]:
        lines.append("No longer surveyed: " + ", ".join(comparison["removed"]))
    return lines


def render_json(result: Survey) -> str:
    return json_text(survey_to_dict(result)) + "\n"


CSV_COLUMNS = [
    "target",
    "ok",
    "level",
    "next_level",
    "progress",
    "confidence",
    "blocks_next_level",
    "blocking_checks",
    "error",
    "seconds",
    "report",
]


def render_csv(result: Survey) -> str:
    """One row per repository; one column per family with its score over all its checks (percent)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS + [f"family: {family}" for family in result.families])
    for row in result.rows:
        writer.writerow([_cell(value) for value in _csv_values(row, result.families)])
    return buffer.getvalue()


def _csv_values(row: SurveyRow, families: list[str]) -> list[object]:
    scores = []
    for family in families:
        score = row.families.get(family, {}).get("all")
        scores.append("" if score is None else f"{score * 100:.1f}")
    return [
        row.target,
        "true" if row.ok else "false",
        "" if row.level is None else row.level,
        "" if row.next_level is None else row.next_level,
        "" if row.progress is None else row.progress,
        row.confidence,
        "; ".join(row.missing_labels),
        " ".join(row.blocking),
        row.error,
        f"{row.seconds:.3f}",
        row.report,
        *scores,
    ]


def _cell(value: object) -> str:
    """A CSV cell on one line; text a spreadsheet would evaluate (`=`, `+`, `-`, `@`) starts with `'`."""
    text = plain(value)
    if text[:1] in ("=", "+", "-", "@") and not _is_number(text):
        text = "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
