"""Runs the portable suite where there is no pytest (the MicroPython unix port).

    micropython -X heapsize=128k tests/portable/run.py [--path DIR ...] [test_module ...]

Run from the repository root. ``--path DIR`` (repeatable) puts DIR first on the import
path: the MicroPython lane puts the test modules there precompiled with mpy-cross, so
compiling the tests does not eat into the heap the library is being tested in, and, in its
128k lane, the package precompiled too (what a board runs); without that the package is
imported from its .py sources. The runner itself is ``unit.run``: this file only sets the
path, so that the runner comes precompiled as well. Prints one line per failure and a
closing ``N passed, N failed, N skipped`` line; exits 1 when anything failed.
"""

import sys

HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
sys.path.insert(0, HERE)
sys.path.insert(0, HERE + "/../..")
ARGV = sys.argv[1:]
while ARGV[:1] == ["--path"]:
    sys.path.insert(0, ARGV[1])
    ARGV = ARGV[2:]

from unit import run  # noqa: E402

sys.exit(run(HERE, ARGV))
