"""Headless Chromium uploads a real file through ``examples/httpserver_upload.py``.

Chromium is driven over the DevTools protocol (``tests/cdp.py``): it loads the upload page, gets a ~1 MB temp file set on the ``<input
type=file>`` (``DOM.setFileInputFiles``), fills the note, clicks the submit button, and the
page it shows afterwards is read back. The file that lands in ``UPLOAD_DIR`` must have the
checksum of the one chosen, and the page must name it with its size.

Every wait is bounded; Chromium runs in its own process group and is killed by PID in
``finally``; its profile and the temp files are removed."""

import hashlib
import os
import shutil
import tempfile

import pytest

from test_example_upload import listed, upload_example

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytest.importorskip("websockets.sync.client")
from cdp import Browser  # noqa: E402  (needs websockets)

FILE_SIZE = 1024 * 1024 + 4321


def _upload_with_chromium(example, chosen):
    """Loads the page, chooses ``chosen``, submits; returns (message, html, title) of the
    page shown after the submit."""
    with Browser(CHROMIUM) as browser:
        tab = browser.new_tab("about:blank")
        tab.call("Page.enable")
        tab.call("Page.navigate", {"url": example.url("/")})
        tab.wait_for("document.readyState === 'complete' && !!document.querySelector('input[type=file]')", 30)

        root = tab.call("DOM.getDocument")["root"]["nodeId"]
        node = tab.call("DOM.querySelector", {"nodeId": root, "selector": "input[type=file]"})["nodeId"]
        assert node, "no file input on the page"
        tab.call("DOM.setFileInputFiles", {"nodeId": node, "files": [chosen]})
        assert tab.evaluate("document.querySelector('input[type=file]').files[0].size") == FILE_SIZE
        tab.evaluate("document.querySelector('input[name=note]').value = 'sent by Chromium & co'")
        tab.evaluate("document.querySelector('button[type=submit]').click(); true")

        message = tab.wait_for("(document.getElementById('message') || {}).textContent || ''", timeout=60)
        return message, tab.evaluate("document.documentElement.outerHTML"), tab.evaluate("document.title")


def test_chromium_uploads_a_file_through_the_form():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (scripts/setup.sh test installs Debian's)")
    work = tempfile.mkdtemp(prefix="browser-upload-")
    chosen = os.path.join(work, "sensor log.bin")
    data = os.urandom(FILE_SIZE)
    with open(chosen, "wb") as file:
        file.write(data)
    try:
        with upload_example() as example:
            message, shown, title = _upload_with_chromium(example, chosen)
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
