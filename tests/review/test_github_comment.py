"""Creating or updating the one marked pull-request comment, through an injected HTTP layer."""

import http.server
import json
import threading

import pytest

from mlops_level.assess.review.github_comment import MARKER, GitHubError, upsert_comment


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
            return 200, self.comments[(page - 1) * 100 : page * 100]
        return (201 if method == "POST" else 200), {"id": 1}


def _upsert(fake, body=f"{MARKER}\nLevel 1"):
    return upsert_comment(
        api_url="https://api.example/", repo="o/r", number=7, token="t0k", body=body, transport=fake
    )


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


class _Api(http.server.BaseHTTPRequestHandler):
    """A local stand-in for the REST API: one marked comment on PR 7; writes are answered (or refused)."""

    seen: list = []
    refuse = False

    def _answer(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.seen.append(("GET", self.path, self.headers["Authorization"]))
        self._answer(200, [{"id": 9, "body": f"{MARKER}\nold"}])

    def do_PATCH(self):  # noqa: N802
        length = int(self.headers["Content-Length"])
        self.seen.append(("PATCH", self.path, json.loads(self.rfile.read(length))))
        self._answer(403 if self.refuse else 200, {"message": "no"} if self.refuse else {"id": 9})

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("refuse", [False, True])
def test_urllib_transport_against_a_local_server(refuse):
    _Api.seen, _Api.refuse = [], refuse
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    api_url = f"http://127.0.0.1:{server.server_port}"
    try:
        if refuse:
            with pytest.raises(GitHubError, match="PATCH .*/repos/o/r/issues/comments/9 answered HTTP 403"):
                upsert_comment(api_url=api_url, repo="o/r", number=7, token="t0k", body=f"{MARKER}\nnew")
        else:
            assert (
                upsert_comment(api_url=api_url, repo="o/r", number=7, token="t0k", body=f"{MARKER}\nnew")
                == "updated"
            )
    finally:
        server.shutdown()
        server.server_close()
    assert _Api.seen[0] == ("GET", "/repos/o/r/issues/7/comments?per_page=100&page=1", "Bearer t0k")
    assert _Api.seen[1] == ("PATCH", "/repos/o/r/issues/comments/9", {"body": f"{MARKER}\nnew"})


def test_unreachable_api_is_a_github_error():
    with pytest.raises(GitHubError, match="cannot reach"):
        upsert_comment(api_url="http://127.0.0.1:9", repo="o/r", number=1, token="t", body=f"{MARKER}\nx")
