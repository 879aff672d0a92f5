"""Runs every example that can run on CPython, as a real server on 127.0.0.1, and checks
what it answers with ``requests``.

Board-only modules (``socketpool``, ``wifi``, ``microcontroller``, ``board``, ``neopixel``,
``adafruit_connection_manager``) come from ``tests/example_stubs``: the socket pool is the
``socket`` module and the radio's address is 127.0.0.1. Each example reads ``PORT`` (and
where it needs one, a folder such as ``STATIC_ROOT``) from the environment.

Every process started here is stopped by its PID in a ``finally`` block; every wait is
bounded."""

import contextlib
import html
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import pytest

requests = pytest.importorskip("requests")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")
STUBS = os.path.join(ROOT, "tests", "example_stubs")
DOCS_EXAMPLES = os.path.join(ROOT, "docs", "examples.md")

START_TIMEOUT = 20.0  # seconds for an example to start listening
REQUEST_TIMEOUT = 10.0

# API_CONTRACT.md §14 (minus SSE, WebSocket, Ethernet and the camera, which need hardware or
# are being rebuilt), plus our own limits and testing examples.
EXPECTED_EXAMPLES = [
    "httpserver_sse.py",
    "httpserver_websocket.py",
    "httpserver_websocket_echo.py",
    "httpserver_upload.py",
    "httpserver_authentication_handlers.py",
    "httpserver_authentication_server.py",
    "httpserver_chunked.py",
    "httpserver_cookies.py",
    "httpserver_cpu_information.py",
    "httpserver_cpython.py",
    "httpserver_form_data.py",
    "httpserver_handler_serves_file.py",
    "httpserver_https.py",
    "httpserver_limits.py",
    "httpserver_mdns.py",
    "httpserver_methods.py",
    "httpserver_multiple_servers.py",
    "httpserver_neopixel.py",
    "httpserver_redirects.py",
    "httpserver_simpletest_auto_connection_manager.py",
    "httpserver_simpletest_auto_settings_toml.py",
    "httpserver_simpletest_manual_ap.py",
    "httpserver_simpletest_manual_wifi.py",
    "httpserver_start_and_poll.py",
    "httpserver_start_and_poll_asyncio.py",
    "httpserver_static_files_serving.py",
    "httpserver_templates.py",
    "httpserver_testing.py",
    "httpserver_url_parameters.py",
]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Example:
    """A running example: its ports, base URLs and output so far."""

    def __init__(self, process, ports, log, scheme):
        self.process = process
        self.ports = ports
        self._log = log
        self.scheme = scheme
        self.final_output = ""

    def url(self, path="/", index=0):
        return "%s://127.0.0.1:%d%s" % (self.scheme, self.ports[index], path)

    def get(self, path="/", index=0, **kwargs):
        kwargs.setdefault("timeout", REQUEST_TIMEOUT)
        return requests.get(self.url(path, index), **kwargs)

    def request(self, method, path="/", index=0, **kwargs):
        kwargs.setdefault("timeout", REQUEST_TIMEOUT)
        return requests.request(method, self.url(path, index), **kwargs)

    def output(self):
        """Everything the example printed so far (or until it was stopped)."""
        if self._log.closed:
            return self.final_output
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")


def _wait_until_listening(process, ports, log):
    deadline = time.monotonic() + START_TIMEOUT
    waiting = list(ports)
    while waiting:
        if process.poll() is not None:
            log.seek(0)
            raise AssertionError(
                "example exited with %s before listening:\n%s"
                % (process.returncode, log.read().decode("utf-8", "replace"))
            )
        try:
            with socket.create_connection(("127.0.0.1", waiting[0]), timeout=0.5):
                pass
            waiting.pop(0)
            continue
        except OSError:
            pass
        if time.monotonic() > deadline:
            log.seek(0)
            raise AssertionError(
                "example not listening on %s after %ss:\n%s"
                % (waiting, START_TIMEOUT, log.read().decode("utf-8", "replace"))
            )
        time.sleep(0.05)


