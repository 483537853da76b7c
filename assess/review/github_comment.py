"""Create or update the one mlops-level comment on a pull request, found by a hidden marker.

The HTTP layer is a plain function `(method, url, headers, body) -> (status, parsed JSON)`, so tests inject
a fake and nothing here reaches the network unless the default transport (urllib) is used.
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
    if existing is None:
        _call(transport, "POST", f"{base}/issues/{number}/comments", headers, data, expect=201)
        return "created"
    _call(transport, "PATCH", f"{base}/issues/comments/{existing}", headers, data, expect=200)
    return "updated"


def _find_marked(base: str, number: int, headers: dict, transport: Transport) -> int | None:
    page = 1
    while True:
        url = f"{base}/issues/{number}/comments?per_page={PAGE_SIZE}&page={page}"
        comments = _call(transport, "GET", url, headers, None, expect=200) or []
        for comment in comments:
            if str(comment.get("body") or "").startswith(MARKER):
                return int(comment["id"])
        if len(comments) < PAGE_SIZE:
            return None
        page += 1


def _call(
    transport: Transport, method: str, url: str, headers: dict, body: bytes | None, *, expect: int
) -> Any:
    status, payload = transport(method, url, headers, body)
    if status != expect:
        raise GitHubError(f"{method} {url.split('?')[0]} answered HTTP {status}")
    return payload
