"""WebSocket echo benchmarks: our server vs adafruit_httpserver 4.8.2 vs a raw-socket floor.

Each server runs in its own subprocess on its own 127.0.0.1 port; the client is this
process, a minimal blocking WebSocket client (masked frames, TCP_NODELAY). Per server:

* ``round trips/s``: one client sends a 16-byte text message and waits for its echo,
  over and over, for 2 s (quick: 0.5 s; at most 20000 round trips);
* ``1 MB echo s``: the time to send one 1 MiB binary message and receive it back whole
  (best of 3; quick: 1), each bounded by 30 s (quick: 10 s).

Servers:

* ``ours``: ``examples/httpserver_websocket_echo.py PORT 2097152`` (the Autobahn echo
  server: ``poll()``, then ``receive``/``send_message`` for every websocket, then
  ``server._engine.wait(0.01)``);
* ``4.8.2``: ``apps/ws_echo_482.py`` (4.8.2's public API, one client at a time, class
  limits raised to 2 MiB; ``poll()`` + ``receive`` in a tight loop);
* ``raw``: ``apps/raw_ws_echo.py``, a blocking one-client echo (the floor).

A server that does not answer in time reads ``timeout``; one that closes or answers
wrongly reads ``error``. Nothing is asserted: this only reports.
"""

import base64
import os
import socket
import struct
import sys
import time

import _harness as H

NAME = "ws"
HELP = "WebSocket echo round trips/s and the time to echo one 1 MB message"

SERVERS = ("ours", "4.8.2", "raw")
MESSAGE = b"0123456789abcdef"
BIG = 1024 * 1024
LIMIT = 2 * 1024 * 1024
MASK = b"\x1f\x2e\x3d\x4c"


class Timeout(Exception):
    pass