def _stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _environment(extra):
    env = dict(os.environ)
    for name in ("HOST", "PORT", "PORT2", "STATIC_ROOT", "DEFAULT_STATIC_FOLDER", "OTHER_STATIC_FOLDER"):
        env.pop(name, None)
    paths = [ROOT, STUBS]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTHONUNBUFFERED"] = "1"
    # What settings.toml provides on a board (CircuitPython's os.getenv reads it).
    env.setdefault("WIFI_SSID", "test-network")
    env.setdefault("WIFI_PASSWORD", "test-password")
    env.update(extra or {})
    return env


@contextlib.contextmanager
def run_example(name, *, env=None, cwd=EXAMPLES, ports=1, args=(), scheme="http", port_env=True):
    """Starts ``examples/<name>`` on free ports (``PORT``, ``PORT2``), waits until they
    accept connections, yields an ``Example``, then stops the process."""
    chosen = [free_port() for _ in range(ports)]
    extra = dict(env or {})
    if port_env:
        extra["PORT"] = str(chosen[0])
        if ports > 1:
            extra["PORT2"] = str(chosen[1])
    args = [str(arg).replace("{port}", str(chosen[0])) for arg in args]
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, os.path.join(EXAMPLES, name)] + args,
        cwd=cwd,
        env=_environment(extra),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    example = Example(process, chosen, log, scheme)
    try:
        _wait_until_listening(process, chosen, log)
        yield example
    except BaseException:
        print("---- output of %s ----\n%s" % (name, example.output()))
        raise
    finally:
        _stop(process)
        example.final_output = example.output()
        log.close()


