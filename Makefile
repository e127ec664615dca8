# Gongzhi 共治 — two commands do everything:  make demo  ·  make test
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/gongzhi
# pytest-xdist workers (one per core; each has its own test database: test_gongzhi_gw0, …).
TEST_WORKERS ?= auto
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# gunicorn (GONGZHI_WEB_WORKERS overrides 2×cores+1) and the task worker: `make serve` runs both.
.PHONY: serve worker demo test test-sqlite test-postgres lint messages install assets system check-migrations bench clean

$(BIN)/.installed: pyproject.toml requirements/constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -c requirements/constraints.txt -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(BIN)/.installed assets
assets: node_modules/.installed

# Debian packages the tests use: Chromium and a Chinese font for browser tests, gettext to compile translations.
system:
	@missing=""; command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing="$$missing fonts-wqy-microhei"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

messages: install system
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

check-migrations: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

demo: install messages
	GONGZHI_DEMO=1 $(BIN)/gongzhi demo

serve: install messages
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py serve --with-worker

worker: install
	$(BIN)/python manage.py worker

test: install system messages check-migrations test-sqlite test-postgres

test-sqlite: install messages
	$(BIN)/pytest -q -n $(TEST_WORKERS)

# PostgreSQL is the production database: the whole suite again, and the concurrency tests that need it.
test-postgres: install messages
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -n $(TEST_WORKERS) -m "not browser"

lint: install
	$(BIN)/ruff check gongzhi config bench tests
	$(BIN)/ruff format --check gongzhi config bench tests
	$(BIN)/mypy gongzhi config

bench: install
	@echo "see bench/README in bench/RESULTS.md for the commands"

clean:
	rm -rf $(VENV) node_modules var/static
