"""A minimal headless Chromium driver over the DevTools protocol on a pipe (`--remote-debugging-pipe`):
no extra dependency, no port. Opens a `file://` page with the network emulated offline, records console
messages, uncaught exceptions, log entries (CSP violations land there) and every request that is not
`file:`/`data:`, and takes a screenshot.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import struct
import subprocess
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"


def chromium_path() -> str | None:
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class PageResult:
    errors: list[str] = field(default_factory=list)  # console errors, exceptions, error log entries
    requests: list[str] = field(default_factory=list)  # URLs other than file: and data:
    screenshot: bytes = b""  # the whole page, full size
    thumbnail: bytes = b""  # the first screen at a quarter of its size, for the blank-page test
    text_length: int = 0
    title: str = ""
    theme_after_toggle: str = ""


class Browser:
    def __init__(self, executable: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="mlops-level-chromium-")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        # Chromium reads commands on fd 3 and writes replies on fd 4.
        args = [
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-default-apps",
            "--no-first-run",
            "--no-default-browser-check",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--proxy-server=127.0.0.1:9",
            f"--user-data-dir={self.profile}",
            "--remote-debugging-pipe",
            "--window-size=1280,2000",
            "about:blank",
        ]

        def wire() -> None:
            commands, replies = os.dup(to_child_r), os.dup(from_child_w)  # clear of 3 and 4 first
            os.dup2(commands, 3)
            os.dup2(replies, 4)

        self.process = subprocess.Popen(
            args,
            preexec_fn=wire,
            pass_fds=(),
            close_fds=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("chromium did not answer")
            chunk = os.read(self._from_child, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout=30.0):
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, session: str, timeout: float = 30.0) -> dict:
        for index, event in enumerate(self.events):
            if event.get("method") == method and event.get("sessionId") == session:
                return self.events.pop(index)
        deadline = time.monotonic() + timeout
        while True:
            event = self._read_message(deadline)
            if event.get("method") == method and event.get("sessionId") == session:
                return event
            self.events.append(event)

    def open(self, url: str) -> PageResult:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session=session)
        self.send(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
            session=session,
        )
        self.events.clear()
        self.send("Page.navigate", {"url": url}, session=session)
        self.wait_for("Page.loadEventFired", session)
        result = PageResult()
        evaluate = self._evaluator(session)
        result.title = evaluate("document.title")
        result.text_length = evaluate("document.body ? document.body.innerText.trim().length : 0")
        # Exercise the inline script: the theme toggle and a sortable column (errors would show below).
        result.theme_after_toggle = evaluate(
            "(function(){var b=document.getElementById('theme-toggle');if(!b||b.hidden)return 'no toggle';"
            "b.click();var t=document.documentElement.dataset.theme;"
            "var h=document.querySelector('table.sortable thead th button');if(h){h.click();h.click();}"
            "return t;})()"
        )
        shot = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session)
        result.screenshot = base64.b64decode(shot["data"])
        clip = {"x": 0, "y": 0, "width": 1280, "height": 2000, "scale": 0.25}
        small = self.send("Page.captureScreenshot", {"format": "png", "clip": clip}, session)
        result.thumbnail = base64.b64decode(small["data"])
        time.sleep(0.2)
        self.send("Runtime.evaluate", {"expression": "1"}, session=session)  # drain late events
        for event in self.events:
            if event.get("sessionId") != session:
                continue
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
                args = " ".join(str(arg.get("value", arg.get("description", ""))) for arg in params["args"])
                result.errors.append(f"console.{params['type']}: {args}")
            elif method == "Runtime.exceptionThrown":
                result.errors.append(f"exception: {params['exceptionDetails'].get('text')}")
            elif method == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
                result.errors.append(f"log: {params['entry'].get('text')}")
            elif method == "Network.requestWillBeSent":
                request_url = params["request"]["url"]
                if not request_url.startswith(("file:", "data:", "about:")):
                    result.requests.append(request_url)
        self.send("Target.closeTarget", {"targetId": target})
        return result

    def _evaluator(self, session: str):
        def evaluate(expression: str):
            reply = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
            if "exceptionDetails" in reply:
                raise AssertionError(f"{expression}: {reply['exceptionDetails']}")
            return reply["result"].get("value")

        return evaluate


def distinct_colours(png: bytes, limit: int = 64) -> int:
    """How many distinct pixel colours a PNG screenshot has (8-bit RGB/RGBA, non-interlaced), up to `limit`:
    1 means a blank page."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, idat, header = 8, b"", None
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        data = png[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", data)
        elif kind == b"IDAT":
            idat += data
        position += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    colours: set[bytes] = set()
    offset = 0
    for _ in range(height):
        kind = raw[offset]
        line = bytearray(raw[offset + 1 : offset + 1 + stride])
        offset += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - corner
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
                best = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[i] = (line[i] + best) & 0xFF
        for x in range(0, stride, channels * 7):
            colours.add(bytes(line[x : x + channels]))
        if len(colours) >= limit:
            return len(colours)
        previous = line
    return len(colours)


def open_pages(urls: list[str]) -> list[PageResult]:
    executable = chromium_path()
    assert executable, "chromium not found"
    browser = Browser(executable)
    try:
        browser.send("Browser.getVersion")
        return [browser.open(url) for url in urls]
    finally:
        browser.close()


def as_url(path: Path) -> str:
    return path.resolve().as_uri()
