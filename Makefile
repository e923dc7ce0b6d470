# The two commands of the README: `make demo` and `make test` (lint, docs, every test).
# Each creates .venv itself (python3 -m venv) and is idempotent.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml Makefile | sha1sum | cut -c1-12)

.PHONY: demo test setup lint docs clean app-system-deps labelstudio-venv

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# torch first: this exact version is the CPU build on disk; any other spec pulls CUDA.
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[all,test,bench]'
	# The cross-checks use modAL 0.4.2.1 (0.4.1's ranked batch repeats one index); its
	# pin of skorch 0.9 (which no longer imports) is skipped: modAL's scoring needs no skorch.
	$(BIN)/python -m pip install -q --no-deps modAL-python==0.4.2.1
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)

# Label Studio in its own virtualenv (its pins clash with ours), for the tests of
# `alwild labelstudio-backend` against a real Label Studio (tests/app/labelstudio/).
LS_VENV := .venv-labelstudio
LS_VERSION := 1.23.2
LS_STAMP := $(LS_VENV)/.installed-label-studio-$(LS_VERSION)

$(LS_STAMP):
	test -x $(LS_VENV)/bin/python || $(PY) -m venv $(LS_VENV)
	$(LS_VENV)/bin/python -m pip install -q --upgrade pip
	$(LS_VENV)/bin/python -m pip install -q 'label-studio==$(LS_VERSION)'
	rm -f $(LS_VENV)/.installed-label-studio-*
	touch $(LS_STAMP)

labelstudio-venv: $(LS_STAMP)

# make demo HOST=0.0.0.0 PORT=9000 (default 127.0.0.1:8765). HOST counts only on make's
# command line: some shells export HOST as the machine's name, which would open the demo up.
demo: DEMO_HOST = $(if $(filter command line,$(origin HOST)),$(HOST),127.0.0.1)
demo: setup
	$(BIN)/alwild serve-demo --host $(DEMO_HOST) --port $(or $(PORT),8765)

# ruff, then the import contracts of pyproject.toml (layers, no cycles)
lint: setup
	$(BIN)/ruff check alwild tests benchmarks docs/hooks
	$(BIN)/lint-imports

# The documentation site (mkdocs.yml, docs/): strict, offline; open site/index.html,
# or `.venv/bin/mkdocs serve` for a live preview on http://127.0.0.1:8000/
docs: setup
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# The app's browser and PostgreSQL tests need Debian's chromium and postgresql (root only).
app-system-deps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then need=""; \
	  [ -x /usr/bin/chromium ] || need="$$need chromium"; \
	  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$$need postgresql"; \
	  if [ -n "$$need" ]; then apt-get update -q && apt-get install -y -q $$need; fi; fi

test: setup lint docs app-system-deps labelstudio-venv
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) $(LS_VENV)
