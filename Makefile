# Knowledge Hub: `make run` serves the demo, `make test` runs the whole suite. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
VENV := .venv
# uv on PATH if there is one; otherwise a pinned copy installed from PyPI into .tools/.
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
MANAGE := $(VENV)/bin/python manage.py
# Where `make run` serves (`make run PORT=8103`). Exported: the local settings' SITE_URL, the base of every
# link seed_demo prints and emails carry, follows them.
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT
# `make test` runs the suite in one process per core (pytest-xdist); `make test TEST_WORKERS=0` in this one.
TEST_WORKERS ?= auto

.PHONY: install run test lint format assets screenshots clean

install: $(VENV)/.synced static/dist/.built

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python "$$(command -v $(PYTHON))"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/dist/.built: node_modules/.installed $(wildcard static/scss/*.scss)
	npm run --silent build
	touch $@

assets: static/dist/.built

run: install
	mkdir -p var
	$(MANAGE) migrate --no-input
	$(MANAGE) seed_demo
	$(MANAGE) runserver $(HOST):$(PORT)

test: install
	$(VENV)/bin/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The README's screenshots, from the demo `make run` serves (run it in another terminal first).
screenshots: install
	$(VENV)/bin/python docs/screenshots.py --url http://$(HOST):$(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint templates --lint

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) .tools node_modules static/dist staticfiles
