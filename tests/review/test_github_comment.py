"""Creating or updating the one marked pull-request comment, through an injected HTTP layer."""

import json

import pytest

from mlops_level.assess.github_comment import MARKER, GitHubError, upsert_comment


class FakeGitHub:
    """Answers the three REST calls the comment needs, and records every request."""

    def __init__(self, comments, refuse: int | None = None):
        self.comments = comments
        self.refuse = refuse
        self.calls = []

    def __call__(self, method, url, headers, body):
        self.calls.append((method, url, headers, json.loads(body) if body else None))
        if self.refuse and method != "GET":
            return self.refuse, None
        if method == "GET":
            page = int(url.rsplit("page=", 1)[1])
            return 200, self.comments[(page - 1) * 100:page * 100]
        return (201 if method == "POST" else 200), {"id": 1}


def _upsert(fake, body=f"{MARKER}\nLevel 1"):
    return upsert_comment(api_url="https://api.example/", repo="o/r", number=7, token="t0k", body=body,
                          transport=fake)


def test_creates_a_comment_when_none_is_marked():
    fake = FakeGitHub([{"id": 5, "body": "LGTM"}])
    assert _upsert(fake) == "created"
    method, url, headers, body = fake.calls[-1]
    assert (method, url) == ("POST", "https://api.example/repos/o/r/issues/7/comments")
    assert body == {"body": f"{MARKER}\nLevel 1"} and headers["Authorization"] == "Bearer t0k"


def test_updates_the_marked_comment_found_on_a_later_page():
    comments = [{"id": n, "body": "chatter"} for n in range(100)] + [{"id": 4242, "body": f"{MARKER}\nold"}]
    fake = FakeGitHub(comments)
    assert _upsert(fake) == "updated"
    assert [call[0] for call in fake.calls] == ["GET", "GET", "PATCH"]
    assert fake.calls[-1][1] == "https://api.example/repos/o/r/issues/comments/4242"


def test_a_quoted_marker_inside_another_comment_is_not_ours():
    fake = FakeGitHub([{"id": 3, "body": f"> {MARKER} was here"}])
    assert _upsert(fake) == "created"


def test_refusal_raises_github_error():
    with pytest.raises(GitHubError, match="HTTP 403"):
        _upsert(FakeGitHub([], refuse=403))


def test_body_without_marker_is_a_programming_error():
    with pytest.raises(ValueError):
        _upsert(FakeGitHub([]), body="no marker")
