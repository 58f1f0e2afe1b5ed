# Two commands: `make run` (the app with demo data on http://127.0.0.1:8000, or ADDRESS=host:port) and `make test`
# (ruff, the import-layer contracts, the migrations check, then pytest).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
VENDOR := static/vendor
# Where `make run` serves; invite links default to it (see SITE_URL in config/settings/base.py).
ADDRESS ?= 127.0.0.1:8000

.PHONY: mutation run test install lock assets lint format migrate demo system-deps worker beat clean audit

run: install assets migrate demo
	DEV_SERVER_ADDRESS=$(ADDRESS) $(MANAGE) runserver $(ADDRESS)

test: install assets
	$(BIN)/python scripts/check_lock.py
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=config.settings.test > /dev/null
	$(BIN)/pytest $(PYTEST_ARGS)

# Every Python package, transitive ones included, from the lock at its exact version and hash.
install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock requirements-dev.lock
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	touch $@

# Re-resolves the locks after a change to requirements*.txt, keeping every other pin where it is
# (PIP_COMPILE_ARGS=--upgrade moves the transitive pins to their latest releases). The runtime lock
# is resolved from the development lock, so the two never pin a shared package differently.
LOCK_FLAGS := --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
lock:
	test -x $(BIN)/pip-compile || $(BIN)/python -m pip install --quiet "$$(grep "^pip-tools==" requirements-dev.txt)"
	$(BIN)/pip-compile $(LOCK_FLAGS) $(PIP_COMPILE_ARGS) --output-file=requirements-dev.lock requirements-dev.txt
	cp requirements-dev.lock requirements.lock
	$(BIN)/pip-compile $(LOCK_FLAGS) --output-file=requirements.lock requirements.txt
	$(BIN)/python scripts/check_lock.py

assets: $(VENDOR)/.copied

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/.copied: node_modules/.installed
	mkdir -p $(VENDOR)/bootstrap $(VENDOR)/htmx $(VENDOR)/axe $(VENDOR)/sortable
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map $(VENDOR)/bootstrap/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map $(VENDOR)/bootstrap/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp node_modules/axe-core/axe.min.js $(VENDOR)/axe/
	cp node_modules/sortablejs/Sortable.min.js $(VENDOR)/sortable/
	touch $@

migrate: install
	$(MANAGE) migrate --noinput

demo: install
	$(MANAGE) load_library
	DEV_SERVER_ADDRESS=$(ADDRESS) $(MANAGE) seed_demo

worker: install
	$(BIN)/celery -A config worker --loglevel=INFO

beat: install
	$(BIN)/celery -A config beat --loglevel=INFO

# Known vulnerabilities in the pinned requirements; fails when no package could be audited at all.
audit: install
	$(BIN)/python scripts/audit_dependencies.py

lint: install
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Debian libraries WeasyPrint and the browser tests need (run as root on Debian/Ubuntu).
system-deps:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
		fontconfig fonts-dejavu-core fonts-liberation2 poppler-utils chromium

clean:
	rm -rf $(VENV) node_modules $(VENDOR) staticfiles var

# Mutation testing of the pure questionnaire engine (mutmut), then the score of each module.
mutation: install
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2
	$(BIN)/python scripts/mutation_score.py

