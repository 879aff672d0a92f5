"""mime_types.py: §9 and W45."""

from unit import TestCase

from adafruit_httpserver.mime_types import MIMETypes

# The 74-entry table of §9, as "extension type" pairs.
TABLE = """
.7z application/x-7z-compressed|.aac audio/aac|.abw application/x-abiword
.arc application/x-freearc|.avi video/x-msvideo|.azw application/vnd.amazon.ebook
.bin application/octet-stream|.bmp image/bmp|.bz application/x-bzip|.bz2 application/x-bzip2
.cda application/x-cdf|.csh application/x-csh|.css text/css|.csv text/csv
.doc application/msword
.docx application/vnd.openxmlformats-officedocument.wordprocessingml.document
.eot application/vnd.ms-fontobject|.epub application/epub+zip|.gif image/gif
.gz application/gzip|.htm text/html|.html text/html|.ico image/vnd.microsoft.icon
.ics text/calendar|.jar application/java-archive|.jpeg image/jpeg|.jpg image/jpeg
.js text/javascript|.json application/json|.jsonld application/ld+json|.mid audio/midi
.midi audio/midi|.mjs text/javascript|.mp3 audio/mpeg|.mp4 video/mp4|.mpeg video/mpeg
.mpkg application/vnd.apple.installer+xml
.odp application/vnd.oasis.opendocument.presentation
.ods application/vnd.oasis.opendocument.spreadsheet
.odt application/vnd.oasis.opendocument.text|.oga audio/ogg|.ogv video/ogg
.ogx application/ogg|.opus audio/opus|.otf font/otf|.pdf application/pdf
.php application/x-httpd-php|.png image/png|.ppt application/vnd.ms-powerpoint
.pptx application/vnd.openxmlformats-officedocument.presentationml.presentation
.rar application/vnd.rar|.rtf application/rtf|.sh application/x-sh|.svg image/svg+xml
.swf application/x-shockwave-flash|.tar application/x-tar|.tif image/tiff|.tiff image/tiff
.ts video/mp2t|.ttf font/ttf|.txt text/plain|.vsd application/vnd.visio|.wav audio/wav
.weba audio/webm|.webm video/webm|.webp image/webp|.woff font/woff|.woff2 font/woff2
.xhtml application/xhtml+xml|.xls application/vnd.ms-excel
.xlsx application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
.xml application/xml|.xul application/vnd.mozilla.xul+xml|.zip application/zip
"""


def expected_table():
    table = {}
    for line in TABLE.strip().split("\n"):
        for entry in line.split("|"):
            extension, mime_type = entry.split(" ")
            table[extension] = mime_type
    return table


class MIMETestCase(TestCase):
    def setUp(self):
        self.saved = (MIMETypes.DEFAULT, MIMETypes.REGISTERED, dict(MIMETypes.REGISTERED))

    def tearDown(self):
        MIMETypes.DEFAULT = self.saved[0]
        MIMETypes.REGISTERED = self.saved[1]
        MIMETypes.REGISTERED.clear()
        MIMETypes.REGISTERED.update(self.saved[2])


class TestTable(MIMETestCase):
    def test_default(self):
        self.assertEqual(MIMETypes.DEFAULT, "text/plain")

    def test_registered_has_the_74_contract_entries(self):
        expected = expected_table()
        self.assertEqual(len(expected), 74)
        self.assertEqual(len(MIMETypes.REGISTERED), 74)
        for extension in expected:
            self.assertEqual(MIMETypes.REGISTERED.get(extension), expected[extension], extension)

    def test_keys_are_lowercase_with_dot(self):
        for extension in MIMETypes.REGISTERED:
            self.assertTrue(extension.startswith("."))
            self.assertEqual(extension, extension.lower())


class TestGetForFilename(MIMETestCase):
    def test_known_extensions(self):
        self.assertEqual(MIMETypes.get_for_filename("index.html"), "text/html")
        self.assertEqual(MIMETypes.get_for_filename("/static/app.js"), "text/javascript")
        self.assertEqual(MIMETypes.get_for_filename("photo.JPG"), "image/jpeg")

    def test_last_extension_wins(self):
        self.assertEqual(MIMETypes.get_for_filename("a.tar.gz"), "application/gzip")

    def test_unknown_extension_gets_default(self):
        self.assertEqual(MIMETypes.get_for_filename("a.unknown"), "text/plain")
        self.assertEqual(MIMETypes.get_for_filename("a.unknown", "x/y"), "x/y")
        self.assertEqual(MIMETypes.get_for_filename("a.unknown", ""), "text/plain")

    def test_empty_name_gets_default(self):
        self.assertEqual(MIMETypes.get_for_filename(""), "text/plain")
        self.assertEqual(MIMETypes.get_for_filename("", "a/b"), "a/b")

    def test_W45_name_without_dot_gets_default(self):
        self.assertEqual(MIMETypes.get_for_filename("html"), "text/plain")
        self.assertEqual(MIMETypes.get_for_filename("README"), "text/plain")
        self.assertEqual(MIMETypes.get_for_filename("png", "x/y"), "x/y")

    def test_W45_dot_in_directory_only_gets_default(self):
        self.assertEqual(MIMETypes.get_for_filename("/site.v2/README"), "text/plain")

    def test_default_follows_configured_default(self):
        MIMETypes.configure(default_to="application/octet-stream")
        self.assertEqual(MIMETypes.get_for_filename("a.nope"), "application/octet-stream")
        self.assertEqual(MIMETypes.get_for_filename("a.nope", "x/y"), "x/y")


