"""The scanned repository's own settings for mlops-level: `[tool.mlops-level]` in its pyproject.toml, or a
`.mlops-level.toml` (top-level keys, or the same `[tool.mlops-level]` table) at the assessed root.

```toml
[tool.mlops-level]
ignore = { ML203 = "retraining is scheduled in the Vertex AI console", ML507 = "no infrastructure of our
own" }
exclude = ["vendor/", "tests/fixtures/"]   # gitignore-style patterns of paths assess never reads
skip-templates = true                      # the default: cookiecutter/copier template sources are skipped
```

`facts.collect` reads these files first, because `exclude` decides what the inventory holds; it passes the
parsed documents to `read_settings`. Check IDs are validated later, against the registry (`resolve_ignore`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

FILES = (".mlops-level.toml", "pyproject.toml")  # the first one holding settings wins
SCAFFOLD_KEYS = ("verify", "new")  # .mlops-level.toml tables read by `mlops-level new`/`verify`, not assess
ASSESS_KEYS = ("ignore", "exclude", "skip-templates")


@dataclass
class Settings:
    ignore: dict[str, str] = field(default_factory=dict)  # check ID (upper case) -> reason, may be empty
    exclude: list[str] = field(default_factory=list)  # gitignore-style patterns, relative to the root
    exclude_spec: object | None = None  # the compiled `ignorespec.IgnoreSpec` of `exclude` (linear matching)
    skip_templates: bool = True
    source: str | None = None
    warnings: list[str] = field(default_factory=list)


def read_settings(docs: dict[str, dict]) -> Settings:
    """Settings from the parsed settings files (path -> TOML document); shape problems become warnings."""
    for path in FILES:
        doc = docs.get(path)
        if doc is None:
            continue
        tool = doc.get("tool")
        table = tool.get("mlops-level") if isinstance(tool, dict) else None
        if table is None and path == ".mlops-level.toml":
            table = doc
        if table is None:
            continue
        return _parse(table, path)
    return Settings()


def resolve_ignore(settings: Settings, known_ids: set[str]) -> tuple[dict[str, str], list[str]]:
    """The ignored checks (ID -> reason shown in the report) and the warnings about the `ignore` table."""
    ignored: dict[str, str] = {}
    warnings: list[str] = []
    for check_id, reason in settings.ignore.items():
        if check_id not in known_ids:
            warnings.append(f"{settings.source}: unknown check {check_id} in `ignore`")
            continue
        if not reason:
            warnings.append(f"{settings.source}: {check_id} is ignored without a reason; give one")
        ignored[check_id] = reason or "no reason given"
    return ignored, warnings


def _parse(table, path: str) -> Settings:
    settings = Settings(source=path)
    if not isinstance(table, dict):
        settings.warnings.append(f"{path}: [tool.mlops-level] must be a table")
        return settings
    _parse_ignore(settings, table.get("ignore", {}))
    _parse_exclude(settings, table.get("exclude", []))
    skip = table.get("skip-templates", True)
    if isinstance(skip, bool):
        settings.skip_templates = skip
    else:
        settings.warnings.append(f"{path}: `skip-templates` must be true or false; using true")
    for key in table:
        if key not in (*ASSESS_KEYS, *SCAFFOLD_KEYS):
            settings.warnings.append(f"{path}: unknown setting `{key}` in [tool.mlops-level]")
    return settings


def _parse_ignore(settings: Settings, ignore) -> None:
    if isinstance(ignore, list):
        ignore = {str(item): "" for item in ignore}
    if not isinstance(ignore, dict):
        settings.warnings.append(f'{settings.source}: `ignore` must be a table of check ID = "reason"')
        return
    for check_id, reason in ignore.items():
        settings.ignore[str(check_id).upper()] = str(reason).strip() if reason is not None else ""


def _parse_exclude(settings: Settings, exclude) -> None:
    example = 'e.g. exclude = ["vendor/", "tests/fixtures/"]'
    if not isinstance(exclude, list):
        settings.warnings.append(
            f"{settings.source}: `exclude` must be a list of gitignore-style patterns ({example}); "
            "nothing is excluded"
        )
        return
    patterns = [item for item in exclude if isinstance(item, str) and item.strip()]
    if len(patterns) != len(exclude):
        settings.warnings.append(
            f"{settings.source}: `exclude` holds {len(exclude) - len(patterns)} item(s) that are not "
            f"non-empty strings; they are left out ({example})"
        )
    if not patterns:
        return
    from mlops_level.assess.facts.ignorespec import IgnoreSpec

    try:
        spec = IgnoreSpec.from_lines(patterns)
    except ValueError as exc:
        settings.warnings.append(f"{settings.source}: invalid `exclude` pattern ({exc}); nothing is excluded")
        return
    settings.warnings.extend(f"{settings.source}: `exclude`: {problem}" for problem in spec.problems)
    settings.exclude_spec = spec
    settings.exclude = patterns