@pytest.fixture
def tmp_dir():
    path = tempfile.mkdtemp(prefix="examples-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def write(path, content):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as file:
        file.write(content.encode("utf-8") if isinstance(content, str) else content)


def set_cookie_lines(response):
    return response.raw.headers.getlist("Set-Cookie")


# -- the set of examples ----------------------------------------------------------------------


def test_every_example_exists_and_compiles():
    for name in EXPECTED_EXAMPLES:
        path = os.path.join(EXAMPLES, name)
        assert os.path.isfile(path), name
        with open(path, encoding="utf-8") as file:
            compile(file.read(), path, "exec")
    for asset in ("static/index.html", "home.html", "directory_listing.tpl.html", "settings.toml"):
        assert os.path.isfile(os.path.join(EXAMPLES, asset)), asset


def test_every_example_is_listed_in_the_docs():
    if not os.path.isfile(DOCS_EXAMPLES):
        pytest.skip("docs/examples.md is missing")
    with open(DOCS_EXAMPLES, encoding="utf-8") as file:
        text = file.read()
    # Examples of work in progress (SSE, WebSocket) are listed by that work.
    for name in EXPECTED_EXAMPLES:
        assert "`%s`" % name in text, name


def test_settings_toml_has_only_placeholders():
    with open(os.path.join(EXAMPLES, "settings.toml"), encoding="utf-8") as file:
        text = file.read()
    assert 'CIRCUITPY_WIFI_SSID = "your-network-name"' in text
    assert 'CIRCUITPY_WIFI_PASSWORD = "your-network-password"' in text


# -- CPython quick start ----------------------------------------------------------------------


def test_cpython_quickstart_from_environment():
    with run_example("httpserver_cpython.py", env={"HOST": "127.0.0.1"}) as example:
        index = example.get("/")
        assert index.status_code == 200
        assert index.headers["Content-Type"] == "text/html"
        with open(os.path.join(EXAMPLES, "static", "index.html"), "rb") as file:
            assert index.content == file.read()

        css = example.get("/style.css")
        assert css.status_code == 200
        assert css.headers["Content-Type"] == "text/css"

        hello = example.get("/hello", params={"name": "Ada Lovelace"})
        assert hello.status_code == 200
        assert hello.text.startswith("Hello, Ada Lovelace! (served by Python ")

        assert example.get("/does-not-exist").status_code == 404

        # Keep-alive: one connection serves several requests.
        with requests.Session() as session:
            for _ in range(3):
                response = session.get(example.url("/hello"), timeout=REQUEST_TIMEOUT)
                assert response.status_code == 200
                assert response.headers.get("Connection", "").lower() != "close"
    assert "Started development server on http://127.0.0.1:%d" % example.ports[0] in example.output()


def test_cpython_quickstart_from_arguments_and_any_cwd(tmp_dir):
    # Host and port as arguments, started from another directory: static/ is still found.
    with run_example(
        "httpserver_cpython.py", cwd=tmp_dir, args=["127.0.0.1", "{port}"], port_env=False
    ) as example:
        response = example.get("/")
        assert response.status_code == 200
        assert b"It works!" in response.content


# -- authentication ---------------------------------------------------------------------------


def test_authentication_handlers():
    with run_example("httpserver_authentication_handlers.py") as example:
        assert example.get("/public").text == "Hello, stranger!"
        assert example.get("/public", auth=("user", "password")).text == "Hello, known user!"

        refused = example.get("/private")
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"].startswith("Basic")
        assert example.get("/private", auth=("user", "wrong")).status_code == 401

        for headers in (
            {"Authorization": "Bearer my-secret-token"},
            {"Authorization": "Token my-api-token"},
        ):
            response = example.get("/private", headers=headers)
            assert response.status_code == 200
            assert response.text.startswith("Top secret")
        assert example.get("/private", auth=("user", "password")).status_code == 200

        custom = example.get("/private/custom")
        assert custom.status_code == 401
        assert custom.headers["Content-Type"] == "text/html"
        assert custom.headers["WWW-Authenticate"] == 'Basic realm="members"'
        assert "Members only" in custom.text
        welcome = example.get("/private/custom", auth=("user", "password"))
        assert welcome.status_code == 200
        assert "Welcome back" in welcome.text


def test_authentication_server():
    with run_example("httpserver_authentication_server.py") as example:
        refused = example.get("/")
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"].startswith("Basic")
        # Checked before routing: an unknown path is refused too, not reported missing.
        assert example.get("/unknown").status_code == 401

        ok = example.get("/", auth=("user", "password"))
        assert ok.status_code == 200
        assert ok.text == "<h1>Authenticated!</h1>"
        assert ok.headers["Content-Type"] == "text/html"
        assert example.get("/", headers={"Authorization": "Bearer my-secret-token"}).status_code == 200
        assert example.get("/", headers={"Authorization": "Bearer nope"}).status_code == 401
        assert example.get("/unknown", auth=("user", "password")).status_code == 404


# -- responses --------------------------------------------------------------------------------


def test_chunked():
    with run_example("httpserver_chunked.py") as example:
        countdown = example.get("/countdown")
        assert countdown.status_code == 200
        assert countdown.headers["Transfer-Encoding"] == "chunked"
        assert "Content-Length" not in countdown.headers
        expected = "Countdown:\n" + "".join("%d...\n" % n for n in range(10, 0, -1)) + "Liftoff!\n"
        assert countdown.text == expected

        table = example.get("/table")
        assert table.headers["Transfer-Encoding"] == "chunked"
        lines = table.text.splitlines()
        assert len(lines) == 10
        assert lines[0] == "1 2 3 4 5 6 7 8 9 10"
        assert lines[-1] == "10 20 30 40 50 60 70 80 90 100"


def test_cookies():
    with run_example("httpserver_cookies.py") as example:
        saved = example.get("/preferences", params={"theme": "dark", "font": "large"})
        assert saved.status_code == 200
        assert set_cookie_lines(saved) == [
            "theme=dark; Path=/; Max-Age=31536000; SameSite=Lax",
            "font=large; Path=/; Max-Age=31536000; SameSite=Lax",
            "notice=saved",
        ]

        page = example.get("/", cookies={"theme": "dark", "font": "large", "notice": "saved", "visits": "2"})
        assert "Theme: dark, font: large. Visit number 3." in page.text
        assert "Your preferences were saved." in page.text
        assert "background: #222" in page.text
        assert set_cookie_lines(page) == ["notice=; Path=/; Max-Age=0", "visits=3"]

        first = example.get("/")
        assert "Theme: light, font: medium. Visit number 1." in first.text
        assert set_cookie_lines(first) == ["visits=1"]

        # Cookies the example does not understand are ignored, not trusted.
        odd = example.get("/", cookies={"theme": "<script>", "visits": "many"})
        assert "Theme: light" in odd.text
        assert "<script>" not in odd.text

        assert example.get("/preferences", params={"theme": "neon"}).status_code == 400

        # A browser-like round trip: the session stores and sends the cookies back.
        with requests.Session() as session:
            session.get(example.url("/preferences?theme=dark&font=small"), timeout=REQUEST_TIMEOUT)
            page = session.get(example.url("/"), timeout=REQUEST_TIMEOUT)
            assert "Theme: dark, font: small. Visit number 1." in page.text
            assert "Your preferences were saved." in page.text
            again = session.get(example.url("/"), timeout=REQUEST_TIMEOUT)
            assert "Visit number 2." in again.text
            assert "Your preferences were saved." not in again.text


def test_cpu_information():
    with run_example("httpserver_cpu_information.py") as example:
        for path in ("/cpu-information", "/cpu-information/"):
            response = example.get(path)
            assert response.status_code == 200
            assert response.headers["Content-Type"] == "application/json"
            assert response.headers["Access-Control-Allow-Origin"] == "*"
            assert response.json() == {"temperature": 42.5, "frequency": 240000000, "voltage": 3.3}
        missing = example.get("/cpu")
        assert missing.status_code == 404
        assert missing.headers["Access-Control-Allow-Origin"] == "*"


def test_form_data_all_three_enctypes():
    message = "Hello World! ^-$%"
    with run_example("httpserver_form_data.py") as example:
        page = example.get("/")
        assert page.status_code == 200
        for enctype in ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain"):
            assert 'enctype="%s"' % enctype in page.text

        urlencoded = example.request("POST", "/", data={"message": message})
        assert urlencoded.status_code == 200
        assert (
            "Received <code>Hello World! ^-$%</code> as <code>application/x-www-form-urlencoded</code>"
            in urlencoded.text
        )

        multipart = example.request(
            "POST",
            "/",
            files={"message": (None, message), "upload": ("notes <1>.txt", b"0123456789" * 3, "text/plain")},
        )
        assert multipart.status_code == 200
        assert "Received <code>Hello World! ^-$%</code> as <code>multipart/form-data</code>" in multipart.text
        assert "File <code>notes &lt;1&gt;.txt</code>: 30 bytes." in multipart.text

        plain = example.request(
            "POST",
            "/",
            data=("message=%s\r\n" % message).encode("utf-8"),
            headers={"Content-Type": "text/plain"},
        )
        assert "Received <code>Hello World! ^-$%</code> as <code>text/plain</code>" in plain.text

        # Values are HTML-escaped by form_data.get().
        escaped = example.request("POST", "/", data={"message": "<script>alert(1)</script>"})
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in escaped.text
        assert "<script>alert" not in escaped.text


def test_handler_serves_file(tmp_dir):
    default = os.path.join(tmp_dir, "default")
    other = os.path.join(tmp_dir, "other")
    write(os.path.join(default, "index.html"), "<p>default index</p>")
    os.makedirs(other)
    shutil.copy(os.path.join(EXAMPLES, "home.html"), os.path.join(other, "home.html"))
    env = {"DEFAULT_STATIC_FOLDER": default, "OTHER_STATIC_FOLDER": other}
    with run_example("httpserver_handler_serves_file.py", env=env) as example:
        home = example.get("/home")
        assert home.status_code == 200
        assert home.headers["Content-Type"] == "text/html"
        with open(os.path.join(EXAMPLES, "home.html"), "rb") as file:
            assert home.content == file.read()

        index = example.get("/")
        assert index.status_code == 200
        assert index.text == "<p>default index</p>"
        # home.html is not in the server's root_path: only the route reaches it.
        assert example.get("/home.html").status_code == 404


def test_https(tmp_dir):
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a throwaway certificate")
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", "key.pem", "-out", "cert.pem", "-subj", "/CN=127.0.0.1",
        ],
        cwd=tmp_dir,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=60,
    )  # fmt: skip
    write(os.path.join(tmp_dir, "static", "page.txt"), "a static file over TLS")
    env = {"STATIC_ROOT": os.path.join(tmp_dir, "static")}
    urllib3 = pytest.importorskip("urllib3")
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    with run_example("httpserver_https.py", env=env, cwd=tmp_dir, scheme="https") as example:
        response = example.get("/", verify=False)
        assert response.status_code == 200
        assert response.text == "Hello over HTTPS!"
        static = example.get("/page.txt", verify=False)
        assert static.status_code == 200
        assert static.text == "a static file over TLS"
        # A client that does not speak TLS does not stop the server.
        with socket.create_connection(("127.0.0.1", example.ports[0]), timeout=2) as plain:
            plain.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert example.get("/", verify=False).status_code == 200
    assert "Started development server on https://127.0.0.1" in example.output()


