"""Reach the board by name as well as by address, with mDNS (CircuitPython's ``mdns``).

Once running, the board answers at ``http://my-circuitpython-board.local:5000/`` on most
computers and phones. Looking a ``.local`` name up takes a moment longer than using
the IP address.
"""

import os

import mdns
import socketpool
import wifi

from adafruit_httpserver import FileResponse, Request, Server

PORT = int(os.getenv("PORT", 5000))

responder = mdns.Server(wifi.radio)
responder.hostname = "my-circuitpython-board"  # letters, digits and dashes
responder.advertise_service(service_type="_http", protocol="_tcp", port=PORT)

pool = socketpool.SocketPool(wifi.radio)
server = Server(pool, "/www", debug=True)


@server.route("/")
def index(request: Request):
    return FileResponse(request, "index.html")


server.serve_forever(str(wifi.radio.ipv4_address), PORT)
