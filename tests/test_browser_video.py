"""Headless Chromium plays and seeks a video served by ``root_path`` serving.

The clip is an MP4 that this test writes itself (no ffmpeg needed): H.264 Baseline,
256x256, 10 fps, 12 s, every frame an IDR picture made of I_PCM macroblocks (raw samples,
so no encoder is needed), luma rising with the frame number so the page can tell which
frame it shows. It is large (11.8 MB) and ``moov`` is placed after ``mdat``, so Chromium
has to ask for the end of the file with a Range request before it can play, and for the
middle when it seeks.

The server side records every static-file answer (path, Range, status, Content-Range) by
wrapping ``_files.serve_path``; the page reports its media events to ``/report``. Every
wait is bounded and Chromium (its own process group) is killed in ``finally``."""

import re
import shutil
import socket
import struct
import threading
import time

import pytest

from adafruit_httpserver import Response, Server, _files

pytest.importorskip("websockets.sync.client")
from cdp import Browser  # noqa: E402  (needs websockets)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FPS, SECONDS, SIZE = 10, 12, 256  # I_PCM: 98 KB a frame, 11.8 MB in all
_EMULATION = re.compile(b"\x00\x00(?=[\x00-\x03])")
SEEK_TO = 9.5

PAGE = b"""<!doctype html><html><body>
<video id="v" src="/clip.mp4" preload="auto" muted playsinline width="64" height="64"></video>
<canvas id="c" width="64" height="64"></canvas>
<script>
var v = document.getElementById('v');
function report(message) {
  document.title = message;
  fetch('/report?m=' + encodeURIComponent(message)).catch(function () {});
}
v.addEventListener('loadedmetadata', function () {
  report('meta ' + v.duration);
  v.currentTime = %SEEK%;
});
v.addEventListener('seeked', function () {
  var context = document.getElementById('c').getContext('2d');
  context.drawImage(v, 0, 0, 64, 64);
  var pixel = context.getImageData(32, 32, 1, 1).data;
  report('seeked ' + v.currentTime + ' ' + v.readyState + ' ' + pixel[0] + ' ' + pixel[1] + ' ' + pixel[2]);
});
v.addEventListener('error', function () { report('error ' + (v.error && v.error.code)); });
</script></body></html>
""".replace(b"%SEEK%", str(SEEK_TO).encode())


# -- a tiny H.264 (I_PCM) + MP4 writer ---------------------------------------------------------


class _Bits:
    def __init__(self):
        self.out = bytearray()
        self.acc = self.count = 0

    def u(self, bits, value):
        for shift in range(bits - 1, -1, -1):
            self.acc = (self.acc << 1) | ((value >> shift) & 1)
            self.count += 1
            if self.count == 8:
                self.out.append(self.acc)
                self.acc = self.count = 0

    def ue(self, value):
        value += 1
        self.u(value.bit_length() - 1, 0)
        self.u(value.bit_length(), value)

    def align(self):
        while self.count:
            self.u(1, 0)

    def trailing(self):
        self.u(1, 1)
        self.align()


def _nal(header, bits):
    """A NAL unit with emulation prevention: 03 inserted after 00 00 before 00..03."""
    return bytes([header]) + _EMULATION.sub(b"\x00\x00\x03", bytes(bits.out))


