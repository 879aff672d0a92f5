"""Automatic ``root_path`` serving: index.html, directory redirects, traversal attempts."""

import os

from unit import TestCase

from test_files_support import fetch, make_tree, remove_tree

from adafruit_httpserver.exceptions import FileNotExistsError, InvalidPathError

SECRET = b"outside the root"


class TestPaths(TestCase):
    def setUp(self):
        self.base = make_tree(
            {
                "secret.txt": SECRET,
                "www/index.html": b"<h1>home</h1>",
                "www/sub/index.html": b"<h1>sub</h1>",
                "www/sub/a b.txt": b"space",
                "www/empty/x.txt": b"x",
            }
        )
        self.root = self.base + "/www"

    def tearDown(self):
        remove_tree(self.base)

    def outcome(self, path):
        """403/404 as the server maps the exceptions, 400 when the path is refused
        before routing; never the secret."""
        try:
            response = fetch(self.root, path)
        except ValueError:  # the request itself is rejected: the server answers 400
            return 400
        except InvalidPathError:
            return 403
        except FileNotExistsError:
            return 404
        self.assertNotEqual(response.body, SECRET, path)
        return response.status

    def test_index_html(self):
        self.assertEqual(fetch(self.root, "/").body, b"<h1>home</h1>")
        response = fetch(self.root, "/sub/")
        self.assertEqual(response.body, b"<h1>sub</h1>")
        self.assertEqual(response.headers["content-type"], "text/html")
        self.assertEqual(fetch(self.root, "/sub/a%20b.txt").body, b"space")
        self.assertEqual(self.outcome("/empty/"), 404)  # no index.html, no listing

    def test_directory_redirect(self):
        response = fetch(self.root, "/sub")
        self.assertEqual(response.status, 301)
        self.assertEqual(response.headers["location"], "/sub/")
        self.assertEqual(response.body, b"")
        response = fetch(self.root, "/sub?x=1&y=%20", method="HEAD")
        self.assertEqual(response.status, 301)
        self.assertEqual(response.headers["location"], "/sub/?x=1&y=%20")
        os.mkdir(self.root + "/dir é")
        response = fetch(self.root, "/dir%20%C3%A9")
        self.assertEqual(response.headers["location"], "/dir%20%C3%A9/")
        os.rmdir(self.root + "/dir é")
        self.assertEqual(self.outcome("/nothing"), 404)

    def test_traversal_attempts(self):
        for path in (
            "/../secret.txt",
            "/%2e%2e/secret.txt",
            "/%2E%2E/secret.txt",
            "/..%2fsecret.txt",
            "/.%2e/secret.txt",
            "/sub/..%2f..%2fsecret.txt",
            "/sub/../../secret.txt",
            "/..\\secret.txt",
            "/sub\\..\\..\\secret.txt",
            "/%5c..%5csecret.txt",
            "/secret.txt%00.html",
            "/index.html%00",
            "//secret.txt",
            "/" + "../" * 8 + "secret.txt",
        ):
            self.assertIn(self.outcome(path), (400, 403, 404), path)
        self.assertEqual(self.outcome("/sub/../index.html"), 200)  # stays inside: fine

    def test_symlinks_leaving_the_root(self):
        if not hasattr(os, "symlink"):
            # MicroPython and CircuitPython: no symlinks to create (and none on FAT).
            self.assertEqual(self.outcome("/index.html"), 200)
            return
        os.symlink(self.base + "/secret.txt", self.root + "/link.txt")
        os.symlink(self.base, self.root + "/up")
        os.symlink(self.root + "/sub/index.html", self.root + "/inside.html")
        self.assertEqual(self.outcome("/link.txt"), 404)
        self.assertEqual(self.outcome("/up/secret.txt"), 404)
        self.assertEqual(self.outcome("/up"), 404)
        self.assertEqual(fetch(self.root, "/inside.html").body, b"<h1>sub</h1>")
