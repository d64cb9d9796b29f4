"""A small headless-Chromium driver over the DevTools protocol: open a report page, wait for its
charts, collect JavaScript errors, take a full-page screenshot, print a PDF. Offline only."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Self

from websockets.sync.client import connect

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--hide-scrollbars",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)
NOT_FOUND = (
    "Chromium ikke fundet{where}. Rapportens PDF og browsertest kræver Debians chromium: "
    "kør scripts/install-chromium.sh (apt-get install chromium), eller sæt BROWSER_PATH "
    "til en Chromium/Chrome."
)
# Waits until every chart container holds a drawn Plotly SVG (or the time is up).
CHARTS_DRAWN_JS = """
new Promise(resolve => {
  const started = Date.now();
  (function poll() {
    const charts = Array.from(document.querySelectorAll('.chart'));
    const drawn = charts.filter(c => c.querySelector('.plot-container svg.main-svg'));
    if (drawn.length === charts.length || Date.now() - started > %d) {
      resolve({charts: charts.length, drawn: drawn.length});
    } else { setTimeout(poll, 100); }
  })();
})
"""


def find_chromium() -> str | None:
    """`BROWSER_PATH` if set (also kaleido's setting), else Debian's chromium or one on PATH."""
    configured = os.environ.get("BROWSER_PATH")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def require_chromium() -> str:
    path = find_chromium()
    if path is None:
        configured = os.environ.get("BROWSER_PATH")
        where = f" (BROWSER_PATH={configured})" if configured else " (/usr/bin/chromium)"
        raise RuntimeError(NOT_FOUND.format(where=where))
    return path


class Chromium:
    """`with Chromium() as browser: page = browser.open(url)` — one headless browser process."""

    def __init__(self, path: str | None = None, width: int = 1280, height: int = 900,
                 timeout: float = 30.0):
        self.path = path or require_chromium()
        self.width, self.height, self.timeout = width, height, timeout
        self._id = 0
        self.events: list[dict] = []

    def __enter__(self) -> Self:
        self.profile = Path(tempfile.mkdtemp(prefix="helhedsplan-chromium-"))
        self.log = open(self.profile.parent / f"{self.profile.name}.log", "wb")
        args = [self.path, *FLAGS, f"--user-data-dir={self.profile}",
                f"--window-size={self.width},{self.height}", "about:blank"]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=self.log,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            self.ws = connect(self._devtools_url(), max_size=None, open_timeout=self.timeout)
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(Exception):  # closing anyway
            self.send("Browser.close")
        self._stop()

    def _devtools_url(self) -> str:
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Chromium stoppede ved start (kode {self.process.returncode})")
            if port_file.is_file():
                lines = port_file.read_text().split()
                if len(lines) >= 2:
                    return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
            time.sleep(0.05)
        raise RuntimeError("Chromium svarede ikke (DevTools-porten kom ikke)")

    def _stop(self) -> None:
        if getattr(self, "ws", None) is not None:
            with contextlib.suppress(Exception):
                self.ws.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # our own process group only
            self.process.wait(timeout=5)
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)
        shutil.rmtree(self.profile, ignore_errors=True)

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float | None = None) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"Chromium svarede ikke på {method}")
            reply = json.loads(self.ws.recv(timeout=remaining))
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, session: str, timeout: float | None = None) -> dict:
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == method and event.get("sessionId") == session:
                    return self.events.pop(i)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"Chromium: {method} kom ikke")
            self.events.append(json.loads(self.ws.recv(timeout=remaining)))

    def open(self, url: str) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session=session)
        self.send("Emulation.setDeviceMetricsOverride", {
            "width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False,
        }, session=session)
        self.send("Page.navigate", {"url": url}, session=session)
        self.wait_for("Page.loadEventFired", session)
        return Page(self, session)


class Page:
    def __init__(self, browser: Chromium, session: str):
        self.browser, self.session = browser, session

    def evaluate(self, expression: str, timeout: float | None = None):
        result = self.browser.send("Runtime.evaluate", {
            "expression": expression, "awaitPromise": True, "returnByValue": True,
        }, session=self.session, timeout=timeout)
        if "exceptionDetails" in result:
            raise RuntimeError(f"JavaScript-fejl: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def wait_for_charts(self, timeout_ms: int = 20000) -> dict:
        """{"charts": n, "drawn": m}: m == n when every chart drew."""
        return self.evaluate(CHARTS_DRAWN_JS % timeout_ms, timeout=timeout_ms / 1000 + 10)

    def errors(self) -> list[str]:
        """JavaScript exceptions, console errors and failed loads seen on this page so far."""
        found = []
        for event in self.browser.events:
            if event.get("sessionId") != self.session:
                continue
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                text = details.get("exception", {}).get("description") or details.get("text")
                found.append(f"exception: {text}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                args = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
                found.append(f"console.{params.get('type')}: {args}")
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                entry = params["entry"]
                found.append(f"log: {entry.get('text')} {entry.get('url', '')}".strip())
        return found

    def requests(self) -> list[str]:
        """Every URL the page asked for so far (documents, scripts, styles, images)."""
        return [e["params"]["request"]["url"] for e in self.browser.events
                if e.get("sessionId") == self.session and e.get("method") == "Network.requestWillBeSent"]

    def screenshot(self, path: Path, width: int | None = None) -> Path:
        """A PNG of the whole page (its full height)."""
        width = width or self.browser.width
        height = int(self.evaluate("document.documentElement.scrollHeight"))
        self.browser.send("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False,
        }, session=self.session)
        self.evaluate("new Promise(r => setTimeout(r, 400))")  # let responsive charts re-lay out
        self.wait_for_charts()
        shot = self.browser.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        }, session=self.session, timeout=60)
        Path(path).write_bytes(base64.b64decode(shot["data"]))
        return Path(path)

    def print_pdf(self, path: Path) -> Path:
        """Print the page as A4 with its backgrounds (status colours)."""
        pdf = self.browser.send("Page.printToPDF", {
            "printBackground": True, "preferCSSPageSize": True,
            "paperWidth": 8.27, "paperHeight": 11.69,
            "marginTop": 0.5, "marginBottom": 0.5, "marginLeft": 0.5, "marginRight": 0.5,
        }, session=self.session, timeout=120)
        Path(path).write_bytes(base64.b64decode(pdf["data"]))
        return Path(path)
