"""The root Typer app: global options, command registration and the one place errors become exit codes.

Command modules import only typer at module level; heavy imports happen inside the commands so that
`mlops-level --help` stays fast.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import Annotated, NoReturn

import typer

from mlops_level import __version__
from mlops_level.errors import EXIT_BAD_INPUT, EXIT_TERMINATED, Terminated, UserError

app = typer.Typer(
    name="mlops-level",
    help=(
        "Rate an ML repository on Google Cloud's MLOps maturity model (Level 0 manual, Level 1 pipeline "
        "automation, Level 2 CI/CD automation) and scaffold projects for a chosen level.\n\n"
        "Examples:\n\n"
        "  mlops-level assess ./my-repo\n\n"
        "  mlops-level new --level 1 --name churn-model --no-input\n\n"
        "Exit codes: 0 success; 1 a threshold was not met (--fail-under, failing verification); 2 bad input."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"mlops-level {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool | None,
        typer.Option(
            "--version", "-V", callback=_version_callback, is_eager=True, help="Print the version and exit."
        ),
    ] = None,
) -> None:
    """Rate ML repositories on the MLOps maturity model, and scaffold projects that really run."""


def _register() -> None:
    from mlops_level import assess_cmd, checklist_cmd, new_cmd, survey_cmd

    assess_cmd.register(app)
    checklist_cmd.register(app)
    new_cmd.register(app)
    survey_cmd.register(app)


_register()


# errno values that mean "standard output cannot take more": a closed pipe, a full or failing device.
_OUTPUT_ERRORS = {errno.EPIPE, errno.ENOSPC, errno.EIO, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _one_line(message: str) -> str:
    """The message on one line, control characters (ANSI escapes, newlines) shown as escapes."""
    return "".join(
        char if char.isprintable() or char == " " else repr(char)[1:-1] for char in message.strip()
    )


def _fail(message: str, code: int) -> NoReturn:
    try:
        sys.stderr.write(f"mlops-level: error: {_one_line(message)}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # stderr is gone too: the exit code is all that is left
    sys.exit(code)


def _silence_stdout() -> None:
    """Point standard output at the null device, so the interpreter's last flush cannot fail again."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


def _output_error(exc: OSError) -> str:
    where = exc.filename if exc.filename is not None else "to standard output"
    return f"cannot write {where}: {exc.strerror or exc}"


def _identity(stream) -> tuple[object, tuple[int, int] | None]:
    try:
        status = os.fstat(stream.fileno())
        return stream, (status.st_dev, status.st_ino)
    except (OSError, ValueError, AttributeError):
        return stream, None


def _pipe_was_closed(before: tuple[object, tuple[int, int] | None]) -> bool:
    """Whether click or rich met a closed pipe on stdout and exited 1 quietly: click swaps sys.stdout
    for a wrapper, rich points file descriptor 1 at the null device."""
    stream, device = before
    return sys.stdout is not stream or (device is not None and _identity(sys.stdout)[1] != device)


def main() -> None:
    """Console-script entry point: every error becomes one line on stderr and its exit code.

    A user error exits with its code (2: bad input); SIGTERM with 143 after the commands clean up;
    standard output that cannot be written (`> /dev/full`, a closed pipe) with 2.
    """
    before = _identity(sys.stdout)
    try:
        try:
            app()
        except SystemExit as exc:
            if exc.code == 1 and _pipe_was_closed(before):
                raise OSError(errno.EPIPE, os.strerror(errno.EPIPE)) from None
            sys.stdout.flush()  # buffered output fails here, not silently at exit
            raise
    except UserError as exc:
        _fail(str(exc), exc.exit_code)
    except Terminated:
        _fail("terminated by SIGTERM; temporary files were removed", EXIT_TERMINATED)
    except OSError as exc:
        if exc.errno not in _OUTPUT_ERRORS:
            raise
        if exc.filename is None:
            _silence_stdout()
        _fail(_output_error(exc), EXIT_BAD_INPUT)
