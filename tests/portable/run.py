"""Runs the portable suite where there is no pytest (the MicroPython unix port).

    micropython -X heapsize=128k tests/portable/run.py [--path DIR] [test_module ...]

Run from the repository root. ``--path DIR`` puts DIR first on the import path: the
MicroPython lane puts the test modules there precompiled with mpy-cross, so compiling the
tests does not eat into the heap the library is being tested in (the library itself is
always imported from its .py sources). Prints one line per failure and a closing
``N passed, N failed, N skipped`` line; exits 1 when anything failed.
"""

import gc
import os
import sys

HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
sys.path.insert(0, HERE)
sys.path.insert(0, HERE + "/../..")

from unit import SkipTest, TestCase  # noqa: E402

try:
    from sys import print_exception
except ImportError:
    from traceback import print_exception  # type: ignore


def _modules(names):
    if names:
        return names
    found = [n[:-3] for n in os.listdir(HERE) if n.startswith("test_") and n.endswith(".py")]
    found.sort()
    return found


def main(argv):
    if argv[:1] == ["--path"]:
        sys.path.insert(0, argv[1])
        argv = argv[2:]
    passed = failed = skipped = 0
    for module_name in _modules(argv):
        module = __import__(module_name)
        for attr in sorted(dir(module)):
            cls = getattr(module, attr)
            if not (isinstance(cls, type) and issubclass(cls, TestCase) and cls is not TestCase):
                continue
            for method in sorted(dir(cls)):
                if not method.startswith("test"):
                    continue
                case = cls()
                label = "%s.%s.%s" % (module_name, attr, method)
                try:
                    case.setUp()
                    try:
                        getattr(case, method)()
                    finally:
                        case.tearDown()
                    passed += 1
                except SkipTest as exc:
                    skipped += 1
                    print("SKIP", label, exc)
                except Exception as exc:  # pylint: disable=broad-except
                    failed += 1
                    print("FAIL", label)
                    print_exception(exc)
                gc.collect()
        del sys.modules[module_name]
        gc.collect()
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


sys.exit(main(sys.argv[1:]))
