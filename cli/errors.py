"""The one exception type for user errors (bad input), turned into a one-line message in `app.main`.

Also SIGTERM as an exception (`sigterm_raises`), so a cancelled CI job cleans up as Ctrl-C does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

EXIT_OK = 0
EXIT_BELOW_THRESHOLD = 1
EXIT_BAD_INPUT = 2
EXIT_TERMINATED = 128 + 15  # what a shell reports for a process ended by SIGTERM


class UserError(Exception):
    """A problem the user can fix: printed as one line, never as a traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Terminated(BaseException):
    """SIGTERM arrived (a CI job cancelled): raised like KeyboardInterrupt, so `finally` blocks clean up."""


def _raise_terminated(signum, frame):
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not interrupt the clean-up
    raise Terminated()


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """While inside, SIGTERM raises Terminated (as SIGINT raises KeyboardInterrupt) instead of killing.

    Only in the main thread, and only over the default disposition: an ignored SIGTERM or a handler
    someone else installed is left as it is. The previous disposition comes back on exit.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous is not signal.SIG_DFL:
        yield
        return
    signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