class TestConfigure(MIMETestCase):
    def test_default_to(self):
        MIMETypes.configure(default_to="text/html")
        self.assertEqual(MIMETypes.DEFAULT, "text/html")

    def test_keep_for_unregisters_others(self):
        MIMETypes.configure(keep_for=[".html", ".css"])
        self.assertEqual(sorted(MIMETypes.REGISTERED), [".css", ".html"])
        self.assertEqual(MIMETypes.get_for_filename("a.png"), "text/plain")
        self.assertEqual(MIMETypes.get_for_filename("a.css"), "text/css")

    def test_keep_for_requires_dot(self):
        with self.assertRaises(ValueError) as context:
            MIMETypes.configure(keep_for=["html"])
        self.assertEqual(
            str(context.exception),
            'Invalid extension: "html". All extensions must start with a dot.',
        )

    def test_keep_for_requires_registered(self):
        with self.assertRaises(ValueError) as context:
            MIMETypes.configure(keep_for=[".nope"])
        self.assertEqual(str(context.exception), 'Extension ".nope" is not registered. ')
        self.assertEqual(len(MIMETypes.REGISTERED), 74)

    def test_register(self):
        MIMETypes.configure(register={".foo": "application/foo", ".html": "text/x-html"})
        self.assertEqual(MIMETypes.get_for_filename("a.foo"), "application/foo")
        self.assertEqual(MIMETypes.get_for_filename("a.html"), "text/x-html")
        self.assertEqual(len(MIMETypes.REGISTERED), 75)

    def test_register_requires_dot(self):
        with self.assertRaises(ValueError) as context:
            MIMETypes.configure(register={"foo": "a/b"})
        self.assertEqual(
            str(context.exception),
            'Invalid extension: "foo". All extensions must start with a dot.',
        )

    def test_W45_registered_keys_are_lowercased(self):
        MIMETypes.configure(register={".MD": "text/markdown"})
        self.assertIn(".md", MIMETypes.REGISTERED)
        self.assertNotIn(".MD", MIMETypes.REGISTERED)
        self.assertEqual(MIMETypes.get_for_filename("README.md"), "text/markdown")
        self.assertEqual(MIMETypes.get_for_filename("README.MD"), "text/markdown")

    def test_keep_for_is_case_insensitive(self):
        MIMETypes.configure(keep_for=[".HTML"])
        self.assertEqual(list(MIMETypes.REGISTERED), [".html"])

    def test_order_default_then_keep_then_register(self):
        MIMETypes.configure(
            default_to="application/octet-stream",
            keep_for=[".html"],
            register={".foo": "application/foo"},
        )
        self.assertEqual(MIMETypes.DEFAULT, "application/octet-stream")
        self.assertEqual(sorted(MIMETypes.REGISTERED), [".foo", ".html"])

    def test_none_arguments_change_nothing(self):
        MIMETypes.configure()
        MIMETypes.configure(None, None, None)
        self.assertEqual(MIMETypes.DEFAULT, "text/plain")
        self.assertEqual(len(MIMETypes.REGISTERED), 74)

    def test_private_classmethods(self):
        MIMETypes._default_to("a/b")  # pylint: disable=protected-access
        MIMETypes._keep_for([".txt"])  # pylint: disable=protected-access
        MIMETypes._register({".x": "c/d"})  # pylint: disable=protected-access
        self.assertEqual(MIMETypes.DEFAULT, "a/b")
        self.assertEqual(sorted(MIMETypes.REGISTERED), [".txt", ".x"])

    def test_class_level_state_is_shared(self):
        MIMETypes.configure(register={".shared": "x/shared"})
        self.assertEqual(MIMETypes().get_for_filename("a.shared"), "x/shared")


class TestResponsesUseTheDefault(MIMETestCase):
    def test_a_response_without_a_content_type_gets_the_configured_default(self):
        from server_kit import make  # (the server only for this test)
        from adafruit_httpserver import Response

        server, client = make()

        @server.route("/")
        def index(request):
            return Response(request, "ok")

        self.assertEqual(client.get("/").headers.get("Content-Type"), "text/plain")
        MIMETypes.configure(default_to="application/octet-stream")
        self.assertEqual(client.get("/").headers.get("Content-Type"), "application/octet-stream")
