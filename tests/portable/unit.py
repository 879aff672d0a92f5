"""A unittest-compatible ``TestCase`` for the portable suite, and ``run``, the runner that
``run.py`` calls.

On CPython this is ``unittest.TestCase`` itself, so pytest collects the portable tests like any
other. The MicroPython unix port has no ``unittest``, so there a small stand-in with the same
assertion methods is used and ``run`` drives it.
"""

import gc
import sys

try:
    from unittest import TestCase, SkipTest
except ImportError:

    class SkipTest(Exception):
        pass

    class _Raises:
        def __init__(self, expected):
            self.expected = expected
            self.exception = None

        def __enter__(self):
            return self

        def __exit__(self, exc_type, exc, tb):
            if exc_type is None:
                raise AssertionError("%r not raised" % (self.expected,))
            if not issubclass(exc_type, self.expected):
                return False
            self.exception = exc
            return True

    class TestCase:
        def setUp(self):
            pass

        def tearDown(self):
            pass

        def skipTest(self, reason):
            raise SkipTest(reason)

        def fail(self, msg=None):
            raise AssertionError(msg or "failed")

        def assertEqual(self, first, second, msg=None):
            if not first == second:
                raise AssertionError(msg or "%r != %r" % (first, second))

        def assertNotEqual(self, first, second, msg=None):
            if first == second:
                raise AssertionError(msg or "%r == %r" % (first, second))

        def assertTrue(self, value, msg=None):
            if not value:
                raise AssertionError(msg or "%r is not true" % (value,))

        def assertFalse(self, value, msg=None):
            if value:
                raise AssertionError(msg or "%r is not false" % (value,))

        def assertIs(self, first, second, msg=None):
            if first is not second:
                raise AssertionError(msg or "%r is not %r" % (first, second))

        def assertIsNone(self, value, msg=None):
            if value is not None:
                raise AssertionError(msg or "%r is not None" % (value,))

        def assertIsNotNone(self, value, msg=None):
            if value is None:
                raise AssertionError(msg or "value is None")

        def assertIn(self, first, second, msg=None):
            if first not in second:
                raise AssertionError(msg or "%r not in %r" % (first, second))

        def assertNotIn(self, first, second, msg=None):
            if first in second:
                raise AssertionError(msg or "%r unexpectedly in %r" % (first, second))

        def assertIsInstance(self, first, second, msg=None):
            if not isinstance(first, second):
                raise AssertionError(msg or "%r is not an instance of %r" % (first, second))

        def assertLess(self, first, second, msg=None):
            if not first < second:
                raise AssertionError(msg or "%r not less than %r" % (first, second))

        def assertLessEqual(self, first, second, msg=None):
            if not first <= second:
                raise AssertionError(msg or "%r not <= %r" % (first, second))

        def assertGreaterEqual(self, first, second, msg=None):
            if not first >= second:
                raise AssertionError(msg or "%r not >= %r" % (first, second))

        def assertRaises(self, expected, func=None, *args, **kwargs):
            context = _Raises(expected)
            if func is None:
                return context
            with context:
                func(*args, **kwargs)
            return context


def _modules(here, names):
    if names:
        return names
    import os  # pylint: disable=import-outside-toplevel

    found = [n[:-3] for n in os.listdir(here) if n.startswith("test_") and n.endswith(".py")]
    found.sort()
    return found


def _print_exception(exc):
    if hasattr(sys, "print_exception"):
        sys.print_exception(exc)  # pylint: disable=no-member
    else:
        import traceback  # pylint: disable=import-outside-toplevel

        traceback.print_exception(type(exc), exc, exc.__traceback__)


def run(here, names):
    """Runs every test of the modules ``names`` (all of ``here``'s when empty), one
    ``TestCase`` instance per test; returns the exit status."""
    if hasattr(gc, "threshold"):
        # A collection every 4 KB allocated, as small boards are advised to run: garbage
        # then never piles up between live objects, splitting the free space (MicroPython
        # never moves objects, and a 128k heap has no room for that).
        gc.threshold(4096)
    passed = failed = skipped = 0
    for module_name in _modules(here, names):
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
                    _print_exception(exc)
                case = None  # what the test made is garbage only once nothing holds the test
                gc.collect()
        del sys.modules[module_name]
        gc.collect()
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0
