# The two quick-start commands. Both set up .venv on their own.
.PHONY: run test bench

run:
	bash scripts/setup.sh run
	.venv/bin/python -m adafruit_httpserver --host 127.0.0.1 --port 8000

test:
	bash scripts/setup.sh test
	.venv/bin/python -m pytest

bench:
	bash scripts/setup.sh test
	.venv/bin/python bench/run.py
