"""Sensor readings as JSON: here the processor's temperature, frequency and voltage.

The ``Access-Control-Allow-Origin`` header set on ``server.headers`` is added to every
response, so a web page served from elsewhere may fetch this data (CORS).

Try: ``curl http://<ip>:5000/cpu-information``
"""

import os

import microcontroller
import socketpool
import wifi

from adafruit_httpserver import JSONResponse, Request, Server

pool = socketpool.SocketPool(wifi.radio)
server = Server(pool, debug=True)

# Default headers: every response gets them unless it sets the same header itself.
server.headers = {
    "Access-Control-Allow-Origin": "*",
}


@server.route("/cpu-information", append_slash=True)  # also answers /cpu-information/
def cpu_information(request: Request):
    cpu = microcontroller.cpu
    data = {
        "temperature": cpu.temperature,  # degrees Celsius (None on some chips)
        "frequency": cpu.frequency,  # Hz
        "voltage": cpu.voltage,  # volts (None on some chips)
    }
    return JSONResponse(request, data)


server.serve_forever(str(wifi.radio.ipv4_address), int(os.getenv("PORT", 5000)))
