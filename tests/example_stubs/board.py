"""Stand-in for CircuitPython's ``board`` on CPython (tests only)."""

NEOPIXEL = "NEOPIXEL"
LED = "LED"
