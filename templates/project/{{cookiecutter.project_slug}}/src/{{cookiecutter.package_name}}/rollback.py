"""Roll back production: make the previous champion the champion again.

`make rollback` (`python -m <package>.rollback`) moves the `champion` alias back to the version held by
`previous-champion` (which the promotion gate keeps), tags the demoted version `rolled-back`, and logs the
decision on both versions. The next pipeline run is gated against the restored champion.
"""

from __future__ import annotations

import dataclasses
import sys
from datetime import datetime, timezone

from mlflow.exceptions import MlflowException

from . import config, registry

ROLLED_BACK = "rolled-back"


@dataclasses.dataclass(frozen=True)
class Rollback:
    model_name: str
    restored: str
    demoted: str | None


def rollback(settings: config.Settings) -> Rollback:
    """Restore `previous-champion` as `champion`; raise LookupError when there is nothing to roll back to."""
    client = registry.client(settings)
    name = settings.model_name
    previous = registry.alias_version(client, name, registry.PREVIOUS_CHAMPION)  # other registry errors raise
    if previous is None:
        raise LookupError(f"model {name!r} has no {registry.PREVIOUS_CHAMPION!r} version to roll back to")
    current = registry.alias_version(client, name, registry.CHAMPION)
    demoted = str(current.version) if current is not None else None
    registry.check_champion_unchanged(client, name, demoted)  # check-and-set: nobody promoted since the read
    when = datetime.now(timezone.utc).isoformat(timespec="seconds")
    client.set_registered_model_alias(name, registry.CHAMPION, previous.version)
    client.delete_registered_model_alias(name, registry.PREVIOUS_CHAMPION)
    client.set_model_version_tag(name, previous.version, "rollback", f"restored by rollback at {when}")
    if demoted is not None and demoted != previous.version:
        client.set_registered_model_alias(name, ROLLED_BACK, demoted)
        client.set_model_version_tag(name, demoted, "rollback", f"rolled back at {when}")
    return Rollback(name, str(previous.version), demoted)


def main() -> int:
    settings = config.load()
    try:
        result = rollback(settings)
    except (LookupError, registry.ChampionChanged, MlflowException) as error:
        print(f"rollback: error: {error}", file=sys.stderr)
        return 1
    print(f"{result.model_name}: champion is version {result.restored} again"
          + (f" (version {result.demoted} is now {ROLLED_BACK!r})." if result.demoted else "."))
    return 0


if __name__ == "__main__":
    sys.exit(main())
