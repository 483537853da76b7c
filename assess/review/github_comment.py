"""Create or update the one mlops-level comment on a pull request, found by a hidden marker.

The HTTP layer is a plain function `(method, url, headers, body) -> (status, parsed JSON)`, so tests inject
a fake and nothing here reaches the network unless the default transport (urllib) is used.

Anyone can post a comment on a public pull request, the marker included. A marked comment written by a bot
(the action's own `github-actions[bot]`) is preferred, and when a marked comment by a person cannot be
edited (it is theirs, or was deleted meanwhile) a new one is created: a planted marker cannot silence the
report. The body is the Markdown renderers' output, where repository text is escaped
(assess/report/escape.py), so no file name can carry a marker or a second headline.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

MARKER = "<!-- mlops-level -->"
PAGE_SIZE = 100
Transport = Callable[[str, str, dict, bytes | None], tuple[int, Any]]


class GitHubError(Exception):
    """The GitHub API refused a request (e.g. a read-only token on a pull request from a fork)."""


def urllib_transport(method: str, url: str, headers: dict, body: bytes | None) -> tuple[int, Any]:
    """Send one request with urllib; the JSON answer is parsed (None when empty)."""
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = response.read()
            return response.status, json.loads(payload) if payload else None
    except urllib.error.HTTPError as exc:
        return exc.code, None
    except urllib.error.URLError as exc:
        raise GitHubError(f"cannot reach {url}: {exc.reason}") from None


def upsert_comment(
    *, api_url: str, repo: str, number: int, token: str, body: str, transport: Transport = urllib_transport
) -> str:
    """Update the pull request's comment that starts with MARKER, or create one: "updated" or "created".

    `body` must already start with MARKER, so the next run finds this comment again.
    """
    if not body.startswith(MARKER):
        raise ValueError("the comment body must start with the mlops-level marker")
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": "mlops-level",
        "Content-Type": "application/json",
    }
    base = f"{api_url.rstrip('/')}/repos/{repo}"
    existing = _find_marked(base, number, headers, transport)
    data = json.dumps({"body": body}).encode("utf-8")
    if existing is not None:
        url = f"{base}/issues/comments/{int(existing['id'])}"
        status, _ = transport("PATCH", url, headers, data)
        if status == 200:
            return "updated"
        # Someone else's comment carrying the marker (planted, or ours under another account): write our own.
        # A refusal on a bot's comment is a read-only token (a fork's pull request): nothing else will work.
        if status not in (403, 404) or _by_bot(existing) or not isinstance(existing.get("user"), dict):
            raise GitHubError(f"PATCH {url} answered HTTP {status}")
    _call(transport, "POST", f"{base}/issues/{number}/comments", headers, data, expect=201)
    return "created"


def _find_marked(base: str, number: int, headers: dict, transport: Transport) -> dict | None:
    """The marked comment to update: the first one written by a bot, else the first one."""
    marked: list[dict] = []
    page = 1
    while True:
        url = f"{base}/issues/{number}/comments?per_page={PAGE_SIZE}&page={page}"
        comments = _call(transport, "GET", url, headers, None, expect=200) or []
        marked += [c for c in comments if isinstance(c, dict) and str(c.get("body") or "").startswith(MARKER)]
        if len(comments) < PAGE_SIZE:
            break
        page += 1
    return next((c for c in marked if _by_bot(c)), marked[0] if marked else None)


def _by_bot(comment: dict) -> bool:
    user = comment.get("user")
    return isinstance(user, dict) and user.get("type") == "Bot"


def _call(
    transport: Transport, method: str, url: str, headers: dict, body: bytes | None, *, expect: int
) -> Any:
    status, payload = transport(method, url, headers, body)
    if status != expect:
        raise GitHubError(f"{method} {url.split('?')[0]} answered HTTP {status}")
    return payload
