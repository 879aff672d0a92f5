"""Headless Chromium on the SSE dashboard and the WebSocket remote, two tabs each.

The examples run as subprocesses (see ``test_examples.run_example``); Chromium is driven
through the DevTools protocol (``tests/cdp.py``). Every wait is bounded; Chromium is
killed by its process group and the examples by PID in ``finally``."""

import shutil

import pytest

from test_examples import run_example

pytest.importorskip("websockets.sync.client")
requests = pytest.importorskip("requests")

from cdp import Browser  # noqa: E402  (needs websockets)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def browser():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (scripts/setup.sh test installs Debian's)")
    with Browser(CHROMIUM) as instance:
        yield instance


def test_two_tabs_on_the_sse_dashboard(browser):
    with run_example("httpserver_sse.py", env={"HEARTBEAT_INTERVAL": "0.5"}) as example:
        tabs = [browser.new_tab(example.url("/")) for _ in range(2)]
        for tab in tabs:
            tab.wait_for("Number(document.body.dataset.events || 0) >= 2", timeout=20)
        first = [int(tab.evaluate("document.body.dataset.counter")) for tab in tabs]
        for tab in tabs:
            text = tab.evaluate("document.body.innerText")
            assert "CPU temperature: 42.5" in text, text
            assert "live" in text, text
            assert tab.evaluate("document.body.dataset.temperature") == "42.5"
        # Both keep receiving: the counters move on.
        for tab, seen in zip(tabs, first):
            tab.wait_for("Number(document.body.dataset.counter) > %d" % seen, timeout=10)
        counters = [int(tab.evaluate("document.body.dataset.counter")) for tab in tabs]
        assert abs(counters[0] - counters[1]) <= 1, counters  # the same broadcast
        assert requests.get(example.url("/"), timeout=10).status_code == 200
    assert "Traceback" not in example.output(), example.output()


def test_two_tabs_on_the_websocket_remote(browser):
    with run_example("httpserver_websocket.py") as example:
        one = browser.new_tab(example.url("/"))
        one.wait_for("document.body.dataset.connected === 'yes'", timeout=20)
        two = browser.new_tab(example.url("/"))
        two.wait_for("document.body.dataset.connected === 'yes'", timeout=20)
        for tab in (one, two):
            tab.wait_for("document.body.dataset.clients === '2'", timeout=10)

        # Tab 1 clicks "Red": tab 2 shows it.
        one.evaluate("document.querySelector('button[data-color=\"#ff0000\"]').click(); true")
        two.wait_for("document.body.dataset.color === '#ff0000'", timeout=10)
        assert "Colour: #ff0000" in two.evaluate("document.body.innerText")
        assert two.evaluate("document.getElementById('picker').value") == "#ff0000"
        assert requests.get(example.url("/state"), timeout=10).json()["pixel"] == [255, 0, 0]

        # Tab 2 picks a colour: tab 1 follows.
        two.evaluate(
            "var p = document.getElementById('picker'); p.value = '#12ab34';"
            " p.dispatchEvent(new Event('input')); true"
        )
        one.wait_for("document.body.dataset.color === '#12ab34'", timeout=10)
        assert one.evaluate("getComputedStyle(document.getElementById('swatch')).backgroundColor") == (
            "rgb(18, 171, 52)"
        )
        assert requests.get(example.url("/state"), timeout=10).json() == {
            "color": "#12ab34",
            "clients": 2,
            "pixel": [18, 171, 52],
        }

        # Tab 2 is closed: tab 1 sees one page left. (Navigating away is not enough:
        # Chromium may keep the page, and its WebSocket, in the back/forward cache.)
        browser.close_tab(two)
        one.wait_for("document.body.dataset.clients === '1'", timeout=10)
    assert "Traceback" not in example.output(), example.output()
