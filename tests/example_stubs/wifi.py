"""Stand-in for CircuitPython's ``wifi`` on CPython (tests only): the "radio" is loopback."""


class _Radio:
    ipv4_address = "127.0.0.1"
    ipv4_address_ap = "127.0.0.1"
    connected = True

    def connect(self, ssid, password=None, **kwargs):  # pylint: disable=unused-argument
        """Pretends to join ``ssid``."""

    def start_ap(self, ssid, password=None, **kwargs):  # pylint: disable=unused-argument
        """Pretends to start an access point."""


radio = _Radio()