class Client:
    """A blocking WebSocket client for benchmarks (no threads, no extensions)."""

    def __init__(self, port, timeout):
        self.sock = socket.create_connection((H.HOST, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = bytearray()
        key = base64.b64encode(os.urandom(16))
        self.sock.sendall(
            b"GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        while b"\r\n\r\n" not in self.buffer:
            self._more()
        head, _, rest = bytes(self.buffer).partition(b"\r\n\r\n")
        self.buffer = bytearray(rest)
        if not head.startswith(b"HTTP/1.1 101"):
            raise ValueError("handshake answered %r" % head[:40])

    def _more(self):
        try:
            chunk = self.sock.recv(1 << 20)
        except socket.timeout:
            raise Timeout() from None
        if not chunk:
            raise EOFError("server closed")
        self.buffer += chunk

    def _take(self, count):
        while len(self.buffer) < count:
            self._more()
        data = bytes(self.buffer[:count])
        del self.buffer[:count]
        return data

    @staticmethod
    def frame(opcode, payload):
        size = len(payload)
        if size < 126:
            head = bytes((0x80 | opcode, 0x80 | size))
        elif size < 65536:
            head = bytes((0x80 | opcode, 0x80 | 126)) + struct.pack(">H", size)
        else:
            head = bytes((0x80 | opcode, 0x80 | 127)) + struct.pack(">Q", size)
        key = (MASK * (size // 4 + 1))[:size]
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(size, "big") if size else b""
        return head + MASK + masked

    def send(self, data):
        self.sock.sendall(data)

    def receive(self):
        """The payload of the next data frame (pings are answered, close raises)."""
        while True:
            first, second = self._take(2)
            size = second & 0x7F
            if size == 126:
                size = struct.unpack(">H", self._take(2))[0]
            elif size == 127:
                size = struct.unpack(">Q", self._take(8))[0]
            payload = self._take(size)
            opcode = first & 0x0F
            if opcode == 8:
                raise EOFError("server sent close %r" % payload[:20])
            if opcode == 9:
                self.send(self.frame(10, payload))
                continue
            if opcode in (1, 2):
                return payload

    def close(self):
        try:
            self.sock.sendall(self.frame(8, b"\x03\xe8"))
        except OSError:
            pass
        self.sock.close()


def _outcome(error):
    if isinstance(error, Timeout):
        return "timeout"
    return "error"


def bench_round_trips(port, seconds, max_count, timeout):
    client = None
    done = 0
    start = time.perf_counter()
    try:
        client = Client(port, timeout)
        frame = Client.frame(1, MESSAGE)
        start = time.perf_counter()
        deadline = start + seconds
        while done < max_count and time.perf_counter() < deadline:
            client.send(frame)
            if client.receive() != MESSAGE:
                raise ValueError("wrong echo")
            done += 1
    except (OSError, EOFError, ValueError, Timeout) as error:
        elapsed = time.perf_counter() - start
        return {"rps": done / elapsed if done and elapsed > 0 else None, "count": done, "failure": _outcome(error),
                "detail": "%s: %s" % (type(error).__name__, error)}
    finally:
        if client is not None:
            client.close()
    elapsed = time.perf_counter() - start
    return {"rps": done / elapsed if elapsed > 0 else None, "count": done, "failure": None, "detail": ""}


def bench_big_echo(ready_port, repeats, timeout):
    """``ready_port()`` gives the port of a running server (restarting a crashed one)."""
    payload = os.urandom(BIG)
    frame = Client.frame(2, payload)
    times = []
    for _ in range(repeats):
        client = None
        try:
            client = Client(ready_port(), timeout)
            start = time.perf_counter()
            client.sock.settimeout(timeout)
            client.send(frame)
            echoed = client.receive()
            elapsed = time.perf_counter() - start
            if echoed != payload:
                raise ValueError("echo differs (%d bytes back)" % len(echoed))
            times.append(elapsed)
        except (OSError, EOFError, ValueError, Timeout) as error:
            return {"seconds": min(times) if times else None, "failure": _outcome(error),
                    "detail": "%s: %s" % (type(error).__name__, error)}
        finally:
            if client is not None:
                client.close()
    return {"seconds": min(times), "failure": None, "detail": ""}


def _start(name, port, upstream):
    if name == "ours":
        argv = [sys.executable, os.path.join(H.REPO, "examples", "httpserver_websocket_echo.py"), str(port), str(LIMIT)]
        env = H.clean_env(H.REPO)
    elif name == "4.8.2":
        argv = [sys.executable, os.path.join(H.APPS, "ws_echo_482.py"), str(port), str(LIMIT)]
        env = H.clean_env(upstream)
    else:
        argv = [sys.executable, os.path.join(H.APPS, "raw_ws_echo.py"), str(port)]
        env = H.clean_env(None)
    return H.Proc("ws-" + name, argv, env=env, cwd=H.APPS)


def measure(name, budget, upstream, log):
    port = H.free_port()
    proc = _start(name, port, upstream)
    result = {"server": name}
    try:
        H.wait_http_ready(port, proc, budget.start_timeout)
        if name == "4.8.2":
            out, _ = proc.output()
            if upstream not in out:
                raise RuntimeError("4.8.2 app did not load 4.8.2: %s" % out[:200])
        seconds = 0.5 if budget.quick else 2.0
        result["rt"] = bench_round_trips(port, seconds, 20000, timeout=2.0)
        log("  %s: %s round trips/s %s" % (name, H.fmt_num(result["rt"]["rps"]), result["rt"]["failure"] or ""))
        state = {"proc": proc, "port": port}

        def ready_port():
            time.sleep(0.3)  # a server that crashes when a client leaves has done so by now
            if not state["proc"].alive():
                # Note the crash, then start it again so the 1 MB echo is still measured.
                _, err = state["proc"].output()
                last = [line for line in err.strip().splitlines() if line.strip()][-1:] or ["?"]
                result.setdefault("crash", "exited after a client left: %s" % last[0][:140])
                log("  %s: %s (restarting it)" % (name, result["crash"]))
                state["proc"].stop()
                state["port"] = H.free_port()
                state["proc"] = _start(name, state["port"], upstream)
                H.wait_http_ready(state["port"], state["proc"], budget.start_timeout)
            return state["port"]

        try:
            result["big"] = bench_big_echo(ready_port, 1 if budget.quick else 3, timeout=10.0 if budget.quick else 30.0)
        finally:
            proc = state["proc"]
        log("  %s: 1 MB echo %s s %s" % (name, H.fmt_num(result["big"]["seconds"], 3), result["big"]["failure"] or ""))
    except (RuntimeError, OSError) as error:
        result["error"] = str(error).splitlines()[0][:160]
        log("  %s: %s" % (name, result["error"]))
    finally:
        proc.stop()
    return result


def _cell_rt(result):
    if "error" in result:
        return "error"
    rt = result["rt"]
    if rt["failure"] and not rt["count"]:
        return rt["failure"]
    text = H.fmt_num(rt["rps"])
    return text + (" (then %s)" % rt["failure"] if rt["failure"] else "")


def _cell_big(result):
    if "error" in result or "big" not in result:
        return "error" if "error" in result else "n/a"
    big = result["big"]
    if big["seconds"] is None:
        return big["failure"]
    return H.fmt_num(big["seconds"], 3)


def report(results):
    by_name = {r["server"]: r for r in results}

    def value(name, key):
        result = by_name.get(name)
        if not result or "error" in result or key not in result:
            return None
        if key == "rt":
            return result["rt"]["rps"] if result["rt"]["count"] else None
        return result["big"]["seconds"]

    rows = []
    for result in results:
        name = result["server"]
        rows.append([name, _cell_rt(result), _cell_big(result)])
    table = H.table(["server", "round trips/s", "1 MB echo s"], rows)
    ours_rt, ours_big = value("ours", "rt"), value("ours", "big")
    lines = [table, ""]
    for other in ("4.8.2", "raw"):
        if other in by_name:
            lines.append(
                "ours vs %s: round trips %s, 1 MB echo time %s (>1x: ours faster)"
                % (
                    other,
                    H.fmt_ratio(H.ratio(ours_rt, value(other, "rt"))),
                    H.fmt_ratio(H.ratio(value(other, "big"), ours_big)),
                )
            )
    for result in results:
        for key in ("rt", "big"):
            part = result.get(key)
            if part and part.get("detail"):
                lines.append("  %s %s: %s" % (result["server"], key, part["detail"][:160]))
        if "error" in result:
            lines.append("  %s: %s" % (result["server"], result["error"]))
        if "crash" in result:
            lines.append("  %s: server %s" % (result["server"], result["crash"]))
    return "WebSocket echo (one client; 16-byte text round trips; one 1 MiB binary message)\n" + "\n".join(lines)


def run(opts, log=print):
    budget = opts.budget
    names = list(SERVERS)
    upstream = H.upstream_path(install=True, log=log)
    if upstream is None:
        log("4.8.2 not available: skipping its row")
        names.remove("4.8.2")
    ok, msg = H.ours_importable()
    if not ok:
        log("our server does not import (%s): skipping its row" % msg)
        names.remove("ours")
    results = []
    for name in names:
        log("ws server %s" % name)
        results.append(measure(name, budget, upstream, log))
    return {"section": NAME, "servers": names, "results": results, "text": report(results)}
