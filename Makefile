# The two commands of the README: `make run` (the demo) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint system-packages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## run: install, create or upgrade the SQLite database, load the demo, write its mails to
## instance/mail/, serve on 127.0.0.1:5000 with an outbox worker beside it (mail caused while
## you click around is written to instance/mail/ within seconds); Ctrl-C stops both
run: $(VENV)/.installed-app
	$(FLASK) db upgrade
	$(FLASK) demo
	$(FLASK) outbox send
	$(FLASK) outbox send --loop --interval 2 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	$(FLASK) run --host 127.0.0.1 --port 5000

## system-packages: Debian's Chromium for the browser tests (Playwright cannot download one
## here) and the DejaVu fonts the PDFs embed for accented and Vietnamese names
system-packages:
	@if [ ! -x /usr/bin/chromium ] || [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || [ ! -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ]; then \
		$(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium fonts-dejavu-core fonts-wqy-zenhei; \
	fi

## axe-core, which the accessibility tests (tests/journey) inject into Chromium, from the npm
## registry into .cache/ (nothing is fetched at run time); Debian's npm if there is none
AXE := .cache/axe/node_modules/axe-core/axe.min.js
$(AXE):
	@command -v npm >/dev/null || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q npm; }
	npm install --no-save --no-audit --no-fund --prefix .cache/axe axe-core@4.14.1

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## test: install the test tools and Chromium, lint, and run every test on SQLite and PostgreSQL
test: $(VENV)/.installed-test system-packages $(AXE) lint
	$(BIN)/pytest -v

## bench: every benchmark in bench/, each against a baseline measured in the same run, then a
## table of their figures (bench/run_all.py; `make bench BENCH_OPTIONS=--quick` for a first look)
bench: $(VENV)/.installed-test
	$(BIN)/pip install --quiet -e '.[test,deploy]'
	$(BIN)/python bench/run_all.py $(BENCH_OPTIONS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
