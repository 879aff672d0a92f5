"""The transfer floors: a minimal blocking raw-socket server, one client at a time.

    python raw_transfer_server.py PORT DIR [sendfile]

``POST /upload``: reads Content-Length bytes with ``recv_into`` a 64 KB buffer and writes
them to ``DIR/upload.bin``; answers the byte count. ``GET /download/<name>``: sends
``DIR/<name>`` in 64 KB reads with ``sendall``, or with ``sendfile`` given, in one
``socket.sendfile`` (the kernel's zero-copy ``os.sendfile``). ``GET /``: ``ready``. Every
answer closes the connection.
"""

import os
import socket
import sys

PORT = int(sys.argv[1])
FOLDER = sys.argv[2]
SENDFILE = sys.argv[3:] == ["sendfile"]
BLOCK = 65536


def answer(conn, status, body, extra=""):
    head = "HTTP/1.1 %s\r\nContent-Length: %d\r\nConnection: close\r\n%s\r\n" % (status, len(body), extra)
    conn.sendall(head.encode() + body)


def serve(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path = lines[0].split(" ")[:2]
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    if method == "POST" and path == "/upload":
        buffer = bytearray(BLOCK)
        view = memoryview(buffer)
        got = len(rest)
        with open(os.path.join(FOLDER, "upload.bin"), "wb") as file:
            file.write(rest)
            while got < length:
                count = conn.recv_into(view, min(BLOCK, length - got))
                if not count:
                    return
                file.write(view[:count])
                got += count
        answer(conn, "200 OK", str(got).encode())
    elif method == "GET" and path.startswith("/download/"):
        name = os.path.basename(path[len("/download/") :])
        target = os.path.join(FOLDER, name)
        size = os.path.getsize(target)
        conn.sendall(
            ("HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % size).encode()
        )
        with open(target, "rb") as file:
            if SENDFILE:
                conn.sendfile(file)
                return
            buffer = bytearray(BLOCK)
            view = memoryview(buffer)
            while True:
                count = file.readinto(buffer)
                if not count:
                    break
                conn.sendall(view[:count])
    else:
        answer(conn, "200 OK", b"ready")


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", PORT))
listener.listen(16)
print("READY", PORT, flush=True)

while True:
    client, _ = listener.accept()
    try:
        client.settimeout(10)
        serve(client)
    except OSError:
        pass
    finally:
        client.close()
