"""A very small Chrome DevTools Protocol driver for headless Chromium (tests only).

    with Browser(CHROMIUM) as browser:        # killed by process group on exit
        tab = browser.new_tab("http://127.0.0.1:5000/")
        tab.wait_for("document.body.dataset.ready === 'yes'", timeout=10)
        tab.evaluate("document.title")

Talks to the browser's ``/json`` HTTP endpoints and to each tab's DevTools WebSocket with
the ``websockets`` sync client. Every wait is bounded."""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

from websockets.sync.client import connect

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Several tabs of one headless window: keep the hidden ones running at full speed.
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
)


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CDPError(Exception):
    pass


class Browser:
    def __init__(self, executable, start_timeout=30.0):
        self.profile = tempfile.mkdtemp(prefix="cdp-profile-")
        self.port = _free_port()
        self.tabs = []
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            [executable]
            + list(FLAGS)
            + ["--user-data-dir=" + self.profile, "--remote-debugging-port=%d" % self.port, "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, killed as one
        )
        try:
            deadline = time.monotonic() + start_timeout
            while True:
                if self.process.poll() is not None:
                    raise CDPError("chromium exited with %s" % self.process.returncode)
                try:
                    self.version = self._http("GET", "/json/version")
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise CDPError("no DevTools endpoint after %ss" % start_timeout) from None
                    time.sleep(0.1)
        except BaseException:
            self.close()
            raise

    def _http(self, method, path):
        request = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), method=method)
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read().decode("utf-8"))

    def new_tab(self, url):
        target = self._http("PUT", "/json/new?" + urllib.request.quote(url, safe=":/?=&"))
        tab = Tab(target["webSocketDebuggerUrl"], target["id"])
        self.tabs.append(tab)
        return tab

    def close_tab(self, tab):
        """Closes the tab as a user would (its page is unloaded)."""
        tab.close()
        if tab in self.tabs:
            self.tabs.remove(tab)
        request = urllib.request.Request("http://127.0.0.1:%d/json/close/%s" % (self.port, tab.target_id))
        with urllib.request.urlopen(request, timeout=5) as response:
            response.read()

    def close(self):
        for tab in self.tabs:
            tab.close()
        self.tabs = []
        process = self.process
        if process.poll() is None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    process.wait(timeout=5)
                    break
                except subprocess.TimeoutExpired:
                    continue
        try:
            os.killpg(process.pid, signal.SIGKILL)  # helpers that outlived the browser
        except (ProcessLookupError, PermissionError):
            pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Tab:
    def __init__(self, ws_url, target_id=None):
        self.target_id = target_id
        self._stack = contextlib.ExitStack()
        self.ws = self._stack.enter_context(connect(ws_url, max_size=None, open_timeout=10, close_timeout=2))
        self.next_id = 0

    def call(self, method, params=None, timeout=10.0):
        self.next_id += 1
        ident = self.next_id
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPError("%s: no answer within %ss" % (method, timeout))
            message = json.loads(self.ws.recv(left))
            if message.get("id") == ident:  # events (no id) are ignored
                if "error" in message:
                    raise CDPError("%s: %s" % (method, message["error"]))
                return message["result"]

    def evaluate(self, expression, timeout=10.0):
        """The value of a JavaScript expression (promises awaited)."""
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            timeout,
        )
        if "exceptionDetails" in result:
            raise CDPError("%s: %s" % (expression, result["exceptionDetails"].get("text")))
        return result["result"].get("value")

    def wait_for(self, expression, timeout=15.0, step=0.1):
        """Evaluates ``expression`` until it is truthy; returns that value, or raises."""
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression, timeout=max(0.5, deadline - time.monotonic()))
            except CDPError:
                value = None  # e.g. the page is still loading
            if value:
                return value
            time.sleep(step)
        raise CDPError("%r still %r after %ss" % (expression, value, timeout))

    def close(self):
        try:
            self._stack.close()
        except Exception:  # pylint: disable=broad-except
            pass