def test_methods():
    with run_example("httpserver_methods.py") as example:
        listed = example.get("/api/tasks")
        assert listed.status_code == 200
        assert listed.json() == [{"id": 1, "title": "Read the docs", "done": False}]

        created = example.request("POST", "/api/tasks", json={"title": "water the plants"})
        assert created.status_code == 201
        assert created.json() == {"id": 2, "title": "water the plants", "done": False}

        changed = example.request("PUT", "/api/tasks/", json={"id": 2, "done": True})
        assert changed.status_code == 200
        assert changed.json()["done"] is True

        deleted = example.request("DELETE", "/api/tasks", json={"id": 1})
        assert deleted.json() == {"deleted": 1}
        assert example.get("/api/tasks/").json() == [{"id": 2, "title": "water the plants", "done": True}]

        assert example.request("PUT", "/api/tasks", json={"id": 99}).status_code == 404
        assert example.request("POST", "/api/tasks", json={"no": "title"}).status_code == 400
        assert example.request("POST", "/api/tasks", json=[1, 2]).status_code == 400
        bad_json = example.request(
            "POST", "/api/tasks", data=b"{not json", headers={"Content-Type": "application/json"}
        )
        assert bad_json.status_code == 400

        patch = example.request("PATCH", "/api/tasks", json={"id": 2})
        assert patch.status_code == 405
        assert patch.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, POST, PUT"
        options = example.request("OPTIONS", "/api/tasks")
        assert options.status_code == 204
        assert options.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, POST, PUT"
        head = example.request("HEAD", "/api/tasks")  # answered by the GET branch
        assert head.status_code == 200
        assert head.headers["Content-Type"] == "application/json"
        assert head.headers["Content-Length"] == str(len(example.get("/api/tasks").content))
        assert head.content == b""


