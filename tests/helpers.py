"""Shared helpers for the real-socket tests (CPython only).

``running_server`` runs ``Server.poll()`` in a background thread on 127.0.0.1 (or ::1) and
always stops the thread and the server on exit. The other helpers are a tiny HTTP/1.1
response reader for raw sockets (enough for pipelining and truncated chunked bodies) and a
bounded ``wait_until``."""

import contextlib
import gc
import os
import selectors
import signal
import socket
import subprocess
import threading
import time


def free_port(host="127.0.0.1"):
    """A port that was free a moment ago (prefer ``server.start(host, 0)`` where possible)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(server, host="127.0.0.1"):
    """Starts ``server`` on ``host``, port 0, and polls it in a background thread.

    Yields ``(server, errors)``: ``errors`` is a list that receives every exception raised by
    ``poll()``. On exit the thread is stopped and joined, then the server is stopped, even if
    the body of the ``with`` raised."""
    errors = []
    halt = threading.Event()
    server.start(host, 0)

    def loop():
        while not halt.is_set():
            try:
                server.poll()
            except Exception as error:  # pylint: disable=broad-except
                errors.append(error)
            engine = server._engine
            if engine is not None and not halt.is_set():
                engine.wait(0.01)

    thread = threading.Thread(target=loop, name="poll-loop", daemon=True)
    thread.start()
    try:
        yield server, errors
    finally:
        halt.set()
        thread.join(5)
        server.stop()
        assert not thread.is_alive(), "the poll thread did not stop within 5 s"


def url(server, path="/"):
    host = server.host
    if ":" in host:
        host = "[%s]" % host
    return "http://%s:%d%s" % (host, server.port, path)


def wait_until(predicate, timeout=5.0, step=0.01):
    """Polls ``predicate`` until it is true or ``timeout`` seconds pass; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(step)


def table_empty(server, timeout=5.0):
    """Waits until the server's connection table is empty; True if it became so.

    ``requests``/``http.client`` close a socket only when their response objects are
    garbage-collected (the response's file object keeps the descriptor open), so collect
    first: a connection that is still open on the client side is rightly kept."""

    def empty():
        gc.collect()
        engine = server._engine
        return engine is not None and len(engine.clients) == 0

    return wait_until(empty, timeout, step=0.05)


def connect(server, timeout=5.0):
    """A blocking client socket (with a timeout) connected to ``server``."""
    family = socket.AF_INET6 if ":" in server.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sock.connect((server.host, server.port))
    return sock


def recv_all(sock, timeout=5.0, limit=64 * 1024 * 1024):
    """Reads until EOF (or a reset); returns ``(data, closed)``. ``closed`` is False when
    ``timeout`` seconds passed without EOF."""
    sock.settimeout(timeout)
    chunks = []
    total = 0
    deadline = time.monotonic() + timeout
    while total < limit and time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return b"".join(chunks), False
        except ConnectionResetError:
            return b"".join(chunks), True
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks), False


def is_closed(sock, timeout=5.0):
    """True when the peer closes ``sock`` (EOF or reset) within ``timeout`` with no more data."""
    data, closed = recv_all(sock, timeout)
    return closed and not data


class HTTPResponse:
    def __init__(self, status, reason, headers, body, raw):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value) as sent
        self.body = body
        self.raw = raw

    def header(self, name, default=None):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return default

    def header_list(self, name):
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def __repr__(self):
        return "<HTTPResponse %d %s %r>" % (self.status, self.reason, self.body[:60])


class ResponseReader:
    """Reads consecutive HTTP responses from one socket (pipelining, keep-alive)."""

    def __init__(self, sock, timeout=5.0):
        self.sock = sock
        self.buffer = b""
        sock.settimeout(timeout)

    def _more(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed with %d unparsed bytes" % len(self.buffer))
        self.buffer += chunk

    def _take_line(self):
        while b"\r\n" not in self.buffer:
            self._more()
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _take(self, count):
        while len(self.buffer) < count:
            self._more()
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def read(self, head_only=False):
        """The next response. Interim 1xx responses are returned like any other."""
        status_line = self._take_line().decode("latin-1")
        version, code, reason = (status_line.split(" ", 2) + [""])[:3]
        assert version.startswith("HTTP/1."), status_line
        status = int(code)
        headers = []
        while True:
            line = self._take_line()
            if not line:
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers.append((name, value.strip()))
        response = HTTPResponse(status, reason, headers, b"", None)
        if head_only or status < 200 or status in (204, 304):
            return response
        if "chunked" in (response.header("Transfer-Encoding") or "").lower():
            body = []
            while True:
                size = int(self._take_line().split(b";")[0], 16)
                if size == 0:
                    while self._take_line():
                        pass
                    break
                body.append(self._take(size))
                assert self._take(2) == b"\r\n"
            response.body = b"".join(body)
        elif response.header("Content-Length") is not None:
            response.body = self._take(int(response.header("Content-Length")))
        else:
            data, _ = recv_all(self.sock)
            response.body = self.buffer + data
            self.buffer = b""
        return response


def request_bytes(method, path, headers=None, body=b"", version="HTTP/1.1"):
    lines = ["%s %s %s" % (method, path, version), "Host: test"]
    for name, value in (headers or {}).items():
        lines.append("%s: %s" % (name, value))
    if body and not any(k.lower() in ("content-length", "transfer-encoding") for k in (headers or {})):
        lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def exchange(server, data, timeout=5.0):
    """Sends raw ``data`` on a new connection and reads one response."""
    with connect(server, timeout) as sock:
        sock.sendall(data)
        return ResponseReader(sock, timeout).read()


# -- subprocesses ----------------------------------------------------------------------------


def _default_sigint():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def popen(args, **kwargs):
    """Starts a subprocess with piped stdout/stderr and SIGINT at its default disposition
    (a shell that runs us in the background may have set it to "ignore", which Python would
    inherit and then never raise KeyboardInterrupt). Stop it with ``stop_process``."""
    return subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_default_sigint,
        **kwargs
    )


def read_line(proc, timeout=10):
    """The next stdout line of ``proc``, waiting at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    line = b""
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                raise AssertionError("no line from the subprocess within %s s (got %r)" % (timeout, line))
            byte = os.read(proc.stdout.fileno(), 1)
            if not byte:
                raise AssertionError("the subprocess ended (got %r)" % line)
            line += byte
    return line.decode()


def stop_process(proc):
    """Ctrl-C by PID, then wait; kill only if it does not exit. Returns everything it wrote
    (stdout + stderr) and closes the pipes."""
    try:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        output = b""
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                output += pipe.read()
        return output.decode("utf-8", "replace")
    finally:
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
