# The service's two commands are `make run` and `make test`; see README.md.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test bench faults services clean

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c requirements.lock -e ".[test]"
	touch $(STAMP)

## install: create .venv and install the pinned dependencies
install: $(STAMP)

## run: migrate, load the seed data and serve on http://127.0.0.1:8000 (SQLite unless DATABASE_URL)
run: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_seed
	$(BIN)/python manage.py runserver 127.0.0.1:8000

## services: make sure PostgreSQL, Redis and Chromium are there for the tests
services:
	scripts/ensure_services.sh

## test: the whole suite against PostgreSQL, Redis, a real worker, SMTP server and browser
test: install services
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## bench: the benchmarks under bench/, each printing its ratio to its baseline
bench: install services
	$(BIN)/python bench/run.py

## faults: the fault tests alone (Redis and PostgreSQL outages, killed workers, two beats)
faults: install services
	$(BIN)/python -m pytest tests/faults $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var/static
