"""A unittest-compatible ``TestCase`` for the portable suite.

On CPython this is ``unittest.TestCase`` itself, so pytest collects the portable tests like any
other. The MicroPython unix port has no ``unittest``, so there a small stand-in with the same
assertion methods is used and ``run.py`` drives it.
"""

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

        def assertIn(self, member, container, msg=None):
            if member not in container:
                raise AssertionError(msg or "%r not in %r" % (member, container))

        def assertNotIn(self, member, container, msg=None):
            if member in container:
                raise AssertionError(msg or "%r unexpectedly in %r" % (member, container))

        def assertIsInstance(self, obj, cls, msg=None):
            if not isinstance(obj, cls):
                raise AssertionError(msg or "%r is not an instance of %r" % (obj, cls))

        def assertLess(self, first, second, msg=None):
            if not first < second:
                raise AssertionError(msg or "%r not less than %r" % (first, second))

        def assertLessEqual(self, first, second, msg=None):
            if not first <= second:
                raise AssertionError(msg or "%r not <= %r" % (first, second))

        def assertGreater(self, first, second, msg=None):
            if not first > second:
                raise AssertionError(msg or "%r not greater than %r" % (first, second))

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
