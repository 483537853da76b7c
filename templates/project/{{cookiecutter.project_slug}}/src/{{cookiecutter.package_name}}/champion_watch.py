"""The service follows `@champion` by itself: a background thread polls the registry and swaps in the new model.

Promotion (`make promote`) and rollback (`make rollback`) move the alias; every `champion_poll_seconds`
(`CHAMPION_POLL_SECONDS`, default 30; 0 turns polling off) the watcher reads it, one cheap registry call, and when it
points at another version builds the new serving state (`serve.load_serving`: the model, its version and its
input ranges) and swaps it in with one assignment, `app.state.serving = new`, so a request sees the old state or
the new one, never half of each. A failed read or load keeps serving what is loaded (the error is logged and kept
in `watch.reload_error`); `/health` reports the version being served.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from . import registry
from .config import Settings

log = logging.getLogger(__name__)


class ChampionWatch:
    """A daemon thread that reloads the champion into `app.state.serving` whenever the alias moves."""

    def __init__(self, app: Any, settings: Settings, interval: float, load: Callable[[Settings], Any]) -> None:
        self.app, self.settings, self.interval, self.load = app, settings, interval, load
        self.reload_error: str | None = None
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="champion-watch", daemon=True)

    def check(self) -> bool:
        """One poll: reload when the alias points elsewhere; True when a new model was swapped in."""
        served = self.app.state.serving.version
        try:
            current = registry.alias_version(registry.client(self.settings), self.settings.model_name,
                                             registry.CHAMPION)
            if current is None or str(current.version) == served:
                return False
            serving = self.load(self.settings)
        except Exception as error:  # any failure: keep serving what is loaded
            self.reload_error = f"{type(error).__name__}: {error}"
            log.warning("champion reload failed, still serving version %s: %s", served, error)
            return False
        if serving.model is None:
            return False
        self.app.state.serving, self.reload_error = serving, None
        log.info("champion moved: now serving version %s (was %s)", serving.version, served)
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


def start(app: Any, settings: Settings, load: Callable[[Settings], Any]) -> ChampionWatch:
    """Follow `@champion` every `settings.champion_poll_seconds` (`load` builds the new serving state); `.stop()`
    at shutdown."""
    return ChampionWatch(app, settings, settings.champion_poll_seconds, load).start()
