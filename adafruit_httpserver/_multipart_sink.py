"""Streamed ``multipart/form-data`` bodies (``Server.route(files_to=...)``), loaded when
such a body arrives: text fields are kept for ``request.form_data``, file parts are written
out piece by piece."""

from ._body import PART, _close, _remove, claim, release, replace_file
from ._http import HTTPError


class MultipartSink:
    """Parses a ``multipart/form-data`` body as it streams: text fields are kept (in RAM,
    at most ``text_limit`` bytes in all) for ``request.form_data``; file parts are written
    out to ``files_to`` piece by piece."""

    def __init__(self, request, boundary, files_to, text_limit):
        from ._fields import FormData  # pylint: disable=import-outside-toplevel
        from ._multipart import MultipartParser  # pylint: disable=import-outside-toplevel

        self.request = request
        self.parser = MultipartParser(boundary)
        self.form = FormData(b"", request.headers, debug=request.server.debug)
        self.files_to = files_to
        self.text_left = text_limit
        self.field = None
        self.writer = None
        self.path = None
        self.size = 0

    def write(self, piece):
        from ._multipart import PART_BEGIN, PART_DATA, PART_END  # pylint: disable=import-outside-toplevel

        for kind, value in self._parse(self.parser.feed, piece):
            if kind == PART_DATA:
                if self.writer is not None:
                    self.writer.write(value)
                    self.size += len(value)
                elif self.field is not None:
                    self.text_left -= len(value)
                    if self.text_left < 0:
                        raise HTTPError(413, "Form text fields larger than allowed")
                    self.field.extend(value)
            elif kind == PART_BEGIN:
                self._begin(value)
            elif kind == PART_END:
                self._end(value)

    def _begin(self, part):
        self.size = 0
        if not part.filename:  # a text field, or a file input left empty (filename="")
            self.field = bytearray()
            return
        target = self.files_to
        if isinstance(target, str):
            path = target.rstrip("/") + "/" + safe_filename(part.filename)
            claim(path)
            try:
                self.writer = open(path + PART, "wb")
            except BaseException:
                release(path)
                raise
            self.path = path
        else:
            self.path = None
            self.writer = target(self.request, part)

    def _end(self, part):
        from ._fields import File  # pylint: disable=import-outside-toplevel

        if self.field is not None:
            value = bytes(self.field)
            self.field = None
            if part.filename is not None:  # no file was chosen: an empty File, nothing written
                upload = File(part.filename, part.content_type, value)
                self.form.files._add_field_value(part.name, upload)  # pylint: disable=protected-access
                return
            try:
                value = value.decode("utf-8")
            except UnicodeError:
                pass  # kept as bytes
            self.form._add_field_value(part.name, value)  # pylint: disable=protected-access
        elif self.writer is not None:
            _close(self.writer)  # (if this or the rename fails, abort() cleans up)
            if self.path is not None:
                replace_file(self.path + PART, self.path)
                release(self.path)
            self.writer = None
            upload = File(part.filename, part.content_type, None, path=self.path, size=self.size)
            self.form.files._add_field_value(part.name, upload)  # pylint: disable=protected-access
            self.path = None

    def close(self, request):
        self._parse(self.parser.finish)
        request._form_data = self.form  # pylint: disable=protected-access

    @staticmethod
    def _parse(step, *args):
        """Runs a parser step; a malformed body is the client's error (400)."""
        from ._multipart import MultipartError  # pylint: disable=import-outside-toplevel

        try:
            return step(*args)
        except MultipartError as error:
            raise HTTPError(400, str(error)) from None

    def abort(self):
        if self.writer is not None:
            _close(self.writer, quietly=True)
            if self.path is not None:
                _remove(self.path + PART)
                release(self.path)
            self.writer = None


def safe_filename(name):
    """The last component of a client-supplied file name, without anything that could
    leave the upload directory or hide the file."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Byte by byte (a UTF-8 sequence has no byte below 0x80): see _http on characters.
    kept = bytes(byte for byte in name.encode("utf-8") if byte >= 32 and byte not in b'<>:"|?*')
    name = kept.decode("utf-8").strip(" .")
    return name or "upload"
