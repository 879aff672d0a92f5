"""Streamed request bodies over real sockets (127.0.0.1) with real clients: ``curl`` and
``requests`` send a few MB to ``body_to`` routes (Content-Length and chunked, with and
without ``Expect: 100-continue``), multipart forms go to a ``files_to`` directory, and
small forms stay buffered in ``request.form_data``.

Checked: checksums of what lands on disk, the 100 Continue interim answer (and its absence
when a route refuses the body through its factory, which must then never see a byte), 413
for a too-large Content-Length and a too-large chunked stream, sanitised upload names that
cannot leave the upload directory, and that a client vanishing (or stalling) mid-upload
leaves no partial file. Every subprocess has a timeout; every wait is bounded."""

import hashlib
import json
import os
import shutil
import socket
import subprocess
import tempfile

import pytest
import requests

from adafruit_httpserver import GET, POST, PUT, JSONResponse, Response, Server

from helpers import ResponseReader, connect, running_server, table_empty, url, wait_until

CURL = shutil.which("curl")
needs_curl = pytest.mark.skipif(CURL is None, reason="curl is not installed")

MB = 1024 * 1024
LIMIT = 1 * MB  # max_body_size of the /limited routes
TIMEOUT = 30  # seconds for one client transfer


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while True:
            block = file.read(65536)
            if not block:
                return digest.hexdigest()
            digest.update(block)


def _describe(path):
    return {"sha256": file_sha256(path), "size": os.path.getsize(path)}


class Recorder:
    """A writer handed out by a ``body_to`` factory: counts what it is given."""

    def __init__(self, path, log):
        self.file = open(path, "wb")  # pylint: disable=consider-using-with
        self.path = path
        self.log = log
        self.written = 0
        self.closed = False

    def write(self, data):
        self.written += len(data)
        return self.file.write(data)

    def close(self):
        self.closed = True
        self.file.close()
        self.log.append(("closed", os.path.basename(self.path), self.written))


def build_server(folder):
    """The app under test; ``server.events`` records handler calls and factory decisions."""
    server = Server(socket, socket_timeout=1)
    events = []
    server.events = events
    uploads = os.path.join(folder, "uploads")
    form_dir = os.path.join(folder, "form")
    os.makedirs(uploads)
    os.makedirs(form_dir)
    server.folder, server.uploads, server.form_dir = folder, uploads, form_dir

    # -- body_to a path --------------------------------------------------------------------

    raw_path = os.path.join(uploads, "raw.bin")

    @server.route("/raw", [POST, PUT], body_to=raw_path)
    def raw(request):
        events.append(("raw", request.method))
        return JSONResponse(request, _describe(raw_path))

    @server.route("/vanish", POST, body_to=os.path.join(uploads, "vanish.bin"))
    def vanish(request):
        events.append(("vanish handler",))
        return Response(request, "should not be reached by an aborted upload")

    limited_path = os.path.join(uploads, "limited.bin")

    @server.route("/limited", POST, body_to=limited_path, max_body_size=LIMIT)
    def limited(request):
        events.append(("limited handler",))
        return JSONResponse(request, _describe(limited_path))

    # -- body_to a factory -----------------------------------------------------------------

    def put_writer(request):
        name = request.path.rsplit("/", 1)[-1]
        writer = Recorder(os.path.join(uploads, "put-" + name), events)
        events.append(("put factory", name, request.headers.get("Expect")))
        return writer

    @server.route("/put/<name>", [PUT, POST], body_to=put_writer)
    def put(request, name):
        events.append(("put handler", name))
        return JSONResponse(request, _describe(os.path.join(uploads, "put-" + name)))

    def refuse(request):
        events.append(("refuse factory", request.headers.get("Expect")))
        return Response(request, "No uploads here", status=(403, "Forbidden"))

    @server.route("/refuse", [POST, PUT], body_to=refuse)
    def refused(request):
        events.append(("refuse handler",))  # must never run
        return Response(request, "accepted?!")

    def token_writer(request):
        if request.headers.get("X-Token") != "secret":
            events.append(("token refused",))
            return Response(request, "Bad token", status=(401, "Unauthorized"))
        events.append(("token accepted",))
        return Recorder(os.path.join(uploads, "token.bin"), events)

    @server.route("/token", POST, body_to=token_writer)
    def token(request):
        return JSONResponse(request, _describe(os.path.join(uploads, "token.bin")))

    class DiskFull(OSError):
        pass

    class FillingWriter(Recorder):
        def write(self, data):
            if self.written + len(data) > MB:
                raise DiskFull(28, "No space left on device")
            return Recorder.write(self, data)

    server.DiskFull = DiskFull

    @server.route("/full", POST, body_to=lambda request: FillingWriter(os.path.join(uploads, "full.bin"), events))
    def full(request):
        events.append(("full handler",))
        return Response(request, "stored?!")

    # -- multipart -------------------------------------------------------------------------

    def form_answer(request):
        form = request.form_data
        files = {}
        for name in form.files:
            for upload in form.files.get_list(name):
                files.setdefault(name, []).append(
                    {
                        "filename": upload.filename,
                        "content_type": upload.content_type,
                        "path": upload.path,
                        "size": upload.size,
                        "sha256": file_sha256(upload.path) if upload.path else sha256(upload.content_bytes),
                    }
                )
        fields = {name: form.get_list(name, safe=False) for name in form}
        return JSONResponse(request, {"fields": fields, "files": files, "content_type": form.content_type})

    @server.route("/form", POST, files_to=form_dir)
    def streamed_form(request):
        events.append(("form handler",))
        return form_answer(request)

    @server.route("/form-limited", POST, files_to=form_dir, max_body_size=LIMIT)
    def limited_form(request):
        return form_answer(request)

    @server.route("/small-form", [GET, POST])
    def small_form(request):
        if request.method == GET:
            return Response(request, "send a form")
        return form_answer(request)

    return server


