"""The shell commands of a generated README, as a user would type them, turned into one bash script.

A README's ```bash blocks are read in order; a line ending in `\\` continues on the next one. A command whose
comment names a terminal ("# terminal 1: ... on http://127.0.0.1:4200") keeps running while the user types the
next ones: the script starts it in the background, waits until the URL in that comment answers (without a URL:
until it has stayed up for SETTLE_SECONDS), and stops it (its whole process group) when the block ends.
A command whose comment says it "needs the network" (beyond the package index) is listed as not run, with its
line, as `mlops-level verify` lists it. Everything else must exit 0, in order, or the script stops with the
failing command on stderr.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

FENCE = re.compile(r"^\s*```(\w*)\s*$")
SHELL_LANGUAGES = {"bash", "sh", "shell", "console"}
URL = re.compile(r"https?://(?:localhost|127\.0\.0\.1):\d+(?:/[^\s)`'\";,]*)?")
TERMINAL = re.compile(r"#.*\bterminal\b", re.IGNORECASE)
SETTLE_SECONDS = 15
NEEDS_NETWORK = re.compile(r"#.*\bneeds the network\b", re.IGNORECASE)


@dataclass(frozen=True)
class Command:
    line: str  # as typed, comment included
    background: bool = False  # the README says it keeps running in another terminal
    needs_network: bool = False  # the README says it needs the network: not run here
    url: str | None = None  # where a background command answers once it is ready


def shell_blocks(markdown: str) -> list[list[Command]]:
    """The README's shell code blocks, each a list of commands (continuation lines joined)."""
    blocks: list[list[Command]] = []
    language: str | None = None  # the open block's language; None outside a block
    lines: list[str] = []
    for raw in markdown.splitlines():
        fence = FENCE.match(raw)
        if fence and language is None:
            language, lines = fence.group(1).lower(), []
        elif fence:
            if language in SHELL_LANGUAGES and lines:
                blocks.append(_commands(lines))
            language = None
        elif language is not None:
            lines.append(raw)
    if language is not None:
        raise ValueError("a code block is never closed")
    return [block for block in blocks if block]


def _commands(lines: list[str]) -> list[Command]:
    commands: list[Command] = []
    pending = ""
    for raw in lines:
        text = raw.strip()
        if not text or (text.startswith("#") and not pending):
            continue
        if text.endswith("\\"):
            pending += text[:-1].rstrip() + " "
            continue
        line = pending + text
        pending = ""
        url = URL.search(line)
        background = bool(TERMINAL.search(line))
        commands.append(
            Command(
                line,
                background=background,
                url=url.group(0) if url and background else None,
                needs_network=bool(NEEDS_NETWORK.search(line)),
            )
        )
    if pending:
        raise ValueError(f"a command ends with a line continuation: {pending.strip()!r}")
    return commands


WAIT_FOR_URL = r"""
wait_for_url() {  # wait_for_url URL PID: until the URL answers (any HTTP status), the process dies, or 120 s
    for _ in $(seq 1 240); do
        kill -0 "$2" 2>/dev/null || { echo "README: stopped before $1 answered" >&2; return 1; }
        python3 -c 'import sys, urllib.request, urllib.error
try: urllib.request.urlopen(sys.argv[1], timeout=2)
except urllib.error.HTTPError: pass
except OSError: sys.exit(1)' "$1" && return 0
        sleep 0.5
    done
    echo "README: nothing answered on $1 within 120 s" >&2; return 1
}
stay_up() {  # stay_up PID: the background command is still running after SETTLE_SECONDS
    sleep "$SETTLE_SECONDS"
    kill -0 "$1" 2>/dev/null || { echo "README: stopped within $SETTLE_SECONDS s" >&2; return 1; }
}
stop_background() {
    for pid in "${BACKGROUND[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
    for pid in "${BACKGROUND[@]}"; do wait "$pid" 2>/dev/null || true; done
    BACKGROUND=()
}
failed() {  # failed STATUS COMMAND
    echo "README command failed (exit $1): $2" >&2
    exit "$1"
}
BACKGROUND=()
trap stop_background EXIT
set -o pipefail
"""


def script(blocks: list[list[Command]], log_dir: str) -> str:
    """One bash script running every block in order, with background servers handled as described above."""
    lines = [f"SETTLE_SECONDS={SETTLE_SECONDS}", WAIT_FOR_URL]
    for number, block in enumerate(blocks, start=1):
        lines.append(f"echo '--- README block {number}' >&2")
        for index, command in enumerate(block):
            if command.needs_network:
                note = shlex.quote(f"README: not run (needs the network): {command.line}")
                lines.append(f"echo {note} >&2")
            elif command.background:
                log = shlex.quote(f"{log_dir}/block{number}-command{index}.log")
                lines.append(f"setsid bash -c {shlex.quote(command.line)} >{log} 2>&1 &")
                lines.append("BACKGROUND+=($!)")
                ready = f"wait_for_url {shlex.quote(command.url)} $!" if command.url else "stay_up $!"
                lines.append(f"{ready} || {{ cat {log} >&2; failed 1 {shlex.quote(command.line)}; }}")
            else:  # braces keep `cd` and `. .venv/bin/activate` in this shell; the newline ends a comment
                lines.append(f"{{\n{command.line}\n}} || failed $? {shlex.quote(command.line)}")
        lines.append("stop_background")
    return "\n".join(lines) + "\n"
