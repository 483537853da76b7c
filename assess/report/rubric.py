"""The rubric as documentation: `mlops-level checks` in text, Markdown or JSON, from the registry."""

from __future__ import annotations

import json

from mlops_level.assess.api import CHECKS
from mlops_level.assess.report.escape import md_cell, md_cell_markdown


def rubric_text() -> str:
    lines = [
        f"{len(CHECKS)} checks. The level is decided by the capabilities that define it: Level 1 = an "
        "orchestrated training pipeline plus tracking, a registry, validation or data versioning; Level 2 = "
        "Level 1 plus CI that tests or builds the pipeline and CD that deploys it or the model. The checks "
        "score the practices (weights: required 3, normal 2, low 1) and rank the next steps.",
        "",
    ]
    family = None
    for spec in CHECKS:
        if spec.family != family:
            family = spec.family
            lines += ["", family, "-" * len(family)]
        lines.append(f"{spec.id}  [{spec.level}] {spec.weight.value:<8} {spec.title} ({spec.name})")
        lines += [f"        {line}" for line in spec.description.splitlines()]
        lines.append(f"        fix: {spec.remediation}")
    return "\n".join(lines) + "\n"


def rubric_markdown() -> str:
    lines = [
        "| ID | Name | Level | Weight | Check | Evidence | Remediation |",
        "|---|---|---|---|---|---|---|",
    ]
    for spec in CHECKS:
        plain_cells = (spec.id, spec.name, spec.level, spec.weight.value, spec.title)
        markdown_cells = (spec.description, spec.remediation)  # the rubric's own Markdown, `code` kept
        cells = [*map(md_cell, plain_cells), *map(md_cell_markdown, markdown_cells)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def rubric_json() -> str:
    return (
        json.dumps(
            [
                {
                    "id": s.id,
                    "name": s.name,
                    "title": s.title,
                    "family": s.family,
                    "level": s.level,
                    "weight": s.weight.value,
                    "required": s.required,
                    "description": s.description,
                    "remediation": s.remediation,
                    "url": s.url,
                }
                for s in CHECKS
            ],
            indent=2,
        )
        + "\n"
    )


RUBRIC_FORMATS = {"text": rubric_text, "markdown": rubric_markdown, "json": rubric_json}