@pytest.fixture(scope="module")
def live():
    folder = tempfile.mkdtemp(prefix="uploads-real-")
    try:
        server = build_server(folder)
        with running_server(server) as (srv, errors):
            yield srv, errors
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def fresh(live):
    """Each test starts with an empty event log and no leftover poll() errors."""
    server, errors = live
    del server.events[:]
    del errors[:]
    yield


@pytest.fixture(scope="module")
def payload():
    folder = tempfile.mkdtemp(prefix="uploads-payload-")
    data = os.urandom(3 * MB + 12345)  # a few MB, not a multiple of any buffer size
    path = os.path.join(folder, "payload.bin")
    with open(path, "wb") as file:
        file.write(data)
    try:
        yield data, path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def curl(*args):
    """Runs curl (bounded); returns ``(status, upload_size, stdout_body, verbose)``."""
    with tempfile.NamedTemporaryFile(prefix="curl-body-") as body:
        proc = subprocess.run(
            [CURL, "-sS", "-v", "--max-time", str(TIMEOUT), "-o", body.name, "-w", "%{http_code} %{size_upload}"]
            + list(args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=TIMEOUT + 10,
            check=False,
        )
        body.seek(0)
        content = body.read()
    verbose = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, "curl exit %d\n%s" % (proc.returncode, verbose[-3000:])
    status, uploaded = proc.stdout.decode().split()
    return int(status), int(float(uploaded)), content, verbose


def expect_args(expect):
    """curl adds ``Expect: 100-continue`` by itself to large bodies: say it either way."""
    if expect:
        return ["-H", "Expect: 100-continue", "--expect100-timeout", "20"]
    return ["-H", "Expect:"]


def assert_interim(verbose, expect):
    if expect:
        assert "> Expect: 100-continue" in verbose, verbose[-2000:]
        assert "< HTTP/1.1 100 Continue" in verbose, verbose[-2000:]
    else:
        assert "> Expect:" not in verbose
        assert "100 Continue" not in verbose


def no_stray_files(server, allowed=()):
    """Every file under the test folder is in uploads/ or form/ (nothing escaped)."""
    for base, _, names in os.walk(server.folder):
        for name in names:
            path = os.path.join(base, name)
            inside = os.path.dirname(path) in (server.uploads, server.form_dir)
            assert inside or path in allowed, path


# -- body_to: Content-Length and chunked, curl and requests ---------------------------------


@needs_curl
@pytest.mark.parametrize("expect", [False, True], ids=["no-expect", "expect-100"])
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_curl_upload_to_a_path(live, payload, expect, chunked):
    server, errors = live
    data, path = payload
    framing = ["-H", "Transfer-Encoding: chunked"] if chunked else []
    status, uploaded, body, verbose = curl(
        *(expect_args(expect) + framing + ["--data-binary", "@" + path, url(server, "/raw")])
    )
    assert status == 200, body
    assert uploaded >= len(data)  # chunked: the chunk framing counts too
    assert json.loads(body) == {"sha256": sha256(data), "size": len(data)}
    assert_interim(verbose, expect)
    if chunked:
        assert "> Transfer-Encoding: chunked" in verbose
        assert "> Content-Length" not in verbose
    else:
        assert "> Content-Length: %d" % len(data) in verbose
    assert server.events == [("raw", "POST")]
    assert errors == []


@needs_curl
@pytest.mark.parametrize("expect", [False, True], ids=["no-expect", "expect-100"])
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_curl_put_to_a_factory_writer(live, payload, expect, chunked):
    server, errors = live
    data, path = payload
    framing = ["-H", "Transfer-Encoding: chunked"] if chunked else []
    name = "curl-%s-%s.bin" % (int(expect), int(chunked))
    status, _, body, verbose = curl(*(expect_args(expect) + framing + ["-T", path, url(server, "/put/" + name)]))
    assert status == 200, body
    assert json.loads(body) == {"sha256": sha256(data), "size": len(data)}
    assert_interim(verbose, expect)
    assert server.events[0] == ("put factory", name, "100-continue" if expect else None)
    assert ("closed", "put-" + name, len(data)) in server.events
    assert server.events[-1] == ("put handler", name)
    assert errors == []


def test_requests_upload_with_content_length(live, payload):
    server, errors = live
    data, _ = payload
    response = requests.post(url(server, "/raw"), data=data, timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.json() == {"sha256": sha256(data), "size": len(data)}
    assert errors == []


def test_requests_upload_chunked_from_a_generator(live, payload):
    server, errors = live
    data, _ = payload

    def pieces():
        view = memoryview(data)
        for start in range(0, len(data), 100000):  # odd-sized chunks
            yield bytes(view[start : start + 100000])

    response = requests.put(url(server, "/put/generator.bin"), data=pieces(), timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert response.json() == {"sha256": sha256(data), "size": len(data)}
    assert errors == []


def test_requests_sending_expect_without_waiting(live, payload):
    """``requests`` does not wait for 100 Continue: the body follows the head at once, and
    the interim answer arrives while it is being sent. The upload must still be whole."""
    server, errors = live
    data, _ = payload
    with requests.Session() as session:
        response = session.post(
            url(server, "/raw"), data=data, headers={"Expect": "100-continue"}, timeout=TIMEOUT
        )
        assert response.status_code == 200
        assert response.json() == {"sha256": sha256(data), "size": len(data)}
        # The connection is still usable afterwards (keep-alive survived the 100).
        again = session.post(url(server, "/raw"), data=b"second", timeout=TIMEOUT)
        assert again.json() == {"sha256": sha256(b"second"), "size": 6}
    assert errors == []


def test_keep_alive_session_of_several_streamed_uploads(live):
    server, errors = live
    with requests.Session() as session:
        for index in range(4):
            data = os.urandom(200000 + index * 77777)
            response = session.put(url(server, "/put/session-%d.bin" % index), data=data, timeout=TIMEOUT)
            assert response.json() == {"sha256": sha256(data), "size": len(data)}
            assert response.headers.get("Connection", "").lower() != "close"
    assert [e for e in server.events if e[0] == "put handler"] == [
        ("put handler", "session-%d.bin" % index) for index in range(4)
    ]
    assert errors == []


def test_empty_body_to_a_path_leaves_an_empty_file(live):
    """An empty PUT to a ``body_to`` path must leave an empty file there, not the previous
    upload: the handler reads that file as the body it was sent."""
    server, errors = live
    assert requests.put(url(server, "/raw"), data=b"previous content", timeout=TIMEOUT).json()["size"] == 16
    response = requests.put(url(server, "/raw"), data=b"", timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.json() == {"sha256": sha256(b""), "size": 0}
    assert errors == []


def test_empty_chunked_body_to_a_path_leaves_an_empty_file(live):
    server, errors = live
    assert requests.put(url(server, "/raw"), data=b"previous content", timeout=TIMEOUT).json()["size"] == 16
    response = requests.put(url(server, "/raw"), data=iter([]), timeout=TIMEOUT)
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert response.json() == {"sha256": sha256(b""), "size": 0}
    assert errors == []


# -- refusing before the body: the factory's Response -----------------------------------------


@needs_curl
def test_factory_refusal_is_final_without_100_continue_and_unread(live, payload):
    server, errors = live
    _, path = payload
    status, uploaded, body, verbose = curl(*(expect_args(True) + ["--data-binary", "@" + path, url(server, "/refuse")]))
    assert status == 403
    assert body == b"No uploads here"
    assert "> Expect: 100-continue" in verbose
    assert "100 Continue" not in verbose
    assert uploaded == 0, "curl sent the body although the final status came first"
    assert server.events == [("refuse factory", "100-continue")]
    assert errors == []


def test_factory_refusal_over_a_raw_socket(live):
    """The head alone gets the final answer: no byte of the body was ever sent."""
    server, errors = live
    head = (
        "POST /refuse HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n" % (50 * MB)
    ).encode()
    with connect(server, timeout=10) as sock:
        sock.sendall(head)
        response = ResponseReader(sock, timeout=10).read()
    assert response.status == 403, response
    assert response.body == b"No uploads here"
    assert response.header("Connection") == "close"
    assert server.events == [("refuse factory", "100-continue")]
    assert errors == []


@needs_curl
def test_factory_refusal_without_expect(live, payload):
    """Without Expect the body is already on its way: the 403 still reaches the client and
    the handler never runs."""
    server, errors = live
    _, path = payload
    status, _, body, _ = curl(*(expect_args(False) + ["--data-binary", "@" + path, url(server, "/refuse")]))
    assert status == 403 and body == b"No uploads here"
    assert server.events == [("refuse factory", None)]
    assert errors == []


@needs_curl
def test_factory_decides_per_request(live, payload):
    server, errors = live
    data, path = payload
    status, uploaded, _, verbose = curl(*(expect_args(True) + ["--data-binary", "@" + path, url(server, "/token")]))
    assert status == 401 and uploaded == 0 and "100 Continue" not in verbose
    status, uploaded, body, verbose = curl(
        *(expect_args(True) + ["-H", "X-Token: secret", "--data-binary", "@" + path, url(server, "/token")])
    )
    assert status == 200 and uploaded >= len(data) and "< HTTP/1.1 100 Continue" in verbose
    assert json.loads(body) == {"sha256": sha256(data), "size": len(data)}
    assert server.events[:2] == [("token refused",), ("token accepted",)]
    assert errors == []


def test_a_failing_writer_gets_500_and_its_error_raised_from_poll(live):
    server, errors = live
    try:
        response = requests.post(url(server, "/full"), data=os.urandom(3 * MB), timeout=TIMEOUT)
        status = response.status_code
    except requests.ConnectionError:
        status = None  # answered and closed while requests was still sending
    assert status in (500, None)
    print("status seen by requests:", status)
    assert wait_until(lambda: errors, timeout=5)
    assert isinstance(errors[0], server.DiskFull), errors
    assert any(e[:2] == ("closed", "full.bin") for e in server.events), server.events  # closed, not leaked
    assert ("full handler",) not in server.events
    del errors[:]


# -- limits: 413 --------------------------------------------------------------------------------


@needs_curl
@pytest.mark.parametrize("expect", [False, True], ids=["no-expect", "expect-100"])
def test_too_large_content_length_is_413_before_any_byte(live, payload, expect):
    server, errors = live
    data, path = payload
    assert len(data) > LIMIT
    status, uploaded, body, verbose = curl(*(expect_args(expect) + ["--data-binary", "@" + path, url(server, "/limited")]))
    assert status == 413, body
    assert b"larger than" in body
    if expect:
        assert "100 Continue" not in verbose
        assert uploaded == 0
    assert nothing_at(os.path.join(server.uploads, "limited.bin"))
    assert server.events == []
    assert errors == []


@needs_curl
def test_too_large_chunked_stream_is_413_and_leaves_no_file(live, payload):
    server, errors = live
    data, path = payload
    status, _, body, _ = curl(
        *(expect_args(False) + ["-H", "Transfer-Encoding: chunked", "--data-binary", "@" + path, url(server, "/limited")])
    )
    assert status == 413, body
    assert b"larger than %d" % LIMIT in body
    assert wait_until(lambda: nothing_at(os.path.join(server.uploads, "limited.bin")))
    assert server.events == []
    assert errors == []


def test_too_large_chunked_stream_from_requests(live):
    server, errors = live
    sent = []

    def pieces():
        for _ in range(40):  # 2.5 MB against a 1 MB limit
            sent.append(1)
            yield b"x" * 65536

    try:
        response = requests.post(url(server, "/limited"), data=pieces(), timeout=TIMEOUT)
    except requests.ConnectionError:
        response = None  # the server answered and closed while requests was still sending
    if response is not None:
        assert response.status_code == 413
    assert wait_until(lambda: nothing_at(os.path.join(server.uploads, "limited.bin")))
    assert server.events == []
    assert errors == []


def test_a_chunked_stream_within_the_limit_is_kept(live):
    server, errors = live
    data = os.urandom(LIMIT)  # exactly the limit
    response = requests.post(url(server, "/limited"), data=iter([data[:1000], data[1000:]]), timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.json() == {"sha256": sha256(data), "size": len(data)}
    assert errors == []


# -- multipart: files_to a directory ---------------------------------------------------------


def test_requests_multipart_to_a_directory(live):
    server, errors = live
    big = os.urandom(2 * MB + 321)
    small = os.urandom(70000)
    fields = {"title": "Holiday photos", "note": "caf\u00e9 \u2615 & <b>"}
    files = [
        ("photos", ("beach.jpg", big, "image/jpeg")),
        ("photos", ("sunset.jpg", small, "image/jpeg")),
        ("readme", ("readme.txt", b"plain text file\r\n--not a boundary\r\n", "text/plain")),
    ]
    response = requests.post(url(server, "/form"), data=fields, files=files, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["content_type"] == "multipart/form-data"
    assert answer["fields"] == {"title": ["Holiday photos"], "note": [fields["note"]]}
    photos = answer["files"]["photos"]
    assert [p["filename"] for p in photos] == ["beach.jpg", "sunset.jpg"]
    for entry, content in zip(photos, (big, small)):
        assert entry["content_type"] == "image/jpeg"
        assert entry["size"] == len(content)
        assert entry["sha256"] == sha256(content)
        assert os.path.dirname(entry["path"]) == server.form_dir
        assert file_sha256(entry["path"]) == sha256(content)
    readme = answer["files"]["readme"][0]
    assert readme["path"] == os.path.join(server.form_dir, "readme.txt")
    with open(readme["path"], "rb") as file:
        assert file.read() == b"plain text file\r\n--not a boundary\r\n"
    assert errors == []


@pytest.mark.parametrize(
    "sent,saved",
    [
        ("../../escape.txt", "escape.txt"),
        ("..\\..\\windows.txt", "windows.txt"),
        ("/etc/passwd", "passwd"),
        ("C:\\Users\\me\\report.pdf", "report.pdf"),
        ("sub/dir/nested.bin", "nested.bin"),
        ("..", "upload"),
        ("...hidden", "hidden"),
        ("we<ird>:|?*.txt", "weird.txt"),
        ("tab\there.txt", "tabhere.txt"),
    ],
)
def test_upload_names_are_sanitised(live, sent, saved):
    server, errors = live
    content = os.urandom(5000)
    response = requests.post(
        url(server, "/form"), files={"file": (sent, content, "application/octet-stream")}, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text
    entry = response.json()["files"]["file"][0]
    assert entry["filename"] == sent  # what the client said, for the handler to show
    assert entry["path"] == os.path.join(server.form_dir, saved)
    assert file_sha256(entry["path"]) == sha256(content)
    no_stray_files(server)
    assert errors == []


def test_small_forms_stay_buffered_in_form_data(live):
    server, errors = live
    content = b"small file \x00\x01\x02" * 50
    response = requests.post(
        url(server, "/small-form"),
        data={"name": "pico", "count": "3"},
        files={"attachment": ("notes.bin", content, "application/octet-stream")},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["fields"] == {"name": ["pico"], "count": ["3"]}
    entry = answer["files"]["attachment"][0]
    assert entry["path"] is None  # held in memory: File.content
    assert entry["size"] == len(content) and entry["sha256"] == sha256(content)
    urlencoded = requests.post(url(server, "/small-form"), data={"a": "1 + 1", "b": "x&y"}, timeout=TIMEOUT)
    assert urlencoded.json()["fields"] == {"a": ["1 + 1"], "b": ["x&y"]}
    assert "notes.bin" not in os.listdir(server.form_dir)  # nothing written for a buffered form
    assert errors == []


def test_a_buffered_form_over_max_body_size_is_413(live):
    server, errors = live
    response = requests.post(
        url(server, "/small-form"), files={"f": ("big.bin", b"x" * 40000)}, timeout=TIMEOUT
    )
    assert response.status_code == 413
    assert errors == []


def test_a_streamed_form_over_its_route_limit_is_413(live):
    server, errors = live
    response = requests.post(
        url(server, "/form-limited"), files={"f": ("too-big.bin", os.urandom(LIMIT + 1))}, timeout=TIMEOUT
    )
    assert response.status_code == 413
    assert nothing_at(os.path.join(server.form_dir, "too-big.bin"))
    assert errors == []


def test_streamed_form_text_fields_are_bounded(live):
    """Text fields of a streamed form are held in RAM: together at most the server's
    ``max_body_size`` (16 KB by default), else 413, while files may be large."""
    server, errors = live
    response = requests.post(
        url(server, "/form"),
        data={"essay": "w" * 40000},
        files={"f": ("fine.bin", b"12345")},
        timeout=TIMEOUT,
    )
    assert response.status_code == 413
    assert errors == []


# -- clients that go away -----------------------------------------------------------------------


def nothing_at(path):
    """Neither a file nor a partial upload of one (``path + ".part"``) is at ``path``."""
    return not os.path.exists(path) and not os.path.exists(path + ".part")


def open_descriptors(path):
    """This process's file descriptors open on ``path`` (Linux ``/proc``; else [])."""
    found = []
    if os.path.isdir("/proc/self/fd"):
        for name in os.listdir("/proc/self/fd"):
            try:
                if os.readlink(os.path.join("/proc/self/fd", name)) == path:
                    found.append(int(name))
            except OSError:
                pass
    return found


def _start_upload(server, path, head_extra, body):
    sock = connect(server, timeout=10)
    head = "POST %s HTTP/1.1\r\nHost: test\r\n%s\r\n" % (path, head_extra)
    sock.sendall(head.encode() + body)
    return sock


def _previous_file(path):
    """Puts a file where an upload goes, as an earlier upload would have left it."""
    with open(path, "wb") as f:
        f.write(b"the previous upload")
    return path


def _is_previous_file(path):
    with open(path, "rb") as f:
        return f.read() == b"the previous upload"


def _start_form_upload(server, filename):
    """A multipart form upload to /form of a 4 MB file ``filename``, 1 MB of it sent."""
    boundary = "----cut-short"
    head_part = (
        "--%s\r\nContent-Disposition: form-data; name=\"f\"; filename=\"%s\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\n" % (boundary, filename)
    ).encode()
    return _start_upload(
        server,
        "/form",
        "Content-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\n" % (boundary, 4 * MB),
        head_part + os.urandom(MB),
    )


def test_disconnect_mid_upload_removes_the_partial_file_and_keeps_the_previous_one(live):
    server, errors = live
    target = _previous_file(os.path.join(server.uploads, "vanish.bin"))
    part = target + ".part"
    sock = _start_upload(server, "/vanish", "Content-Length: %d\r\n" % (4 * MB), os.urandom(MB))
    try:
        assert wait_until(lambda: os.path.exists(part) and os.path.getsize(part) > 0, timeout=10)
        assert _is_previous_file(target), "the upload wrote over the previous file before it was complete"
    finally:
        sock.close()
    assert wait_until(lambda: not os.path.exists(part), timeout=10), "partial upload left behind"
    assert _is_previous_file(target)
    os.remove(target)  # (the tests after this one share the folder)
    assert table_empty(server)
    assert server.events == []
    assert errors == []


def test_a_second_upload_to_a_file_being_written_gets_409(live):
    """Two uploads into one ``.part`` file would mix: the second is refused while the
    first runs, unread, and the file is free again once the first has ended."""
    server, errors = live
    part = os.path.join(server.uploads, "raw.bin.part")
    first = _start_upload(server, "/raw", "Content-Length: %d\r\n" % (4 * MB), os.urandom(MB))
    try:
        assert wait_until(lambda: os.path.exists(part) and os.path.getsize(part) > 0, timeout=10)
        second = requests.post(url(server, "/raw"), data=b"second upload", timeout=TIMEOUT)
        assert second.status_code == 409, second.text
        assert "under way" in second.text
    finally:
        first.close()
    assert wait_until(lambda: not os.path.exists(part), timeout=10)
    third = requests.post(url(server, "/raw"), data=b"third upload", timeout=TIMEOUT)
    assert third.status_code == 200, third.text
    assert third.json()["sha256"] == sha256(b"third upload")
    assert server.events == [("raw", "POST")]
    assert errors == []


def test_a_second_form_upload_of_a_file_being_written_gets_409(live):
    server, errors = live
    part = os.path.join(server.form_dir, "same.bin.part")
    first = _start_form_upload(server, "same.bin")
    try:
        assert wait_until(lambda: os.path.exists(part) and os.path.getsize(part) > 0, timeout=10)
        second = requests.post(url(server, "/form"), files={"f": ("same.bin", b"second")}, timeout=TIMEOUT)
        assert second.status_code == 409, second.text
    finally:
        first.close()
    assert wait_until(lambda: not os.path.exists(part), timeout=10)
    third = requests.post(url(server, "/form"), files={"f": ("same.bin", b"third")}, timeout=TIMEOUT)
    assert third.status_code == 200, third.text
    with open(os.path.join(server.form_dir, "same.bin"), "rb") as f:
        assert f.read() == b"third"
    assert errors == []


def test_disconnect_mid_chunked_upload_removes_the_partial_file(live):
    server, errors = live
    target = os.path.join(server.uploads, "vanish.bin")
    part = target + ".part"
    chunk = b"%x\r\n%s\r\n" % (65536, b"c" * 65536)
    sock = _start_upload(server, "/vanish", "Transfer-Encoding: chunked\r\n", chunk * 16)
    try:
        assert wait_until(lambda: os.path.exists(part) and os.path.getsize(part) > 0, timeout=10)
    finally:
        sock.close()
    assert wait_until(lambda: nothing_at(target), timeout=10), "partial upload left behind"
    assert server.events == []
    assert errors == []


def test_a_stalled_upload_times_out_with_408_and_no_file(live):
    server, errors = live
    target = os.path.join(server.uploads, "vanish.bin")
    with _start_upload(server, "/vanish", "Content-Length: %d\r\n" % MB, b"s" * 100000) as sock:
        response = ResponseReader(sock, timeout=10).read()  # socket_timeout is 1 s
    assert response.status == 408
    assert nothing_at(target)
    assert server.events == []
    assert errors == []


def test_disconnect_mid_multipart_file_removes_it(live):
    server, errors = live
    target = _previous_file(os.path.join(server.form_dir, "half.bin"))
    part = target + ".part"
    sock = _start_form_upload(server, "half.bin")
    try:
        assert wait_until(lambda: os.path.exists(part) and os.path.getsize(part) > 0, timeout=10)
        assert _is_previous_file(target)
    finally:
        sock.close()
    assert wait_until(lambda: not os.path.exists(part), timeout=10), "partial upload left behind"
    assert _is_previous_file(target)
    os.remove(target)  # (the tests after this one share the folder)
    assert server.events == []
    assert errors == []


def test_multipart_cut_short_is_400_and_leaves_no_file(live):
    """The body ends (Content-Length reached) inside a file part, without the closing
    delimiter: 400, and the half-written file must not stay behind (nor stay open)."""
    server, errors = live
    boundary = "b0undary"
    body = (
        "--%s\r\nContent-Disposition: form-data; name=\"f\"; filename=\"cut.bin\"\r\n\r\n" % boundary
    ).encode() + b"data without the closing delimiter"
    sock = _start_upload(
        server,
        "/form",
        "Content-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\n" % (boundary, len(body)),
        body,
    )
    with sock:
        response = ResponseReader(sock, timeout=10).read()
    assert response.status == 400, response
    target = os.path.join(server.form_dir, "cut.bin")
    assert not open_descriptors(target + ".part"), "the half-written file is still open"
    assert nothing_at(target)
    assert errors == []


def test_malformed_multipart_midway_is_400_and_leaves_no_file(live):
    server, errors = live
    boundary = "b0undary"
    body = (
        "--%s\r\nContent-Disposition: form-data; name=\"f\"; filename=\"bad.bin\"\r\n\r\n" % boundary
    ).encode() + os.urandom(200000) + ("\r\n--%sGARBAGE\r\n" % boundary).encode() + b"z" * 1000
    sock = _start_upload(
        server,
        "/form",
        "Content-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\n" % (boundary, len(body)),
        body,
    )
    with sock:
        response = ResponseReader(sock, timeout=10).read()
    assert response.status == 400, response
    assert nothing_at(os.path.join(server.form_dir, "bad.bin"))
    assert server.events == []
    assert errors == []


def test_a_finished_upload_replaces_the_file_where_renaming_onto_one_is_refused(tmp_path, monkeypatch):
    """FAT file systems (a board's CIRCUITPY drive) refuse to rename onto an existing
    name: the finished upload then takes the old file's place by removing it first. A
    failed rename for another reason (the upload file is missing) leaves the old file."""
    import errno

    from adafruit_httpserver._body import replace_file

    real_rename = os.rename

    def fat_rename(source, target):
        if os.path.exists(target):
            raise OSError(errno.EEXIST, "File exists")
        real_rename(source, target)

    monkeypatch.delattr(os, "replace")
    monkeypatch.setattr(os, "rename", fat_rename)
    target = str(tmp_path / "firmware.bin")
    _previous_file(target)
    (tmp_path / "firmware.bin.part").write_bytes(b"new firmware")
    replace_file(target + ".part", target)
    assert (tmp_path / "firmware.bin").read_bytes() == b"new firmware"
    assert not os.path.exists(target + ".part")

    _previous_file(target)
    with pytest.raises(OSError):
        replace_file(target + ".part", target)  # nothing to rename
    assert _is_previous_file(target)
