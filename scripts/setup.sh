#!/usr/bin/env bash
# Creates .venv with the package (editable) and, with "test", everything the suite needs:
# Python test clients, the MicroPython unix port, Chromium (Debian) and the Autobahn suite.
set -euo pipefail
cd "$(dirname "$0")/.."
want=${1:-run}
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if [ "$want" = test ]; then
    .venv/bin/python -m pip install -q -e '.[test]'
    if ! command -v chromium >/dev/null 2>&1 || ! command -v ab >/dev/null 2>&1; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "installing Debian's chromium (browser tests) and apache2-utils (ab, benchmarks)"
            apt-get update -qq >/dev/null
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium apache2-utils >/dev/null
        else
            echo "WARNING: chromium or ab is missing and cannot be installed here (not root)" >&2
        fi
    fi
    autobahn=../shared/tools/autobahn/setup.sh
    if [ -x "$HOME/.pyenv/versions/2.7.18/bin/python" ] && [ -f "$autobahn" ]; then
        bash "$autobahn" /tmp/autobahn-venv >/dev/null
    fi
else
    .venv/bin/python -m pip install -q -e .
fi
