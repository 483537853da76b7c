"""The rubric as documentation: `mlops-level checks` in text, Markdown or JSON, from the registry."""

from __future__ import annotations

import json

from mlops_level.assess.api import CHECKS
from mlops_level.assess.rating import THRESHOLD


def rubric_text() -> str:
    lines = [
        f"{len(CHECKS)} checks. Level 1: every required F/1 check passes and the F+1 tier scores >= "
        f"{THRESHOLD:.0%}; Level 2: Level 1, every required level-2 check passes and the level-2 tier "
        f">= {THRESHOLD:.0%}. Weights: required 3, normal 2, low 1.",
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
        description = " ".join(spec.description.split()).replace("|", "\\|")
        lines.append(
            f"| {spec.id} | {spec.name} | {spec.level} | {spec.weight.value} | {spec.title} | "
            f"{description} | {spec.remediation.replace('|', '/')} |"
        )
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
