"""Headless Chromium uploads a real file through ``examples/httpserver_upload.py``.

Chromium is driven over the DevTools protocol (a small helper below, on the ``websockets``
package): it loads the upload page, gets a ~1 MB temp file set on the ``<input
type=file>`` (``DOM.setFileInputFiles``), fills the note, clicks the submit button, and the
page it shows afterwards is read back. The file that lands in ``UPLOAD_DIR`` must have the
checksum of the one chosen, and the page must name it with its size.

Every wait is bounded; Chromium runs in its own process group and is killed by PID in
``finally``; its profile and the temp files are removed."""

import hashlib
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest

from test_example_upload import listed, upload_example

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
websockets_sync = pytest.importorskip("websockets.sync.client")

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FILE_SIZE = 1024 * 1024 + 4321


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CDP:
    """A minimal DevTools client: ``call(method, **params)`` waits (bounded) for the answer;
    events that arrive meanwhile are kept in ``events``."""

    def __init__(self, ws_url, timeout=20):
        connection = websockets_sync.connect(ws_url, max_size=64 * 1024 * 1024, open_timeout=timeout)
        self.ws = connection.__enter__()  # pylint: disable=unnecessary-dunder-call
        self.ids = itertools.count(1)
        self.events = []
        self.timeout = timeout

    def call(self, method, timeout=None, **params):
        ident = next(self.ids)
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("no answer to %s within %s s" % (method, timeout or self.timeout))
            message = json.loads(self.ws.recv(timeout=remaining))
            if message.get("id") == ident:
                if "error" in message:
                    raise AssertionError("%s failed: %r" % (method, message["error"]))
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise AssertionError("%s raised: %r" % (expression, result["exceptionDetails"]))
        return result["result"].get("value")

    def wait_for(self, expression, timeout=30):
        """Polls ``expression`` in the page until it is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression)
            except AssertionError:
                value = None  # the page is navigating: its context is being replaced
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError("%s still %r after %s s" % (expression, value, timeout))

    def close(self):
        try:
            self.ws.close()
        except Exception:  # pylint: disable=broad-except
            pass


def _json(port, path, timeout=2):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=timeout) as answer:
        return json.loads(answer.read().decode("utf-8"))


def _page_target(port, process, timeout=30):
    """The websocket URL of Chromium's first page, once its DevTools endpoint answers."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("chromium exited with %s" % process.returncode)
        try:
            for target in _json(port, "/json/list"):
                if target.get("type") == "page" and target.get("webSocketDebuggerUrl"):
                    return target["webSocketDebuggerUrl"]
        except (OSError, ValueError) as error:
            last = error
        time.sleep(0.1)
    raise AssertionError("no DevTools page target after %s s (%r)" % (timeout, last))


def _stop_chromium(process):
    if process.poll() is None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(process.pid, sig)  # its own group: the browser and its helpers
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


def _upload_with_chromium(example, profile, chosen):
    """Loads the page, chooses ``chosen``, submits; returns (message, html, title) of the
    page shown after the submit."""
    browser = cdp = None
    try:
        debug_port = _free_port()
        browser = subprocess.Popen(  # pylint: disable=consider-using-with
            [CHROMIUM] + FLAGS + [
                "--user-data-dir=" + profile,
                "--remote-debugging-port=%d" % debug_port,
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        cdp = CDP(_page_target(debug_port, browser))
        cdp.call("Page.enable")
        cdp.call("Page.navigate", url=example.url("/"))
        cdp.wait_for("document.readyState === 'complete' && !!document.querySelector('input[type=file]')")

        root = cdp.call("DOM.getDocument")["root"]["nodeId"]
        node = cdp.call("DOM.querySelector", nodeId=root, selector="input[type=file]")["nodeId"]
        assert node, "no file input on the page"
        cdp.call("DOM.setFileInputFiles", nodeId=node, files=[chosen])
        assert cdp.evaluate("document.querySelector('input[type=file]').files[0].size") == FILE_SIZE
        cdp.evaluate("document.querySelector('input[name=note]').value = 'sent by Chromium & co'")
        cdp.evaluate("document.querySelector('button[type=submit]').click(); true")

        message = cdp.wait_for("(document.getElementById('message') || {}).textContent || ''", timeout=60)
        return message, cdp.evaluate("document.documentElement.outerHTML"), cdp.evaluate("document.title")
    finally:
        if cdp is not None:
            cdp.close()
        if browser is not None:
            _stop_chromium(browser)


def test_chromium_uploads_a_file_through_the_form():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (scripts/setup.sh test installs Debian's)")
    work = tempfile.mkdtemp(prefix="browser-upload-")
    profile = os.path.join(work, "profile")
    chosen = os.path.join(work, "sensor log.bin")
    data = os.urandom(FILE_SIZE)
    with open(chosen, "wb") as file:
        file.write(data)
    try:
        with upload_example() as example:
            message, shown, title = _upload_with_chromium(example, profile, chosen)
            saved = os.path.join(example.uploads, "sensor log.bin")
            assert os.path.isfile(saved), os.listdir(example.uploads)
            with open(saved, "rb") as file:
                checksum = hashlib.sha256(file.read()).hexdigest()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print("\npage after submit: %r" % message)
    assert title == "Uploads"
    assert message == "Saved sensor log.bin (%d bytes). Note: sent by Chromium & co" % FILE_SIZE, message
    assert listed(shown) == {"sensor log.bin": FILE_SIZE}, shown
    assert checksum == hashlib.sha256(data).hexdigest(), "the saved file differs from the chosen one"
