from unit import TestCase


class TestRunnerItself(TestCase):
    def test_assert_raises_context(self):
        with self.assertRaises(ValueError) as ctx:
            raise ValueError("x")
        self.assertEqual(str(ctx.exception), "x")