def _sps():
    bits = _Bits()
    bits.u(8, 66)  # Baseline
    bits.u(8, 0xC0)  # constraint_set0/1: Constrained Baseline
    bits.u(8, 30)  # level 3.0
    for value in (0, 0, 2, 1):  # sps id, log2_max_frame_num-4, poc type 2, max refs
        bits.ue(value)
    bits.u(1, 0)  # no gaps in frame_num
    bits.ue(SIZE // 16 - 1)
    bits.ue(SIZE // 16 - 1)
    bits.u(4, 0b1100)  # frame_mbs_only, direct_8x8_inference, no cropping, no VUI
    bits.trailing()
    return _nal(0x67, bits)


def _pps():
    bits = _Bits()
    for value in (0, 0):
        bits.ue(value)
    bits.u(2, 0)  # CAVLC, no field pic order
    for value in (0, 0, 0):  # slice groups, l0/l1 refs
        bits.ue(value)
    bits.u(3, 0)  # no weighted prediction
    for _ in range(3):  # pic_init_qp, pic_init_qs, chroma_qp_index_offset: se(0)
        bits.ue(0)
    bits.u(3, 0)  # no deblocking control, constrained intra, redundant pic count
    bits.trailing()
    return _nal(0x68, bits)


def frame_luma(index):
    return 40 + index * 180 // (FPS * SECONDS)


def _idr(index):
    bits = _Bits()
    for value in (0, 7, 0):  # first mb, slice type I (all), pps id
        bits.ue(value)
    bits.u(4, 0)  # frame_num
    bits.ue(index & 1)  # idr_pic_id differs between neighbours
    bits.u(2, 0)  # no_output_of_prior_pics, long_term_reference
    bits.ue(0)  # slice_qp_delta se(0)
    samples = bytes([frame_luma(index)]) * 256 + bytes([90 + index % 60]) * 64 + bytes([160 - index % 60]) * 64
    for _ in range((SIZE // 16) ** 2):
        bits.ue(25)  # I_PCM
        bits.align()
        bits.out.extend(samples)
    bits.trailing()
    return _nal(0x65, bits)


def _box(kind, *parts):
    body = b"".join(parts)
    return struct.pack(">I4s", 8 + len(body), kind) + body


def _full(kind, flags, *parts):
    return _box(kind, struct.pack(">I", flags), *parts)


def make_mp4():
    count = FPS * SECONDS
    samples = [_idr(index) for index in range(count)]
    ftyp = _box(b"ftyp", b"isom", struct.pack(">I", 512), b"isomiso2avc1mp41")
    mdat = _box(b"mdat", b"".join(struct.pack(">I", len(s)) + s for s in samples))
    offsets, position = [], len(ftyp) + 8
    for sample in samples:
        offsets.append(position)
        position += 4 + len(sample)
    delta = 1000 // FPS
    duration = count * delta
    matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    sps, pps = _sps(), _pps()
    avcc = _box(b"avcC", bytes([1, 66, 0xC0, 30, 0xFF, 0xE1]), struct.pack(">H", len(sps)), sps,
                b"\x01", struct.pack(">H", len(pps)), pps)  # fmt: skip
    avc1 = _box(b"avc1", b"\0" * 6, struct.pack(">H", 1), b"\0" * 16,
                struct.pack(">HHIIIH", SIZE, SIZE, 0x480000, 0x480000, 0, 1), b"\0" * 32,
                struct.pack(">Hh", 0x18, -1), avcc)  # fmt: skip
    stbl = _box(
        b"stbl",
        _full(b"stsd", 0, struct.pack(">I", 1), avc1),
        _full(b"stts", 0, struct.pack(">III", 1, count, delta)),
        _full(b"stsc", 0, struct.pack(">IIII", 1, 1, 1, 1)),
        _full(b"stsz", 0, struct.pack(">II", 0, count), b"".join(struct.pack(">I", 4 + len(s)) for s in samples)),
        _full(b"stco", 0, struct.pack(">I", count), b"".join(struct.pack(">I", o) for o in offsets)),
    )  # no stss: every sample is a sync sample
    dinf = _box(b"dinf", _full(b"dref", 0, struct.pack(">I", 1), _full(b"url ", 1)))
    mdia = _box(
        b"mdia",
        _full(b"mdhd", 0, struct.pack(">IIIIHH", 0, 0, 1000, duration, 0x55C4, 0)),
        _full(b"hdlr", 0, b"\0" * 4, b"vide", b"\0" * 12, b"VideoHandler\0"),
        _box(b"minf", _full(b"vmhd", 1, b"\0" * 8), dinf, stbl),
    )
    tkhd = _full(b"tkhd", 3, struct.pack(">IIIII", 0, 0, 1, 0, duration), b"\0" * 16, matrix,
                 struct.pack(">II", SIZE << 16, SIZE << 16))  # fmt: skip
    mvhd = _full(b"mvhd", 0, struct.pack(">IIIIIH", 0, 0, 1000, duration, 0x10000, 0x100), b"\0" * 10,
                 matrix, b"\0" * 24, struct.pack(">I", 2))  # fmt: skip
    return ftyp + mdat + _box(b"moov", mvhd, _box(b"trak", tkhd, mdia))


# -- the test ----------------------------------------------------------------------------------


def test_chromium_plays_and_seeks_with_range_requests(tmp_path, monkeypatch):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (scripts/setup.sh test installs Debian's)")
    root = tmp_path / "www"
    root.mkdir()
    (root / "index.html").write_bytes(PAGE)
    clip = make_mp4()
    (root / "clip.mp4").write_bytes(clip)

    answers, reports = [], []
    original = _files.serve_path

    def logged(request):
        response = original(request)
        send = response._send

        def send_and_log():
            send()
            answers.append(
                (request.path, request.headers.get("Range"), response._status.code, response._headers.get("Content-Range"))
            )

        response._send = send_and_log
        return response

    monkeypatch.setattr(_files, "serve_path", logged)
    server = Server(socket, str(root))

    @server.route("/report")
    def report(request):
        reports.append(request.query_params.get("m"))
        return Response(request, status=(204, "No Content"))

    server.start("127.0.0.1", 0)
    halt = threading.Event()

    def loop():
        while not halt.is_set():
            server.poll()
            engine = server._engine
            if engine is not None and not halt.is_set():
                engine.wait(0.01)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        with Browser(CHROMIUM) as browser:
            browser.new_tab("http://127.0.0.1:%d/" % server.port)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and browser.process.poll() is None:
                if any(r.startswith(("seeked", "error")) for r in list(reports)):
                    break
                time.sleep(0.1)
            time.sleep(0.3)  # let the requests in flight be logged
    finally:
        halt.set()
        thread.join(5)
        server.stop()
    assert not thread.is_alive()

    print("\npage reports:", reports)
    for answer in answers:
        print("  ", answer)
    assert reports, "the page reported nothing (answers: %r)" % (answers,)
    assert reports[0] == "meta %g" % SECONDS, reports
    seeked = [r for r in reports if r.startswith("seeked")]
    assert seeked, reports
    _, current, ready, red, green, blue = seeked[0].split(" ")
    assert abs(float(current) - SEEK_TO) < 0.01
    assert int(ready) >= 2  # HAVE_CURRENT_DATA: the frame at the new position is decoded
    # The pixel is the frame shown: its luma says which frame (BT.601, limited range).
    luma = 16 + (65.481 * int(red) + 128.553 * int(green) + 24.966 * int(blue)) / 255
    expected = frame_luma(int(SEEK_TO * FPS))
    assert abs(luma - expected) < 8, (luma, expected, seeked[0])

    media = [a for a in answers if a[0] == "/clip.mp4"]
    ranged = [a for a in media if a[1] is not None and a[2] == 206]
    assert ranged, media
    size = len(clip)
    for _, asked, status, content_range in media:
        assert asked is not None, "Chromium asks for media with Range"
        assert status in (206, 304), (asked, status)  # 304: revalidating what it cached
        if status == 206:
            first, last = content_range[len("bytes ") :].split("/")[0].split("-")
            assert content_range.endswith("/%d" % size)
            assert asked.startswith("bytes=" + first + "-")
            assert int(last) < size
    # moov is at the end: something past the first request's start had to be asked for.
    assert any(not a[1].startswith("bytes=0-") for a in ranged), media
