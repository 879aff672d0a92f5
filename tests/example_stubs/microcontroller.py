"""Stand-in for CircuitPython's ``microcontroller`` on CPython (tests only)."""


class _Processor:
    temperature = 42.5  # degrees Celsius
    frequency = 240000000  # Hz
    voltage = 3.3  # volts
    uid = bytearray(b"\x01\x02\x03\x04\x05\x06")


cpu = _Processor()
cpus = [cpu]
