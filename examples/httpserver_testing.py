"""Check your routes without a board or a network, with ``adafruit_httpserver.testing``.

``SocketPool()`` is an in-memory stand-in for ``socketpool.SocketPool(wifi.radio)`` (same
socket behaviour as CircuitPython's) and ``TestClient`` sends requests through it while
polling the server. Build the server in a function that takes the pool, then:

* on the board: ``make_server(socketpool.SocketPool(wifi.radio)).serve_forever(...)``;
* on a computer, or in CI: run this file, ``python examples/httpserver_testing.py``.
"""

from adafruit_httpserver import POST, JSONResponse, Request, Response, Server
from adafruit_httpserver.testing import SocketPool, TestClient


def make_server(pool):
    """The application: the same code runs on the board and in the checks below."""
    server = Server(pool)
    readings = []

    @server.route("/")
    def index(request: Request):
        return Response(request, "Weather station")

    @server.route("/readings", POST)
    def add_reading(request: Request):
        data = request.json()
        readings.append(float(data["celsius"]))
        return JSONResponse(request, {"count": len(readings)}, status=(201, "Created"))

    @server.route("/readings")
    def list_readings(request: Request):
        average = sum(readings) / len(readings) if readings else None
        return JSONResponse(request, {"readings": readings, "average": average})

    return server


def self_check():
    client = TestClient(make_server(SocketPool()))

    response = client.get("/")
    assert response.status == 200, response
    assert response.text == "Weather station"
    assert response.headers.get("Content-Type") == "text/plain"

    assert client.post("/readings", '{"celsius": 20.5}').status == 201
    assert client.post("/readings", '{"celsius": 22.5}').json() == {"count": 2}
    assert client.get("/readings").json() == {"readings": [20.5, 22.5], "average": 21.5}

    assert client.post("/readings", "not json").status == 400  # bad input: 400, not a crash
    assert client.get("/nowhere").status == 404
    assert client.delete("/readings").status == 405  # the path exists, the method does not
    assert client.head("/").body == b""  # HEAD is derived from GET

    print("all checks passed")


self_check()
