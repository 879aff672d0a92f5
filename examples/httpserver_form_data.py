"""HTML forms: the same field sent with each of the three encodings a browser can use.

* ``application/x-www-form-urlencoded`` (the default): values arrive decoded, ``+`` and
  ``%XX`` included, so ``Hello World! ^-$%`` reads back as typed;
* ``multipart/form-data``: needed for file uploads; uploaded files are in
  ``request.form_data.files``;
* ``text/plain``: one ``name=value`` per line.

``form_data.get()`` HTML-escapes what it returns, so echoing a value into a page is safe.
Open ``/`` in a browser and submit each form.
"""

import os

import socketpool
import wifi

from adafruit_httpserver import GET, POST, Request, Response, Server

pool = socketpool.SocketPool(wifi.radio)
server = Server(pool, debug=True)

ENCTYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")


def escape(text):
    """File names are not escaped for you (only form values are)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def form(enctype):
    upload = '<input type="file" name="upload">' if enctype == "multipart/form-data" else ""
    return f"""<form action="/" method="post" enctype="{enctype}">
  <p><b>{enctype}</b></p>
  <input type="text" name="message" value="Hello World! ^-$%"> {upload}
  <button type="submit">Send</button>
</form>"""


@server.route("/", [GET, POST])
def forms(request: Request):
    result = ""
    if request.method == POST:
        data = request.form_data
        message = data.get("message", "(no message)")
        enctype = data.content_type if data.content_type in ENCTYPES else "another type"
        result = f"<p>Received <code>{message}</code> as <code>{enctype}</code>.</p>"
        upload = data.files.get("upload")
        if upload is not None and upload.filename:
            name = escape(upload.filename)
            result += f"<p>File <code>{name}</code>: {upload.size} bytes.</p>"

    page = "<!DOCTYPE html><html><body>" + result + "".join(form(e) for e in ENCTYPES)
    return Response(request, page + "</body></html>", content_type="text/html")


server.serve_forever(str(wifi.radio.ipv4_address), int(os.getenv("PORT", 5000)))
