"""One URL, several HTTP methods: a small JSON API for a to-do list.

    GET    /api/tasks                       the list
    POST   /api/tasks  {"title": "..."}     add a task (201 Created)
    PUT    /api/tasks  {"id": 1, "done": true}   change a task
    DELETE /api/tasks  {"id": 1}            remove a task

``append_slash=True`` makes ``/api/tasks/`` work as well. Methods the route does not list
are refused with ``405 Method Not Allowed`` and an ``Allow`` header, and ``OPTIONS`` is
answered for you. A body that is not valid JSON gets ``400 Bad Request``.

Try: ``curl -X POST -d '{"title": "water the plants"}' http://<ip>:5000/api/tasks``
"""

import os

import socketpool
import wifi

from adafruit_httpserver import (
    BAD_REQUEST_400,
    CREATED_201,
    DELETE,
    GET,
    NOT_FOUND_404,
    POST,
    PUT,
    JSONResponse,
    Request,
    Server,
)

pool = socketpool.SocketPool(wifi.radio)
server = Server(pool, debug=True)

tasks = [{"id": 1, "title": "Read the docs", "done": False}]
next_id = 2


def find(task_id):
    for task in tasks:
        if task["id"] == task_id:
            return task
    return None


@server.route("/api/tasks", [GET, POST, PUT, DELETE], append_slash=True)
def api(request: Request):
    global next_id  # pylint: disable=global-statement

    if request.method not in (POST, PUT, DELETE):
        # GET, and HEAD: the server answers HEAD with a GET route, then drops the body.
        return JSONResponse(request, tasks)

    data = request.json()  # invalid JSON raises ValueError: the client gets 400
    if not isinstance(data, dict):
        return JSONResponse(request, {"error": "send a JSON object"}, status=BAD_REQUEST_400)

    if request.method == POST:
        if not isinstance(data.get("title"), str):
            return JSONResponse(request, {"error": "title is required"}, status=BAD_REQUEST_400)
        task = {"id": next_id, "title": data["title"], "done": False}
        next_id += 1
        tasks.append(task)
        return JSONResponse(request, task, status=CREATED_201)

    task = find(data.get("id"))
    if task is None:
        return JSONResponse(request, {"error": "no such task"}, status=NOT_FOUND_404)

    if request.method == PUT:
        if "title" in data:
            task["title"] = str(data["title"])
        if "done" in data:
            task["done"] = bool(data["done"])
        return JSONResponse(request, task)

    # DELETE
    tasks.remove(task)
    return JSONResponse(request, {"deleted": task["id"]})


server.serve_forever(str(wifi.radio.ipv4_address), int(os.getenv("PORT", 5000)))
