"""The floor: a minimal raw-socket HTTP server with a fixed response.

    python raw_server.py PORT close|keepalive [DELAY_US]

``close``: one client at a time, blocking accept, recv until the blank line, sendall of
a ``Connection: close`` answer, close.

``keepalive``: the same loop shape as a server driven by ``poll()`` in a tight loop, with
nothing else: non-blocking sockets, ``select.poll`` with a zero timeout, any number of
clients, every complete request head answered on its connection (``Connection:
keep-alive`` when an HTTP/1.0 client such as ``ab -k`` asks for it) until the client
closes. No parsing beyond finding the blank line.

``DELAY_US`` (keepalive only, for diagnosis, not used by the benchmark): spin that many
microseconds before each answer, as if the server did that much work per request. It shows
how a sequential client's rate falls with the server's time per request on this machine
(see bench/README.md, "Sequential keep-alive clients and server time").
"""

import select
import socket
import sys
import time

PORT = int(sys.argv[1])
MODE = sys.argv[2] if len(sys.argv) > 2 else "close"
DELAY_NS = int(sys.argv[3]) * 1000 if len(sys.argv) > 3 else 0
BODY = b"Hello"
CLOSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\n" + BODY
KEEP = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n" + BODY
KEEP_10 = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\n" + BODY

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", PORT))
listener.listen(128)
print("READY", PORT, flush=True)


def serve_closing():
    while True:
        conn, _ = listener.accept()
        try:
            data = b""
            while data.find(b"\r\n\r\n") < 0:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
            else:
                conn.sendall(CLOSE)
        except OSError:
            pass
        finally:
            conn.close()


def serve_keep_alive():
    listener.setblocking(False)
    poller = select.poll()
    poller.register(listener, select.POLLIN)
    clients = {}  # fd -> [socket, bytes received and not yet answered]
    while True:
        for fd, _ in poller.poll(0):
            if fd == listener.fileno():
                try:
                    conn, _ = listener.accept()
                except BlockingIOError:
                    continue
                conn.setblocking(False)
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                poller.register(conn, select.POLLIN)
                clients[conn.fileno()] = [conn, b""]
                continue
            entry = clients[fd]
            conn = entry[0]
            try:
                chunk = conn.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                poller.unregister(conn)
                del clients[fd]
                conn.close()
                continue
            data = entry[1] + chunk
            end = data.find(b"\r\n\r\n")
            while end >= 0:
                head = data[:end]
                http10 = head.find(b"HTTP/1.0") >= 0 and head.lower().find(b"keep-alive") >= 0
                if DELAY_NS:
                    until = time.perf_counter_ns() + DELAY_NS
                    while time.perf_counter_ns() < until:
                        pass
                conn.sendall(KEEP_10 if http10 else KEEP)
                data = data[end + 4 :]
                end = data.find(b"\r\n\r\n")
            entry[1] = data


if MODE == "close":
    serve_closing()
else:
    serve_keep_alive()
