"""Where a command's result goes: `-o FILE` (never replacing a file unless --force) or standard output.

Every failure to write (an unreadable folder, a full device, a closed pipe) is a UserError: one line, exit 2.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from mlops_level.errors import UserError


def exists(output: Path) -> bool:
    """Whether -o names an existing file; a folder on the way that cannot be read is a UserError."""
    try:
        return output.exists()
    except OSError as exc:
        raise UserError(f"cannot write {output}: {exc.strerror or exc}") from None


def emit(text: str, output: Path | None, force: bool = False, noun: str = "report") -> None:
    """Write `text` to -o (never replacing a file unless `force`) or to standard output."""
    if output is None:
        write_stdout(text, noun)
        return
    try:
        with open(output, "w" if force else "x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        message = f"{output} already exists; choose another file or pass --force to replace it"
        raise UserError(message) from None
    except OSError as exc:
        raise UserError(f"cannot write {output}: {exc.strerror or exc}") from None
    typer.echo(f"{noun} written to {output}", err=True)


def write_stdout(text: str, noun: str = "report") -> None:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as exc:
        _silence_stdout()
        raise UserError(f"cannot write the {noun} to standard output: {exc.strerror or exc}") from None


def _silence_stdout() -> None:
    """Point standard output at the null device, so that the flush at exit cannot fail a second time."""
    import os

    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (a test runner's buffer)
        pass
