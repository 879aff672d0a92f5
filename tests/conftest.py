import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORTABLE = os.path.join(ROOT, "tests", "portable")
for path in (ROOT, PORTABLE):
    if path not in sys.path:
        sys.path.insert(0, path)
