"""The survey's result types, its versioned JSON, the target-list parser and the comparison of two surveys.

All pure: no I/O, so tests drive them with literal inputs. A repository is identified by its target as the
user wrote it (path or URL), which is what `--compare` matches on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SURVEY_SCHEMA_VERSION = "1.0"
SURVEY_KIND = "mlops-level-survey"


class SurveyError(ValueError):
    """Bad survey input (an unreadable target list, a file that is not a survey): one line for the user."""


@dataclass
class SurveyRow:
    """One repository of a survey: its rating, or `error` (not found, clone refused, timed out ...)."""

    target: str
    ok: bool
    error: str = ""
    level: int | None = None
    next_level: int | None = None
    progress: int | None = None
    confidence: str = ""
    blocking: list[str] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)  # {"capability", "label", "remediation"}
    families: dict[str, dict[str, float | None]] = field(default_factory=dict)  # family -> tier -> score
    checks: dict[str, str] = field(default_factory=dict)  # check ID -> status
    repo: dict = field(default_factory=dict)
    seconds: float = 0.0
    report: str = ""  # the path of its HTML report (--reports), "" when none was written

    @property
    def missing_labels(self) -> list[str]:
        return [str(item.get("label", "")) for item in self.missing]


@dataclass
class Survey:
    """Every row in the order the targets were given, the family names in rubric order, and (with
    `--compare`) what changed since an older survey."""

    rows: list[SurveyRow]
    families: list[str]
    tool_version: str
    created: str = ""
    comparison: dict | None = None

    def levels(self) -> dict[str, int]:
        """How many repositories sit at each level, and how many could not be rated ("error")."""
        tally = {"0": 0, "1": 0, "2": 0, "error": 0}
        for row in self.rows:
            tally[str(row.level) if row.ok else "error"] += 1
        return tally


def parse_targets(text: str) -> list[str]:
    """One target per line; blank lines and lines starting with `#` are ignored, surrounding spaces too."""
    targets = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            targets.append(line)
    return targets


def survey_to_dict(result: Survey) -> dict:
    """The versioned survey JSON (what `--format json` writes and `--compare` reads back)."""
    data = {
        "schema_version": SURVEY_SCHEMA_VERSION,
        "kind": SURVEY_KIND,
        "tool": "mlops-level",
        "tool_version": result.tool_version,
        "created": result.created,
        "families": result.families,
        "summary": {
            "repositories": len(result.rows),
            "rated": sum(row.ok for row in result.rows),
            "failed": sum(not row.ok for row in result.rows),
            "levels": result.levels(),
        },
        "repositories": [_row_to_dict(row) for row in result.rows],
    }
    if result.comparison is not None:
        data["compare"] = result.comparison
    return data


def _row_to_dict(row: SurveyRow) -> dict:
    return {
        "target": row.target,
        "ok": row.ok,
        "error": row.error or None,
        "level": row.level,
        "next_level": row.next_level,
        "progress": row.progress,
        "confidence": row.confidence or None,
        "blocking": row.blocking,
        "missing": row.missing,
        "family_scores": {
            family: {tier: None if score is None else round(score, 4) for tier, score in tiers.items()}
            for family, tiers in row.families.items()
        },
        "checks": row.checks,
        "repo": row.repo,
        "seconds": round(row.seconds, 3),
        "report": row.report or None,
    }


def survey_from_dict(data: object) -> Survey:
    """A survey read back from its JSON; SurveyError when `data` is not one this version understands."""
    if not isinstance(data, dict) or data.get("kind") != SURVEY_KIND:
        raise SurveyError("not a survey JSON written by `mlops-level survey --format json`")
    version = str(data.get("schema_version", ""))
    if version.split(".")[0] != SURVEY_SCHEMA_VERSION.split(".")[0]:
        raise SurveyError(f"survey schema {version!r} is not supported (this version reads 1.x)")
    entries = data.get("repositories")
    if not isinstance(entries, list):
        raise SurveyError("the survey JSON has no list of repositories")
    rows = []
    for number, entry in enumerate(entries, 1):
        try:
            rows.append(_row_from_dict(entry))
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise SurveyError(f"repository {number} of the survey JSON is malformed ({exc})") from None
    families = data.get("families")
    return Survey(
        rows=rows,
        families=[str(f) for f in families] if isinstance(families, list) else [],
        tool_version=str(data.get("tool_version", "")),
        created=str(data.get("created", "")),
    )


def _row_from_dict(entry: dict) -> SurveyRow:
    ok = bool(entry["ok"])
    level = entry.get("level")
    if ok and level not in (0, 1, 2):
        raise ValueError(f"level {level!r}")
    checks = entry.get("checks") or {}
    if not isinstance(checks, dict):
        raise ValueError("checks is not an object")
    return SurveyRow(
        target=str(entry["target"]),
        ok=ok,
        error=str(entry.get("error") or ""),
        level=level if ok else None,
        next_level=entry.get("next_level"),
        progress=entry.get("progress"),
        confidence=str(entry.get("confidence") or ""),
        blocking=[str(i) for i in entry.get("blocking") or []],
        missing=[dict(m) for m in entry.get("missing") or []],
        families={str(k): dict(v) for k, v in (entry.get("family_scores") or {}).items()},
        checks={str(k): str(v) for k, v in checks.items()},
        repo=dict(entry.get("repo") or {}),
        seconds=float(entry.get("seconds") or 0.0),
        report=str(entry.get("report") or ""),
    )


def compare(old: Survey, new: Survey) -> dict:
    """What changed from `old` to `new`, matched by target: repositories that moved up or down a level,
    those whose checks changed status (check ID, before, after), and targets added, removed, or rated in
    only one of the two surveys."""
    before = {row.target: row for row in old.rows}
    moved_up, moved_down, changed, unrated = [], [], [], []
    unchanged = 0
    for row in new.rows:
        previous = before.get(row.target)
        if previous is None:
            continue
        if not (row.ok and previous.ok):
            if row.ok != previous.ok:
                unrated.append(
                    {
                        "target": row.target,
                        "before": previous.level if previous.ok else previous.error,
                        "after": row.level if row.ok else row.error,
                    }
                )
            continue
        move = {"target": row.target, "before": previous.level, "after": row.level}
        if row.level > previous.level:
            moved_up.append(move)
        elif row.level < previous.level:
            moved_down.append(move)
        else:
            unchanged += 1
        diffs = [
            {"id": check_id, "before": previous.checks.get(check_id), "after": row.checks.get(check_id)}
            for check_id in sorted(set(previous.checks) | set(row.checks))
            if previous.checks.get(check_id) != row.checks.get(check_id)
        ]
        if diffs:
            changed.append({"target": row.target, "changes": diffs})
    targets = {row.target for row in new.rows}
    return {
        "against_created": old.created or None,
        "moved_up": moved_up,
        "moved_down": moved_down,
        "unchanged": unchanged,
        "checks_changed": changed,
        "rated_once": unrated,
        "added": [row.target for row in new.rows if row.target not in before],
        "removed": [row.target for row in old.rows if row.target not in targets],
    }
