# Two entry points for people (README Quick start): `make run` and `make test`.
# Both are idempotent and install what they need into .venv first.

PY      := .venv/bin/python
UV      := .tools/bin/uv
STAMP   := .venv/.installed
DB      ?= sqlite:///data/tessera.sqlite3
PORT    ?= 8069

.PHONY: run test setup lint bench clean

$(UV):
	python3 -m pip install -q --disable-pip-version-check --target .tools uv

$(STAMP): pyproject.toml | $(UV)
	$(UV) venv -q --allow-existing --no-python-downloads .venv
	$(UV) pip install -q --python $(PY) -e '.[dev,bench]'
	touch $(STAMP)

setup: $(STAMP)

run: setup
	@mkdir -p data
	$(PY) -m core.cli --db $(DB) init --demo --all --if-missing
	$(PY) -m core.cli --db $(DB) serve --dev --port $(PORT)

lint: setup
	.venv/bin/ruff check .
	.venv/bin/lint-imports

test: setup lint
	bash scripts/ensure-postgres.sh
	bash scripts/ensure-chromium.sh
	$(PY) -m pytest -n 2 -p no:cacheprovider; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

bench: setup
	$(PY) bench/orm_workload.py
	$(PY) bench/web.py

clean:
	rm -rf .venv .tools data artifacts
