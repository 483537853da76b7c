"""The one reader for files a user or a project hands us (answers, declarations, workflows, events).

Every read is bounded (a `--config /dev/zero` stops at the limit instead of filling memory) and decoded
strictly, and every failure is a one-line UserError naming the file: never a traceback.
"""

from __future__ import annotations

from pathlib import Path

from mlops_level.errors import UserError

MiB = 1024 * 1024
CONFIG_LIMIT = 1 * MiB  # answers files, .mlops-level.toml, .cruft.json, replayed workflows


def read_bytes(path: Path | str, what: str, limit: int = CONFIG_LIMIT) -> bytes:
    """At most `limit` bytes of the file; a larger (or endless) one is refused after reading limit + 1."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise UserError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise UserError(f"{what} {path} is larger than {_size(limit)}; is it the right file?")
    return data


def read_text(path: Path | str, what: str, limit: int = CONFIG_LIMIT) -> str:
    """The file as UTF-8 text (a leading byte-order mark dropped); binary content is refused."""
    data = read_bytes(path, what, limit)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"{what} {path} is not UTF-8 text (byte {exc.start} is invalid)") from None
    if "\0" in text:
        raise UserError(f"{what} {path} is not text (it holds a NUL byte)")
    return text


def _size(limit: int) -> str:
    return f"{limit // MiB} MiB" if limit % MiB == 0 else f"{limit} bytes"