def test_multiple_servers():
    auth = ("mechanic", "wrench")
    with run_example("httpserver_multiple_servers.py", ports=2) as example:
        kitchen_port, garage_port = example.ports
        kitchen = example.get("/", index=0)
        assert kitchen.headers["X-Server"] == "Kitchen"
        assert kitchen.text == "Hello from the server on port %d!" % kitchen_port

        assert example.get("/", index=1).status_code == 401  # the garage wants a password
        garage = example.get("/", index=1, auth=auth)
        assert garage.headers["X-Server"] == "Garage"
        assert garage.text == "Hello from the server on port %d!" % garage_port

        assert example.get("/oven", index=0).text == "The oven is off."
        assert example.get("/oven", index=1, auth=auth).status_code == 404
        assert example.get("/door", index=1, auth=auth).text == "The garage door is closed."
        missing = example.get("/door", index=0)
        assert missing.status_code == 404
        assert missing.headers["X-Server"] == "Kitchen"


def test_neopixel():
    with run_example("httpserver_neopixel.py") as example:
        assert example.get("/color", params={"r": 255, "g": 0, "b": 0}).text == "NeoPixel set to 255, 0, 0"
        assert example.get("/color/0/255/0").text == "NeoPixel set to 0, 255, 0"
        form = example.request("POST", "/color", data={"r": "0", "g": "0", "b": "255"})
        assert form.text == "NeoPixel set to 0, 0, 255"
        partial = example.request("POST", "/color", data={"g": "7"})
        assert partial.text == "NeoPixel set to 0, 7, 0"
        json_body = example.request("POST", "/color/json", json={"r": 255, "g": 128, "b": 0})
        assert json_body.text == "NeoPixel set to 255, 128, 0"

        assert example.get("/color", params={"r": 300}).status_code == 400
        assert example.get("/color/red/0/0").status_code == 400
        assert example.request("POST", "/color/json", json=[1, 2, 3]).status_code == 400
        assert example.request("GET", "/color/json").status_code == 405


