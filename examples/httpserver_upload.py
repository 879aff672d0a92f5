"""Uploading files to the board's storage, from a browser or from the command line.

The body of an upload never sits in RAM: it is written to the file as it arrives, a few
KB at a time, so a file much larger than the board's free heap can be sent.

* ``/``: a page with an upload form (``multipart/form-data``) and the list of uploaded
  files, with their sizes and download links. The form's route has
  ``files_to=UPLOAD_DIR``: each file part is streamed into that folder (under a cleaned-up
  version of its name) and the handler finds it in ``request.form_data.files``, with its
  ``filename``, ``path`` and ``size``; text fields are in ``request.form_data`` as usual.
* ``PUT /files/<name>``: the raw body becomes the file ``<name>`` (``body_to`` a factory
  returning the file to write to)::

      curl -T firmware.bin http://<board>/files/firmware.bin

  The body goes to ``<name>.part`` and is renamed once complete, so an upload that breaks
  off never leaves a truncated file under the real name.
* ``GET /files/<name>``: downloads a file back (``FileResponse``).

Uploads larger than ``MAX_UPLOAD_SIZE`` are refused with 413 before a byte of the body is
read (when the client announces the size; otherwise as soon as it exceeds it).

On CircuitPython the drive is read-only for ``code.py`` while it is mounted on a computer.
To let the board write, remount it in ``boot.py`` (the computer then sees it read-only)::

    import storage
    storage.remount("/", readonly=False)

Environment (``settings.toml`` on a board): ``UPLOAD_DIR`` (default ``/uploads``),
``MAX_UPLOAD_SIZE`` (bytes, default 4 MB), ``HOST`` and ``PORT``.
"""

import os

import socketpool
import wifi

from adafruit_httpserver import GET, POST, PUT, FileResponse, Request, Response, Server

UPLOAD_DIR = os.getenv("UPLOAD_DIR", "/uploads").rstrip("/") or "/"
MAX_UPLOAD_SIZE = int(os.getenv("MAX_UPLOAD_SIZE", str(4 * 1024 * 1024)))
PARTIAL = ".part"

try:
    os.mkdir(UPLOAD_DIR)
except OSError:
    pass  # it exists already

pool = socketpool.SocketPool(wifi.radio)
server = Server(pool, debug=True)


def clean_name(name):
    """Only the last part of a client's file name, without characters that could leave
    the folder or trouble a FAT file system."""
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(char for char in name if char >= " " and char not in '<>:"|?*')
    return name.strip(" .")


def escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def quote(text):
    """Percent-encodes a file name for a link."""
    out = ""
    for byte in text.encode("utf-8"):
        if 48 <= byte <= 57 or 65 <= byte <= 90 or 97 <= byte <= 122 or byte in b"-._~":
            out += chr(byte)
        else:
            out += "%%%02X" % byte
    return out


def uploaded_files():
    """``[(name, size)]`` of the finished uploads, sorted by name."""
    files = []
    for name in sorted(os.listdir(UPLOAD_DIR)):
        if name.endswith(PARTIAL):
            continue
        stat = os.stat(UPLOAD_DIR + "/" + name)
        if stat[0] & 0o170000 == 0o100000:  # a regular file
            files.append((name, stat[6]))
    return files


def free_space():
    try:
        stat = os.statvfs(UPLOAD_DIR)
    except (AttributeError, OSError):
        return ""
    return " &middot; %d KB free" % (stat[0] * stat[4] // 1024)


def page(request, message=""):
    rows = "".join(
        '<li><a href="/files/%s">%s</a> <span class="size">%d bytes</span></li>' % (quote(n), escape(n), s)
        for n, s in uploaded_files()
    )
    html = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Uploads</title></head><body>
<h1>Upload a file</h1>
<p id="message">%s</p>
<form action="/" method="post" enctype="multipart/form-data">
  <input type="file" name="file" required>
  <input type="text" name="note" placeholder="A note (optional)">
  <button type="submit">Upload</button>
</form>
<h2>Uploaded files</h2>
<ul id="files">%s</ul>
<p>Up to %d bytes per file%s.</p>
</body></html>""" % (
        message,
        rows or "<li>(none yet)</li>",
        MAX_UPLOAD_SIZE,
        free_space(),
    )
    return Response(request, html, content_type="text/html")


@server.route("/", GET)
def index(request: Request):
    return page(request)


@server.route("/", POST, files_to=UPLOAD_DIR, max_body_size=MAX_UPLOAD_SIZE)
def upload_form(request: Request):
    upload = request.form_data.files.get("file")
    if upload is None:
        return page(request, "No file was sent.")
    if not upload.filename:  # the form was sent without choosing a file: nothing was written
        return page(request, "Choose a file first.")
    saved = upload.path.rsplit("/", 1)[-1]
    message = "Saved <b>%s</b> (%d bytes)." % (escape(saved), upload.size)
    note = request.form_data.get("note")  # already HTML-escaped
    if note:
        message += " Note: <i>%s</i>" % note
    return page(request, message)


class PartialFile:
    """Writes ``<name>.part``; the handler renames it once the whole body has arrived."""

    def __init__(self, path):
        self.path = path
        self.file = open(path + PARTIAL, "wb")  # pylint: disable=consider-using-with

    def write(self, data):
        return self.file.write(data)

    def close(self):
        self.file.close()


def put_target(request: Request):
    """Called when the head of a PUT has arrived, before its body is read: the file to
    write to, or a Response to refuse the body."""
    name = clean_name(request.path.split("/")[-1])
    if not name or name.endswith(PARTIAL):
        return Response(request, "Bad file name\n", status=(400, "Bad Request"))
    return PartialFile(UPLOAD_DIR + "/" + name)


@server.route("/files/<name>", PUT, body_to=put_target, max_body_size=MAX_UPLOAD_SIZE)
def put_file(request: Request, name: str):
    name = clean_name(name)
    path = UPLOAD_DIR + "/" + name
    try:
        os.remove(path)  # FAT cannot rename over an existing file
    except OSError:
        pass
    os.rename(path + PARTIAL, path)
    size = os.stat(path)[6]
    return Response(request, "Saved %s (%d bytes)\n" % (name, size), status=(201, "Created"))


@server.route("/files/<name>", GET)
def get_file(request: Request, name: str):
    name = clean_name(name)
    if not name or name.endswith(PARTIAL):
        return Response(request, "Not found\n", status=(404, "Not Found"))
    return FileResponse(request, name, UPLOAD_DIR, content_type="application/octet-stream")


server.serve_forever(os.getenv("HOST", str(wifi.radio.ipv4_address)), int(os.getenv("PORT", 5000)))
