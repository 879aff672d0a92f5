"""The least a Python keep-alive server can do per request: a second floor for the keep-alive
columns, between the raw socket floor (no parsing at all) and a library.

    python py_minimal_server.py PORT

The same loop shape as a server driven by ``poll()`` in a tight loop (non-blocking sockets,
``select.poll`` with a zero timeout) with the work every real server does for each
request and nothing else: find the blank line, split the request line and header lines
into a dict, decide keep-alive from the version and ``Connection``, look the path up in a
route table, call the handler and format the head around its body. No checks, no limits,
no error answers: it is a measuring stick, not a server to use.
"""

import select
import socket
import sys

PORT = int(sys.argv[1])


def hello(method, path, headers):  # pylint: disable=unused-argument
    return 200, "OK", "Hello"


ROUTES = {"/": hello}

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", PORT))
listener.listen(128)
listener.setblocking(False)
poller = select.poll()
poller.register(listener, select.POLLIN)
connections = {}  # fd -> [socket, buffer, bytes in the buffer]
print("READY", PORT, flush=True)


def answer(conn, text):
    lines = text.split("\r\n")
    method, target, version = lines[0].split(" ")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.lower()] = value.strip()
    connection = headers.get("connection", "").lower()
    keep = "close" not in connection and (version == "HTTP/1.1" or "keep-alive" in connection)
    status, reason, body = ROUTES[target.partition("?")[0]](method, target, headers)
    body = body.encode()
    extra = "" if not keep else "Connection: keep-alive\r\n" if version == "HTTP/1.0" else ""
    head = "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%s\r\n" % (
        status,
        reason,
        len(body),
        extra if keep else "Connection: close\r\n",
    )
    conn.send(head.encode() + body)
    return keep


def drop(fd):
    conn = connections.pop(fd)[0]
    poller.unregister(conn)
    conn.close()


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
            connections[conn.fileno()] = [conn, bytearray(4096), 0]
            continue
        entry = connections[fd]
        conn, buf, filled = entry
        try:
            count = conn.recv_into(memoryview(buf)[filled:])
        except BlockingIOError:
            continue
        except OSError:
            count = 0
        if not count:
            drop(fd)
            continue
        filled += count
        end = buf.find(b"\r\n\r\n", 0, filled)
        while end >= 0:
            keep = answer(conn, bytes(buf[:end]).decode())
            rest = filled - end - 4
            buf[:rest] = buf[end + 4 : filled]
            filled = rest
            if not keep:
                break
            end = buf.find(b"\r\n\r\n", 0, filled)
        entry[2] = filled
        if end >= 0:
            drop(fd)