def test_redirects():
    with run_example("httpserver_redirects.py") as example:
        moved = example.get("/old-home", allow_redirects=False)
        assert moved.status_code == 301
        assert moved.headers["Location"] == "/"

        found = example.get("/news", allow_redirects=False)
        assert found.status_code == 302
        assert found.headers["Location"] == "https://blog.adafruit.com/"

        submit = example.request("POST", "/api/v1/submit", data=b"12345", allow_redirects=False)
        assert submit.status_code == 307
        assert submit.headers["Location"] == "/api/v2/submit"
        # Followed, the POST and its body are sent again to the new address.
        followed = example.request("POST", "/api/v1/submit", data=b"12345")
        assert followed.status_code == 200
        assert followed.text == "Received 5 bytes"
        assert [r.status_code for r in followed.history] == [307]

        short = example.get("/docs", allow_redirects=False)
        assert short.status_code == 301
        assert short.headers["Location"] == "https://docs.circuitpython.org/"
        assert example.get("/nothing-here", allow_redirects=False).status_code == 404

        assert example.get("/old-home").text.startswith("Try /old-home")  # 301 then the page


@pytest.mark.parametrize(
    "name",
    [
        "httpserver_simpletest_auto_connection_manager.py",
        "httpserver_simpletest_auto_settings_toml.py",
        "httpserver_simpletest_manual_ap.py",
        "httpserver_simpletest_manual_wifi.py",
    ],
)
def test_simpletests(name):
    with run_example(name) as example:
        response = example.get("/")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/plain"
        assert response.text.startswith("Hello from")
        assert example.get("/nothing").status_code == 404


def test_start_and_poll():
    env = {"STATIC_ROOT": os.path.join(EXAMPLES, "static")}
    with run_example("httpserver_start_and_poll.py", env=env) as example:
        index = example.get("/")
        assert index.status_code == 200
        assert b"It works!" in index.content
        assert example.get("/style.css").headers["Content-Type"] == "text/css"
        stats = example.get("/stats").json()
        assert stats["responses"] >= 2
        assert stats["loops"] > 0


def test_start_and_poll_asyncio():
    env = {"STATIC_ROOT": os.path.join(EXAMPLES, "static")}
    with run_example("httpserver_start_and_poll_asyncio.py", env=env) as example:
        index = example.get("/")
        assert index.status_code == 200
        assert b"It works!" in index.content
        first = example.get("/state").json()
        assert set(first) == {"seconds", "blink"}
        # The other tasks run between polls: the counter moves while we wait (bounded).
        deadline = time.monotonic() + 5
        while example.get("/state").json()["seconds"] <= first["seconds"]:
            assert time.monotonic() < deadline, "the counting task did not run"
            time.sleep(0.2)


