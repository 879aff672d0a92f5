"""A two-way remote control over WebSocket: every open page stays in sync.

``/`` serves a page with a colour picker and a few buttons. Each page opens a WebSocket to
``/ws`` and sends its changes as JSON (``{"color": "#ff8800"}``). The server keeps the
list of connected clients, applies the change to the board's NeoPixel and sends the new
state to every client, so two tabs (or two phones) always show the same colour.
``/state`` returns the state as JSON.

Written with ``asyncio`` tasks: one polls the server, and one task per client waits for
that client's messages with ``await websocket.receive_async()`` (it sleeps until data
arrives; nothing spins). On CircuitPython install ``asyncio`` (and ``adafruit_ticks``)
from the bundle first, e.g. ``circup install asyncio neopixel``.

Every open page keeps one connection: raise ``max_connections`` for more viewers.
"""

import asyncio
import json
import os

import board
import neopixel
import socketpool
import wifi

from adafruit_httpserver import GET, NO_REQUEST, JSONResponse, Request, Response, Server, Websocket

pool = socketpool.SocketPool(wifi.radio)
server = Server(pool, debug=True, max_connections=int(os.getenv("MAX_CONNECTIONS", 8)))

pixel = neopixel.NeoPixel(board.NEOPIXEL, 1, brightness=0.3)  # type: ignore[attr-defined]  # a board-specific pin
state = {"color": "#000000", "clients": 0}
clients: list = []  # the connected Websockets

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>NeoPixel remote</title>
  <style>
    body { font-family: sans-serif; margin: 2em; }
    #swatch { width: 8em; height: 8em; border: 1px solid #444; border-radius: 1em; }
    button { font-size: 1.2em; margin: 0.2em; }
  </style>
</head>
<body>
  <h1>NeoPixel remote</h1>
  <div id="swatch"></div>
  <p><input type="color" id="picker" value="#000000"></p>
  <p>
    <button data-color="#ff0000">Red</button>
    <button data-color="#00ff00">Green</button>
    <button data-color="#0000ff">Blue</button>
    <button data-color="#000000">Off</button>
  </p>
  <p>Colour: <span id="color">-</span>, pages connected: <span id="clients">-</span></p>
  <p id="status">connecting...</p>
  <script>
    const body = document.body;
    const picker = document.getElementById("picker");
    const status = document.getElementById("status");
    let socket = null;

    function show(state) {
      picker.value = state.color;
      document.getElementById("swatch").style.background = state.color;
      document.getElementById("color").textContent = state.color;
      document.getElementById("clients").textContent = state.clients;
      body.dataset.color = state.color;
      body.dataset.clients = state.clients;
    }

    function send(change) {
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify(change));
      }
    }

    function connect() {
      socket = new WebSocket("ws://" + location.host + "/ws");
      socket.addEventListener("open", () => {
        status.textContent = "connected";
        body.dataset.connected = "yes";
      });
      socket.addEventListener("message", (event) => {
        const message = JSON.parse(event.data);
        if (message.error) {
          status.textContent = "error: " + message.error;
        } else {
          show(message);
        }
      });
      socket.addEventListener("close", () => {
        body.dataset.connected = "no";
        status.textContent = "disconnected, retrying...";
        setTimeout(connect, 2000);
      });
    }

    picker.addEventListener("input", () => send({ color: picker.value }));
    document.querySelectorAll("button[data-color]").forEach((button) => {
      button.addEventListener("click", () => send({ color: button.dataset.color }));
    });
    connect();
  </script>
</body>
</html>
"""


def parse_color(text):
    """``"#rrggbb"`` -> ``(r, g, b)``; ValueError for anything else."""
    if not isinstance(text, str) or len(text) != 7 or text[0] != "#":
        raise ValueError("color must look like #rrggbb")
    return tuple(int(text[i : i + 2], 16) for i in (1, 3, 5))


def send_state():
    """Sends the state to every client; forgets the ones that have gone."""
    message = json.dumps(state)
    for websocket in list(clients):
        websocket.send_message(message, fail_silently=True)
        if websocket.closed:
            clients.remove(websocket)
    if state["clients"] != len(clients):
        state["clients"] = len(clients)
        send_state()


def apply(websocket, text):
    """Applies one message from a client, then tells everyone."""
    try:
        change = json.loads(text)
        color = change["color"].lower()
        rgb = parse_color(color)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        websocket.send_message(json.dumps({"error": "bad message: %s" % error}), fail_silently=True)
        return
    pixel.fill(rgb)
    state["color"] = color
    send_state()


async def handle_client(websocket):
    """One task per client: waits for its messages (no busy loop) until it leaves."""
    clients.append(websocket)
    state["clients"] = len(clients)
    send_state()  # the newcomer gets the current state, the others the new count
    while True:
        message = await websocket.receive_async()
        if message is None:  # closed by the client, or the connection dropped
            break
        apply(websocket, message)
    if websocket in clients:
        clients.remove(websocket)
    state["clients"] = len(clients)
    send_state()


@server.route("/", GET)
def index(request: Request):
    return Response(request, PAGE, content_type="text/html")


@server.route("/state", GET)
def show_state(request: Request):
    return JSONResponse(request, {"color": state["color"], "clients": state["clients"], "pixel": list(pixel[0])})


@server.route("/ws", GET)
def connect_client(request: Request):
    websocket = Websocket(request)
    if not websocket.closed:  # closed: not a valid handshake, answered with 400/426
        # Starts once the 101 answer is on its way (after this handler returns).
        asyncio.create_task(handle_client(websocket))
    return websocket


async def serve():
    server.start(str(wifi.radio.ipv4_address), int(os.getenv("PORT", 5000)))
    while True:
        try:
            result = server.poll()
        except Exception as error:  # pylint: disable=broad-except
            print("Handler error:", repr(error))  # that client got a 500; keep serving
            result = None
        # Busy: come back at once. Idle: let the client tasks run for a moment.
        await asyncio.sleep(0 if result != NO_REQUEST else 0.01)


async def main():
    await asyncio.gather(asyncio.create_task(serve()))


asyncio.run(main())
