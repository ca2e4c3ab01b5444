# pharmcrm — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
WORKERS ?= 3

.PHONY: run dev test test-fast lint fmt bench migrate demo messages clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("pharmcrm needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py demo_load --if-empty

run: demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py demo_logins
	$(BIN)/gunicorn pharmcrm.config.wsgi -b $(HOST):$(PORT) -w $(WORKERS) --access-logfile - --graceful-timeout 5

dev: demo
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadgroup

test-fast: $(STAMP)
	$(BIN)/pytest -n 2 -m "not browser"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check src tests

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format src tests

bench: $(STAMP)
	$(BIN)/python manage.py crm_bench $(BENCH_ARGS)

messages: $(STAMP)
	cd src/pharmcrm && ../../$(BIN)/django-admin makemessages -l zh_Hans --no-obsolete && ../../$(BIN)/django-admin compilemessages

clean:
	rm -rf $(VENV) var/static