def test_static_files_serving(tmp_dir):
    files = {
        "index.html": "<h1>home</h1>",
        "style.css": "body {}",
        "notes.md": "# notes",
        "data.json": '{"a": 1}',
        "sub/index.html": "<h1>sub</h1>",
        "big.txt": "x" * 200000,
    }
    for name, content in files.items():
        write(os.path.join(tmp_dir, name), content)
    with run_example("httpserver_static_files_serving.py", env={"STATIC_ROOT": tmp_dir}) as example:
        expected_types = {
            "/": "text/html",
            "/index.html": "text/html",
            "/style.css": "text/css",
            "/notes.md": "text/markdown",  # registered by the example
            "/data.json": "text/plain",  # unregistered by keep_for: falls back to default_to
            "/sub/": "text/html",
            "/big.txt": "text/plain",
        }
        for path, content_type in expected_types.items():
            response = example.get(path)
            assert response.status_code == 200, path
            assert response.headers["Content-Type"] == content_type, path
        assert example.get("/sub/").text == "<h1>sub</h1>"
        folder = example.get("/sub", allow_redirects=False)
        assert (folder.status_code, folder.headers["Location"]) == (301, "/sub/")
        etag = example.get("/style.css").headers["ETag"]
        assert example.get("/style.css", headers={"If-None-Match": etag}).status_code == 304
        assert len(example.get("/big.txt").content) == 200000
        assert example.get("/missing.html").status_code == 404

        head = example.request("HEAD", "/index.html")
        assert head.status_code == 200
        assert head.headers["Content-Length"] == str(len(files["index.html"]))
        assert head.content == b""

        post = example.request("POST", "/index.html", data=b"x")
        assert post.status_code == 405
        assert post.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_templates(tmp_dir):
    pytest.importorskip("adafruit_templateengine")
    write(os.path.join(tmp_dir, "readme.txt"), "read me")
    write(os.path.join(tmp_dir, "a & b.txt"), "ampersand")
    write(os.path.join(tmp_dir, "photos", "cat.jpg"), b"\xff\xd8\xff" + b"\x00" * 97)
    os.makedirs(os.path.join(tmp_dir, "empty"))
    with run_example("httpserver_templates.py", env={"STATIC_ROOT": tmp_dir}) as example:
        root = example.get("/")
        assert root.status_code == 200
        assert root.headers["Content-Type"] == "text/html"
        # adafruit_templateengine escapes printed values as HTML entities ("/" is "&sol;").
        shown = html.unescape(root.text)
        assert "<h1>Index of /</h1>" in shown
        assert '<a href="/?path=/photos">photos/</a>' in root.text
        assert '<a href="/?path=/readme.txt">readme.txt</a></td><td>7 bytes' in shown
        assert '<a href="/?path=/a%20%26%20b.txt">a &amp; b' in root.text  # quoted link, escaped name
        assert ">..<" not in root.text  # no parent link at the top
        # Folders first, then files, each sorted by name.
        assert shown.index("empty/") < shown.index("photos/") < shown.index("a & b.txt") < shown.index("readme")

        photos = example.get("/", params={"path": "/photos"})
        shown = html.unescape(photos.text)
        assert "<h1>Index of /photos</h1>" in shown
        assert '<a href="/?path=/">..</a>' in photos.text
        assert '<a href="/?path=/photos/cat.jpg">cat.jpg</a></td><td>100 bytes' in shown

        assert "(empty folder)" in example.get("/", params={"path": "/empty"}).text

        readme = example.get("/", params={"path": "/readme.txt"})
        assert readme.text == "read me"
        assert readme.headers["Content-Type"] == "text/plain"
        assert example.get("/", params={"path": "/a & b.txt"}).text == "ampersand"
        cat = example.get("/", params={"path": "/photos/cat.jpg"})
        assert cat.headers["Content-Type"] == "image/jpeg"
        assert len(cat.content) == 100

        assert example.get("/", params={"path": "/../etc"}).status_code == 400
        assert example.get("/", params={"path": "/nope"}).status_code == 404


def test_url_parameters():
    with run_example("httpserver_url_parameters.py") as example:
        assert example.get("/rooms/kitchen/lights").text == "Lights in the kitchen: off"
        assert example.get("/rooms/kitchen/lights/on").text == "Lights in the kitchen turned on"
        assert example.get("/rooms/kitchen/lights").text == "Lights in the kitchen: on"
        assert example.get("/rooms/living%20room/lights/off").text == "Lights in the living room turned off"
        assert example.get("/rooms/kitchen/lights/dim").status_code == 400

        assert example.get("/sensors/temperature/2").text == "Reading temperature sensor #2"
        assert example.get("/sensors/temperature/two").status_code == 400
        assert example.get("/sensors/temperature").status_code == 404

        assert example.get("/logs/today").text == "Log today"
        assert example.get("/logs/today/").text == "Log today"
        assert example.get("/logs/2024/today").status_code == 404
        assert example.get("/logs/").status_code == 404

        assert example.get("/files/cat.jpg").text == "File cat.jpg"
        assert example.get("/files/photos/2024/cat.jpg").text == "File photos/2024/cat.jpg"
        assert example.get("/files/").status_code == 404


def test_limits():
    with run_example("httpserver_limits.py") as example:
        assert example.get("/").text == "Serving up to 2 clients at once."
        assert example.request("POST", "/upload", data=b"x" * 4096).text == "Received 4096 bytes"
        assert example.request("POST", "/upload", data=b"x" * 5000).status_code == 413
        assert example.get("/" + "a" * 600).status_code == 414
        many = {"X-Filler-%d" % n: "y" * 60 for n in range(40)}
        assert example.get("/", headers=many).status_code == 431
        # Still serving after all that.
        assert example.get("/").status_code == 200


def test_testing_example_self_check():
    result = subprocess.run(
        [sys.executable, os.path.join(EXAMPLES, "httpserver_testing.py")],
        cwd=EXAMPLES,
        env=_environment({}),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    assert result.stdout.decode().strip().endswith("all checks passed")
