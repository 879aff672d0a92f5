"""Temporary file trees for the file tests (portable: CPython and MicroPython)."""

import os


def write(path, data):
    with open(path, "wb") as handle:
        handle.write(data)


def make_tree(files):
    """A new directory holding ``files`` ({"dir/name": bytes}); returns its path."""
    base = "/tmp/ahs-files-" + "".join(["%02x" % byte for byte in os.urandom(6)])
    os.mkdir(base)
    for name in sorted(files):
        parts = name.split("/")
        for index in range(1, len(parts)):
            try:
                os.mkdir(base + "/" + "/".join(parts[:index]))
            except OSError:
                pass
        write(base + "/" + name, files[name])
    return base


def remove_tree(path):
    """Removes ``path`` recursively, never following symbolic links."""
    for name in os.listdir(path):
        full = path + "/" + name
        if getattr(os, "lstat", os.stat)(full)[0] & 0o170000 == 0o040000:
            remove_tree(full)
        else:
            os.remove(full)
    os.rmdir(path)
