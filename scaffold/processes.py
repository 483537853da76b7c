"""Processes run by verify: each in its own process group, ended with all it started; output kept bounded."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

GRACE_SECONDS = 5.0  # between SIGTERM and SIGKILL when a step's process group is ended
OUTPUT_LIMIT = 4 * 1024 * 1024  # the bytes of a step's output kept (its end: the tail is what is shown)


class Output:
    """A step's combined output, read on a thread so a wait can time out; only its last bytes are kept."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self._chunks: list[bytes] = []
        self._size = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for chunk in iter(lambda: self._stream.read1(65536), b""):
                with self._lock:
                    self._chunks.append(chunk)
                    self._size += len(chunk)
                    while self._size - len(self._chunks[0]) >= OUTPUT_LIMIT:
                        self._size -= len(self._chunks.pop(0))
        except (OSError, ValueError):
            pass  # the pipe was closed under us

    def text(self, wait: float) -> str:
        """The output so far, after waiting up to `wait` s for the end (a process outside the group may
        hold the pipe open; it is not waited for)."""
        self._thread.join(wait)
        with self._lock:
            data = b"".join(self._chunks)[-OUTPUT_LIMIT:]
        return data.decode("utf-8", errors="replace")


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def end_group(process: subprocess.Popen) -> None:
    """End the step's whole process group (the step and anything it started): SIGTERM, then SIGKILL."""
    if os.name != "posix":  # pragma: no cover - no process groups: end the step itself
        if process.poll() is None:
            process.kill()
        process.wait()
        return
    group = process.pid  # start_new_session: the step leads its own session and group
    try:
        os.killpg(group, signal.SIGTERM)
    except ProcessLookupError:
        process.wait()
        return
    deadline = time.monotonic() + GRACE_SECONDS
    while time.monotonic() < deadline:
        process.poll()  # reap the leader, so a finished one does not keep the group alive as a zombie
        if not _group_alive(group):
            break
        time.sleep(0.02)
    else:
        try:
            os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait()
