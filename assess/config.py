"""The scanned repository's own settings for mlops-level: `[tool.mlops-level]` in its pyproject.toml, or a
`.mlops-level.toml` (top-level keys, or the same `[tool.mlops-level]` table). Read from the collected facts.

```toml
[tool.mlops-level]
ignore = { ML203 = "retraining is scheduled in the Vertex AI console", ML507 = "no infrastructure of our
own" }
```
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .facts import Facts

SCAFFOLD_KEYS = ("verify", "new")  # .mlops-level.toml tables read by `mlops-level new`/`verify`, not assess


@dataclass
class Settings:
    ignore: dict[str, str] = field(default_factory=dict)  # check ID -> reason
    source: str | None = None
    warnings: list[str] = field(default_factory=list)


def read_settings(facts: Facts, known_ids: set[str]) -> Settings:
    for path in (".mlops-level.toml", "pyproject.toml"):
        doc = facts.toml.get(path)
        if doc is None:
            continue
        table = doc.get("tool", {}).get("mlops-level")
        if table is None and path == ".mlops-level.toml":
            table = doc
        if table is None:
            continue
        return _parse(table, path, known_ids)
    return Settings()


def _parse(table, path: str, known_ids: set[str]) -> Settings:
    settings = Settings(source=path)
    if not isinstance(table, dict):
        settings.warnings.append(f"{path}: [tool.mlops-level] must be a table")
        return settings
    ignore = table.get("ignore", {})
    if isinstance(ignore, list):
        ignore = {str(item): "" for item in ignore}
    if not isinstance(ignore, dict):
        settings.warnings.append(f'{path}: `ignore` must be a table of check ID = "reason"')
        return settings
    for check_id, reason in ignore.items():
        check_id = str(check_id).upper()
        if check_id not in known_ids:
            settings.warnings.append(f"{path}: unknown check {check_id} in `ignore`")
            continue
        reason = str(reason).strip() if reason is not None else ""
        if not reason:
            settings.warnings.append(f"{path}: {check_id} is ignored without a reason; give one")
        settings.ignore[check_id] = reason or "no reason given"
    for key in table:
        if key not in ("ignore", *SCAFFOLD_KEYS):
            settings.warnings.append(f"{path}: unknown setting `{key}` in [tool.mlops-level]")
    return settings
