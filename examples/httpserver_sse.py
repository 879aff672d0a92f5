"""A live dashboard with Server-Sent Events, for any number of browsers at once.

``/`` serves a page whose ``EventSource`` shows the CPU temperature and a counter, updated
every second. ``/events`` is the event stream: every browser tab that opens the page gets
its own ``SSEResponse``, kept in the ``streams`` list. Once a second one event goes to all
of them with ``broadcast``, which also drops the streams of browsers that have gone. A
comment line (``send_comment``) every 15 s keeps idle connections open through proxies
even if there were nothing to send.

No blocking loop: ``start()``, then ``poll()`` in your own loop, with the periodic work
between polls. ``poll()`` and ``send_event`` never block: what a slow browser has not taken
yet is queued and written by the following polls.

The server admits ``max_connections`` clients at once: every open page keeps one
connection for its stream, plus one for a moment while it loads, so size it for the
number of viewers you expect (each connection costs a little RAM).
"""

import json
import os
import time

import microcontroller
import socketpool
import wifi

from adafruit_httpserver import GET, Request, Response, Server, SSEResponse
from adafruit_httpserver.sse import broadcast

pool = socketpool.SocketPool(wifi.radio)
server = Server(pool, debug=True, max_connections=int(os.getenv("MAX_CONNECTIONS", 8)))

streams: list = []  # one SSEResponse per connected browser

EVENT_INTERVAL = 1.0  # seconds between two readings
HEARTBEAT_INTERVAL = float(os.getenv("HEARTBEAT_INTERVAL", 15))  # seconds between comments

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Live dashboard</title>
  <style>
    body { font-family: sans-serif; margin: 2em; }
    .value { font-size: 2.5em; font-weight: bold; }
    #status { color: #888; }
  </style>
</head>
<body>
  <h1>Live dashboard</h1>
  <p>CPU temperature: <span class="value" id="temperature">-</span> &deg;C</p>
  <p>Counter: <span class="value" id="counter">-</span></p>
  <p id="status">connecting...</p>
  <script>
    const body = document.body;
    const status = document.getElementById("status");
    const events = new EventSource("/events");
    events.addEventListener("open", () => { status.textContent = "live"; });
    events.addEventListener("reading", (event) => {
      const reading = JSON.parse(event.data);
      document.getElementById("temperature").textContent = reading.temperature.toFixed(1);
      document.getElementById("counter").textContent = reading.counter;
      body.dataset.counter = reading.counter;
      body.dataset.temperature = reading.temperature;
      body.dataset.events = Number(body.dataset.events || 0) + 1;
    });
    events.addEventListener("close", () => {
      events.close();  // the server said goodbye: do not reconnect
      status.textContent = "the server closed the stream";
    });
    events.addEventListener("error", () => { status.textContent = "reconnecting..."; });
  </script>
</body>
</html>
"""


@server.route("/", GET)
def index(request: Request):
    return Response(request, PAGE, content_type="text/html")


@server.route("/events", GET)
def events(request: Request):
    stream = SSEResponse(request)
    streams.append(stream)
    # Send events only after the handler has returned the response (from the loop below).
    return stream


server.start(str(wifi.radio.ipv4_address), int(os.getenv("PORT", 5000)))

counter = 0
next_event = time.monotonic() + EVENT_INTERVAL
next_heartbeat = time.monotonic() + HEARTBEAT_INTERVAL
while True:
    try:
        server.poll()
    except Exception as error:  # pylint: disable=broad-except
        print("Handler error:", repr(error))  # that client got a 500; keep serving

    now = time.monotonic()
    if now >= next_event:
        next_event = max(next_event + EVENT_INTERVAL, now)
        counter += 1
        reading = {"temperature": microcontroller.cpu.temperature, "counter": counter}
        # id= lets a browser that reconnects say which event it saw last.
        broadcast(streams, json.dumps(reading), event="reading", id=counter)
    if now >= next_heartbeat:
        next_heartbeat = now + HEARTBEAT_INTERVAL
        for stream in streams:
            stream.send_comment("heartbeat")

    time.sleep(0.01)  # other work of the board goes here; keep each step short
