"""Cookies: remember a visitor's preferences in their browser.

* read them with ``request.cookies`` (a dict of what the browser sent);
* set them with ``Response(..., cookies={"name": "value"})`` or, when you need attributes
  such as ``Path`` or ``Max-Age``, with your own ``Set-Cookie`` headers.

Open ``/``, then ``/preferences?theme=dark&font=large``, then ``/`` again.
"""

import os

import socketpool
import wifi

from adafruit_httpserver import GET, BAD_REQUEST_400, Headers, Request, Response, Server

pool = socketpool.SocketPool(wifi.radio)
server = Server(pool, debug=True)

ONE_YEAR = 365 * 24 * 60 * 60
THEMES = {"light": ("white", "black"), "dark": ("#222", "#eee")}
FONTS = {"small": "12px", "medium": "16px", "large": "22px"}


@server.route("/", GET)
def home(request: Request):
    # Cookies come from the client: check them before use.
    theme = request.cookies.get("theme")
    if theme not in THEMES:
        theme = "light"
    font = request.cookies.get("font")
    if font not in FONTS:
        font = "medium"
    visits = request.cookies.get("visits", "0")
    visits = int(visits) + 1 if visits.isdigit() else 1
    background, color = THEMES[theme]
    size = FONTS[font]

    notice = ""
    headers = Headers()
    if request.cookies.get("notice") == "saved":
        notice = "<p><b>Your preferences were saved.</b></p>"
        headers.add("Set-Cookie", "notice=; Path=/; Max-Age=0")  # show it only once

    page = f"""<!DOCTYPE html>
<html><body style="background: {background}; color: {color}; font-size: {size}">
{notice}<p>Theme: {theme}, font: {font}. Visit number {visits}.</p>
<p><a href="/preferences?theme=dark&font=large">dark and large</a> |
<a href="/preferences?theme=light&font=medium">light and medium</a></p>
</body></html>"""
    # cookies= is the short way: it adds "Set-Cookie: visits=<n>".
    return Response(
        request, page, content_type="text/html", headers=headers, cookies={"visits": str(visits)}
    )


@server.route("/preferences", GET)
def preferences(request: Request):
    theme = request.query_params.get("theme", "light")
    font = request.query_params.get("font", "medium")
    if theme not in THEMES or font not in FONTS:
        return Response(request, "Unknown theme or font", status=BAD_REQUEST_400)

    # Several Set-Cookie headers, each with its own attributes.
    headers = Headers()
    headers.add("Set-Cookie", f"theme={theme}; Path=/; Max-Age={ONE_YEAR}; SameSite=Lax")
    headers.add("Set-Cookie", f"font={font}; Path=/; Max-Age={ONE_YEAR}; SameSite=Lax")

    return Response(
        request,
        f"Saved: theme={theme}, font={font}. Go back to /",
        headers=headers,
        cookies={"notice": "saved"},
    )


server.serve_forever(str(wifi.radio.ipv4_address), int(os.getenv("PORT", 5000)))
