"""The floor for the WebSocket benchmark: a blocking raw-socket echo server.

    python raw_ws_echo.py PORT

One client at a time, no limits, no validation beyond what echoing needs: the HTTP
upgrade (``GET /echo``, anything else gets a plain ``Hello``), then frames read with
blocking ``recv`` and unmasked with one big-integer XOR, echoed in one ``sendall``.
TCP_NODELAY is set. Close and ping frames are answered; fragments are not supported.
"""

import base64
import hashlib
import socket
import struct
import sys

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
PORT = int(sys.argv[1])


def read_exact(conn, count):
    data = bytearray()
    while len(data) < count:
        chunk = conn.recv(min(count - len(data), 1 << 20))
        if not chunk:
            raise EOFError
        data += chunk
    return bytes(data)


def unmask(payload, mask):
    size = len(payload)
    if not size:
        return b""
    key = (mask * (size // 4 + 1))[:size]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(size, "big")


def header(opcode, size):
    if size < 126:
        return bytes((0x80 | opcode, size))
    if size < 65536:
        return bytes((0x80 | opcode, 126)) + struct.pack(">H", size)
    return bytes((0x80 | opcode, 127)) + struct.pack(">Q", size)


def serve(conn):
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = conn.recv(4096)
        if not chunk:
            return
        head += chunk
    lines = head.split(b"\r\n")
    key = None
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"sec-websocket-key":
            key = value.strip()
    if not lines[0].startswith(b"GET /echo") or key is None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nHello")
        return
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    conn.sendall(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )
    while True:
        first, second = read_exact(conn, 2)
        opcode = first & 0x0F
        size = second & 0x7F
        if size == 126:
            size = struct.unpack(">H", read_exact(conn, 2))[0]
        elif size == 127:
            size = struct.unpack(">Q", read_exact(conn, 8))[0]
        mask = read_exact(conn, 4)
        payload = unmask(read_exact(conn, size), mask)
        if opcode == 8:
            conn.sendall(header(8, len(payload)) + payload)
            return
        if opcode == 9:
            conn.sendall(header(10, len(payload)) + payload)
            continue
        if opcode in (1, 2):
            conn.sendall(header(opcode, len(payload)) + payload)


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", PORT))
listener.listen(8)
print("READY", PORT, flush=True)
while True:
    client, _ = listener.accept()
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        serve(client)
    except (OSError, EOFError):
        pass
    finally:
        client.close()
