"""``JSONResponse`` (importable from ``adafruit_httpserver.response``), loaded on first use:
the response apps use most after ``Response``, in a module of its own so that it comes
without the others."""

from .response import Response
from .status import OK_200


class JSONResponse(Response):  # pylint: disable=too-few-public-methods
    """Sends ``data`` serialised as JSON (``application/json``)."""

    def __init__(self, request, data, *, headers=None, cookies=None, status=OK_200):
        super().__init__(request, headers=headers, cookies=cookies, status=status)
        self._data = data

    def _send(self):
        import json  # pylint: disable=import-outside-toplevel

        self._body = json.dumps(self._data).encode("utf-8")
        self._content_type = "application/json"
        super()._send()
