"""Stand-in for the ``neopixel`` library on CPython (tests only): pixels live in a list."""


class NeoPixel:
    def __init__(self, pin, n, *, brightness=1.0, auto_write=True, **kwargs):  # pylint: disable=unused-argument
        self.pin = pin
        self.n = n
        self.brightness = brightness
        self.auto_write = auto_write
        self._pixels = [(0, 0, 0)] * n

    def __len__(self):
        return self.n

    def __setitem__(self, index, color):
        self._pixels[index] = tuple(color)

    def __getitem__(self, index):
        return self._pixels[index]

    def fill(self, color):
        self._pixels = [tuple(color)] * self.n

    def show(self):
        pass

    def deinit(self):
        pass
