"""Serve a directory over HTTP with this library, like ``python -m http.server``:

    python -m adafruit_httpserver [DIR] [--host HOST] [--port PORT] [--debug]

Without DIR it serves a small bundled demo site. Stop with Ctrl-C."""

import os
import socket
import sys

from . import Server

USAGE = "usage: python -m adafruit_httpserver [DIR] [--host HOST] [--port PORT] [--debug]"


def parse_args(argv):
    options = {"root": None, "host": "127.0.0.1", "port": 8000, "debug": False}
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg in ("-h", "--help"):
            print(USAGE)
            sys.exit(0)
        elif arg == "--debug":
            options["debug"] = True
        elif arg in ("--host", "--port"):
            if not args:
                raise SystemExit("%s needs a value\n%s" % (arg, USAGE))
            value = args.pop(0)
            if arg == "--port":
                if not value.isdigit() or not 0 <= int(value) <= 65535:
                    raise SystemExit("--port needs a number from 0 to 65535, got %r" % value)
                value = int(value)
            options[arg[2:]] = value
        elif arg.startswith("-"):
            raise SystemExit("unknown option %s\n%s" % (arg, USAGE))
        elif options["root"] is None:
            options["root"] = arg
        else:
            raise SystemExit("only one directory can be served\n" + USAGE)
    if options["root"] is None:
        options["root"] = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_demo")
    if not os.path.isdir(options["root"]):
        raise SystemExit("not a directory: %s" % options["root"])
    return options


def main(argv=None):
    options = parse_args(sys.argv[1:] if argv is None else argv)
    root = os.path.abspath(options["root"])
    server = Server(socket, root, debug=options["debug"], max_connections=16)
    server.start(options["host"], options["port"])
    print("Serving %s on http://%s:%s/ (Ctrl-C to stop)" % (root, options["host"], server.port))
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
