"""Runs the Python snippets of ``docs/*.md`` against the current library.

A fenced block that opens with three backticks and ``python`` is *runnable* when the
nearest non-blank line above it is one of:

* ``<!-- test -->``: run it in a fresh namespace;
* ``<!-- test: continue -->``: run it in the namespace of the previous runnable block of
  the same page (so a page can build an example step by step).

Runnable snippets use the in-memory ``adafruit_httpserver.testing.SocketPool`` and
``TestClient`` (no network) and check their results with ``assert``. Each group runs in a
temporary working directory that holds a small site in ``static/`` (see ``SITE``), with
``MIMETypes`` and the debug hooks restored afterwards.

Every other ``python`` block must at least compile (fragments are written as valid Python).
"""

import os
import shutil
import sys
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs")
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

FRESH = "<!-- test -->"
CONTINUE = "<!-- test: continue -->"

# The files every runnable snippet finds in its working directory.
SITE = {
    "static/index.html": "<h1>Welcome</h1>\n",
    "static/style.css": "body { color: navy; }\n",
    "static/about/index.html": "<h1>About</h1>\n",
    "static/notes.txt": "0123456789" * 10,
    "other/home.html": "<h1>Home</h1>\n",
}


def _blocks(path):
    """``(line, code, marker)`` for every python block of a Markdown file; ``line`` is the
    1-based line of the first code line, ``marker`` FRESH, CONTINUE or None."""
    with open(path, encoding="utf-8") as file:
        lines = file.read().split("\n")
    blocks = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.strip().startswith("```python"):
            indent = line[: len(line) - len(line.lstrip())]
            marker = None
            back = index - 1
            while back >= 0 and not lines[back].strip():
                back -= 1
            if back >= 0 and lines[back].strip() in (FRESH, CONTINUE):
                marker = lines[back].strip()
            body = []
            index += 1
            start = index + 1
            while index < len(lines) and lines[index].strip() != "```":
                text = lines[index]
                body.append(text[len(indent) :] if text.startswith(indent) else text)
                index += 1
            blocks.append((start, "\n".join(body) + "\n", marker))
        index += 1
    return blocks


def _doc_files():
    if not os.path.isdir(DOCS):
        return []
    return sorted(os.path.join(DOCS, name) for name in os.listdir(DOCS) if name.endswith(".md"))


def _groups():
    """Runnable groups: ``(id, path, [(line, code), ...])``."""
    groups = []
    for path in _doc_files():
        current = None
        for line, code, marker in _blocks(path):
            if marker == FRESH or (marker == CONTINUE and current is None):
                current = (os.path.basename(path) + ":%d" % line, path, [(line, code)])
                groups.append(current)
            elif marker == CONTINUE:
                current[2].append((line, code))
    return groups


def _all_blocks():
    return [
        pytest.param(path, line, code, id=os.path.basename(path) + ":%d" % line)
        for path in _doc_files()
        for line, code, _ in _blocks(path)
    ]


GROUPS = _groups()


def test_docs_have_runnable_snippets():
    assert _doc_files(), "docs/*.md is missing"
    assert len(GROUPS) >= 10, "expected runnable snippets in the docs, found %d groups" % len(GROUPS)


@pytest.mark.parametrize("path,line,code", _all_blocks())
def test_every_python_block_compiles(path, line, code):
    compile("\n" * (line - 1) + code, path, "exec")


@pytest.fixture
def site():
    previous = os.getcwd()
    folder = tempfile.mkdtemp(prefix="docs-snippets-")
    for name, content in SITE.items():
        target = os.path.join(folder, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as file:
            file.write(content)
    from adafruit_httpserver import server as server_module  # pylint: disable=import-outside-toplevel
    from adafruit_httpserver.mime_types import MIMETypes  # pylint: disable=import-outside-toplevel

    saved_types = (MIMETypes.DEFAULT, dict(MIMETypes.REGISTERED))
    saved_hooks = {
        name: getattr(server_module, name)
        for name in (
            "_debug_started_server",
            "_debug_response_sent",
            "_debug_stopped_server",
            "_debug_exception_in_handler",
            "_debug_warning_exposed_files",
        )
    }
    os.chdir(folder)
    try:
        yield folder
    finally:
        os.chdir(previous)
        MIMETypes.DEFAULT, MIMETypes.REGISTERED = saved_types[0], saved_types[1]
        for name, value in saved_hooks.items():
            setattr(server_module, name, value)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("group", [pytest.param(g, id=g[0]) for g in GROUPS])
def test_runnable_snippet(group, site):  # pylint: disable=redefined-outer-name,unused-argument
    from adafruit_httpserver import Server  # pylint: disable=import-outside-toplevel

    _, path, blocks = group
    namespace = {"__name__": "__docs_snippet__"}
    try:
        for line, code in blocks:
            # Padded so that tracebacks point at the line of the Markdown file.
            exec(compile("\n" * (line - 1) + code, path, "exec"), namespace)  # pylint: disable=exec-used
    finally:
        for value in list(namespace.values()):
            if isinstance(value, Server) and not value.stopped:
                value.stop()


def _anchor(heading):
    text = heading.strip().lstrip("#").strip().lower()
    return "".join(char for char in text.replace(" ", "-") if char.isalnum() or char in "-_")


def test_links_between_pages_resolve():
    import re  # pylint: disable=import-outside-toplevel

    pages = {os.path.basename(path): path for path in _doc_files()}
    for name, path in pages.items():
        with open(path, encoding="utf-8") as file:
            text = file.read()
        for target in re.findall(r"\]\(([^)#\s]+\.md)(#[^)\s]*)?\)", text):
            page, anchor = target
            assert page in pages, "%s links to missing %s" % (name, page)
            if anchor:
                with open(pages[page], encoding="utf-8") as file:
                    anchors = [_anchor(line) for line in file if line.startswith("#")]
                assert anchor[1:] in anchors, "%s links to missing %s%s" % (name, page, anchor)
