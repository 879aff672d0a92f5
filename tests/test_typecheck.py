"""The type-check run: mypy over the package and the examples, with CircuitPython's and
MicroPython's stubs installed (see [tool.mypy] in pyproject.toml)."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _require(module):
    try:
        __import__(module)
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("%s is not installed: the type-check lane cannot run" % module)
        pytest.skip("%s is not installed" % module)


@pytest.mark.parametrize("target", ["adafruit_httpserver", "examples"])
def test_mypy_finds_no_errors(target):
    _require("mypy")
    stubs = [name for name in ("wifi-stubs", "socketpool-stubs") if os.path.isdir(_site(name))]
    if len(stubs) < 2 and os.environ.get("CI"):
        pytest.fail("circuitpython-stubs is not installed")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_examples_are_checked_against_circuitpython_stubs():
    """The examples import socketpool and wifi: with the stubs present mypy checks those
    calls against CircuitPython's real signatures instead of ignoring them."""
    _require("mypy")
    if not os.path.isdir(_site("wifi-stubs")):
        if os.environ.get("CI"):
            pytest.fail("circuitpython-stubs is not installed")
        pytest.skip("circuitpython-stubs is not installed")
    probe = os.path.join(ROOT, "tests", "_typecheck_probe.py")
    try:
        with open(probe, "w") as handle:
            handle.write("import wifi\nwifi.radio.connect(None, 3)\n")
        result = subprocess.run(
            [sys.executable, "-m", "mypy", probe],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        os.remove(probe)
    assert result.returncode == 1 and "connect" in result.stdout, result.stdout


def _site(name):
    import sysconfig

    return os.path.join(sysconfig.get_paths()["purelib"], name)


