"""``MIMETypes``: the global table of file extensions and their content types."""

from . import response as _response_module


def _check_extensions(extensions):
    for extension in extensions:
        if not extension.startswith("."):
            raise ValueError(
                'Invalid extension: "%s". All extensions must start with a dot.' % extension
            )


class MIMETypes:
    """Class-level table used for static files and as the default response content type.

    Extensions are keys with a leading dot, stored lower-case; use ``configure()`` to change
    the table."""

    DEFAULT = "text/plain"

    REGISTERED = {
        ".7z": "application/x-7z-compressed",
        ".aac": "audio/aac",
        ".abw": "application/x-abiword",
        ".arc": "application/x-freearc",
        ".avi": "video/x-msvideo",
        ".azw": "application/vnd.amazon.ebook",
        ".bin": "application/octet-stream",
        ".bmp": "image/bmp",
        ".bz": "application/x-bzip",
        ".bz2": "application/x-bzip2",
        ".cda": "application/x-cdf",
        ".csh": "application/x-csh",
        ".css": "text/css",
        ".csv": "text/csv",
        ".doc": "application/msword",
        ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".eot": "application/vnd.ms-fontobject",
        ".epub": "application/epub+zip",
        ".gif": "image/gif",
        ".gz": "application/gzip",
        ".htm": "text/html",
        ".html": "text/html",
        ".ico": "image/vnd.microsoft.icon",
        ".ics": "text/calendar",
        ".jar": "application/java-archive",
        ".jpeg": "image/jpeg",
        ".jpg": "image/jpeg",
        ".js": "text/javascript",
        ".json": "application/json",
        ".jsonld": "application/ld+json",
        ".mid": "audio/midi",
        ".midi": "audio/midi",
        ".mjs": "text/javascript",
        ".mp3": "audio/mpeg",
        ".mp4": "video/mp4",
        ".mpeg": "video/mpeg",
        ".mpkg": "application/vnd.apple.installer+xml",
        ".odp": "application/vnd.oasis.opendocument.presentation",
        ".ods": "application/vnd.oasis.opendocument.spreadsheet",
        ".odt": "application/vnd.oasis.opendocument.text",
        ".oga": "audio/ogg",
        ".ogv": "video/ogg",
        ".ogx": "application/ogg",
        ".opus": "audio/opus",
        ".otf": "font/otf",
        ".pdf": "application/pdf",
        ".php": "application/x-httpd-php",
        ".png": "image/png",
        ".ppt": "application/vnd.ms-powerpoint",
        ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ".rar": "application/vnd.rar",
        ".rtf": "application/rtf",
        ".sh": "application/x-sh",
        ".svg": "image/svg+xml",
        ".swf": "application/x-shockwave-flash",
        ".tar": "application/x-tar",
        ".tif": "image/tiff",
        ".tiff": "image/tiff",
        ".ts": "video/mp2t",
        ".ttf": "font/ttf",
        ".txt": "text/plain",
        ".vsd": "application/vnd.visio",
        ".wav": "audio/wav",
        ".weba": "audio/webm",
        ".webm": "video/webm",
        ".webp": "image/webp",
        ".woff": "font/woff",
        ".woff2": "font/woff2",
        ".xhtml": "application/xhtml+xml",
        ".xls": "application/vnd.ms-excel",
        ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".xml": "application/xml",
        ".xul": "application/vnd.mozilla.xul+xml",
        ".zip": "application/zip",
    }

    @classmethod
    def _default_to(cls, mime_type):
        """Sets the type used for unknown extensions (and responses without a type)."""
        cls.DEFAULT = mime_type

    @classmethod
    def _keep_for(cls, extensions):
        """Unregisters every extension not listed (the listed ones must be registered)."""
        _check_extensions(extensions)
        registered = cls.REGISTERED
        keep = []
        for extension in extensions:
            key = extension.lower()
            if key not in registered:
                raise ValueError('Extension "%s" is not registered. ' % extension)
            keep.append(key)
        # Rebuilt in the table's own order (meaningful where dicts are ordered).
        cls.REGISTERED = {key: registered[key] for key in registered if key in keep}

    @classmethod
    def _register(cls, mime_types):
        """Adds or replaces types; extensions are stored lower-case."""
        _check_extensions(mime_types)
        for extension in mime_types:
            cls.REGISTERED[extension.lower()] = mime_types[extension]

    @classmethod
    def configure(cls, default_to=None, keep_for=None, register=None):
        """Changes the table: ``default_to`` sets ``DEFAULT``, ``keep_for`` keeps only the
        listed extensions, then ``register`` adds ``{".ext": "type"}`` entries."""
        if default_to is not None:
            cls._default_to(default_to)
        if keep_for is not None:
            cls._keep_for(keep_for)
        if register is not None:
            cls._register(register)

    @classmethod
    def get_for_filename(cls, filename, default=None):
        """The type registered for the extension of ``filename`` (case-insensitive), or
        ``default`` (``DEFAULT`` when not given). A name without a dot has no extension."""
        if not default:
            default = cls.DEFAULT
        name = filename[filename.rfind("/") + 1 :]
        dot = name.rfind(".")
        if dot < 0:
            return default
        return cls.REGISTERED.get(name[dot:].lower(), default)


# Responses without a content type now read MIMETypes.DEFAULT (see response._MIME).
_response_module._MIME = MIMETypes  # type: ignore[assignment]  # pylint: disable=protected-access
