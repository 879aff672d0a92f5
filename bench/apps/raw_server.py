"""The floor: a minimal blocking raw-socket HTTP server with a fixed response.

    python raw_server.py PORT close|keepalive

One client at a time: blocking accept, recv until the blank line, sendall. ``close``
answers with ``Connection: close`` and closes; ``keepalive`` keeps reading requests on
the same connection until the client closes it.
"""

import socket
import sys

PORT = int(sys.argv[1])
MODE = sys.argv[2] if len(sys.argv) > 2 else "close"
BODY = b"Hello"
CLOSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\n" + BODY
KEEP = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n" + BODY

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", PORT))
listener.listen(128)
print("READY", PORT, flush=True)

while True:
    conn, _ = listener.accept()
    try:
        data = b""
        while True:
            end = data.find(b"\r\n\r\n")
            if end < 0:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
                continue
            data = data[end + 4 :]
            if MODE == "close":
                conn.sendall(CLOSE)
                break
            conn.sendall(KEEP)
    except OSError:
        pass
    finally:
        conn.close()
