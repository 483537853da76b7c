"""The service follows `@champion` by itself: a background thread polls the registry and swaps in the new model.

Promotion (`make promote`) and rollback (`make rollback`) move the alias; every `champion_poll_seconds`
(`CHAMPION_POLL_SECONDS`, default 30; 0 turns polling off) the watcher reads it, one cheap registry call, and when it
points at another version loads that model and swaps `state["model"]` and `state["version"]` together under
`state["lock"]`. A failed read or load keeps serving the model already loaded (the error is logged and kept in
`state["reload_error"]`); `/health` reports the version being served.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from . import registry
from .config import Settings

log = logging.getLogger(__name__)


class ChampionWatch:
    """A daemon thread that reloads the champion into `state` whenever the alias moves."""

    def __init__(self, state: dict[str, Any], settings: Settings, interval: float) -> None:
        self.state, self.settings, self.interval = state, settings, interval
        self.state.setdefault("lock", threading.Lock())
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="champion-watch", daemon=True)

    def check(self) -> bool:
        """One poll: reload when the alias points elsewhere; True when a new model was swapped in."""
        try:
            current = registry.alias_version(registry.client(self.settings), self.settings.model_name,
                                             registry.CHAMPION)
            if current is None or str(current.version) == self.state.get("version"):
                return False
            champion = registry.load_champion(self.settings)
        except Exception as error:  # any failure: keep serving what is loaded
            self.state["reload_error"] = f"{type(error).__name__}: {error}"
            log.warning("champion reload failed, still serving version %s: %s", self.state.get("version"), error)
            return False
        if champion is None:
            return False
        with self.state["lock"]:
            previous = self.state.get("version")
            self.state.update(model=champion.model, version=str(champion.version), error=None, reload_error=None)
        log.info("champion moved: now serving version %s (was %s)", champion.version, previous)
        return True

    def _loop(self) -> None:
        while not self._stopped.wait(self.interval):
            self.check()

    def start(self) -> ChampionWatch:
        if self.interval > 0:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.interval + 5)


def start(state: dict[str, Any], settings: Settings) -> ChampionWatch:
    """Start following `@champion` every `settings.champion_poll_seconds`; call `.stop()` at shutdown."""
    return ChampionWatch(state, settings, settings.champion_poll_seconds).start()
