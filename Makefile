# The two set-up commands of the README: `make run` and `make test`.
# Both create .venv when it is missing and install ldmspec into it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench clean chromium redis-server mutate fuzz

$(STAMP): pyproject.toml setup.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/ldmspec verify examples/fleet.toml

# The shared-database test needs a real redis-server: one is started on a free localhost
# port for the test run (LDMSPEC_TEST_REDIS names it) and stopped afterwards, whether the
# tests pass or not.
test: $(STAMP) chromium redis-server
	$(BIN)/ruff check .
	$(BIN)/mypy
	@if command -v redis-server >/dev/null 2>&1; then \
	  dir=$$(mktemp -d); \
	  port=$$($(BIN)/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'); \
	  redis-server --bind 127.0.0.1 --port $$port --save '' --appendonly no --dir $$dir \
	    --daemonize yes --pidfile $$dir/redis.pid --logfile $$dir/redis.log; \
	  trap 'kill $$(cat '$$dir'/redis.pid) 2>/dev/null; rm -rf '$$dir'' EXIT; \
	  echo "redis-server on 127.0.0.1:$$port for the shared-database test"; \
	  export LDMSPEC_TEST_REDIS=redis://127.0.0.1:$$port/0; \
	fi; \
	$(BIN)/python -m pytest -n 2 -q

# The rendered-report check uses headless Chromium. It is installed from Debian's
# packages where that is possible (root with apt-get); elsewhere the check is skipped
# with a visible notice.
chromium:
	@command -v chromium >/dev/null 2>&1 \
	  || { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] \
	       && (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1; } \
	  || echo "notice: chromium is not available; the rendered-report check will be skipped"

# Like chromium: redis-server from Debian's packages where possible, else a notice (and the
# shared-database test is skipped).
redis-server:
	@command -v redis-server >/dev/null 2>&1 \
	  || { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] \
	       && (apt-get update -qq && apt-get install -y -qq redis-server) >/dev/null 2>&1; } \
	  || echo "notice: redis-server is not available; the shared-database test will be skipped"

# A bounded HypoFuzz run of the stateful machine against VARIANT (empty: the correct
# implementation), sharing the example database FUZZ_DB, then a pytest run that replays
# what it found from there and writes the counterexample reports to reports/fuzz/.
# HypoFuzz lives in its own environment (.venv-fuzz): it needs an older Hypothesis.
FUZZ_VENV    := .venv-fuzz
VARIANT      ?= no-scrub
FUZZ_SECONDS ?= 120
FUZZ_DB      ?= $(LDMSPEC_DB)

$(FUZZ_VENV)/.installed: pyproject.toml setup.py
	@test -x $(FUZZ_VENV)/bin/python || $(PYTHON) -m venv $(FUZZ_VENV)
	$(FUZZ_VENV)/bin/python -m pip install --quiet -e '.[fuzz]'
	@touch $@

fuzz: $(FUZZ_VENV)/.installed
	@test -n "$(FUZZ_DB)" || { echo "make fuzz: set FUZZ_DB=redis://HOST:PORT/N"; exit 2; }
	-LDMSPEC_VARIANT=$(VARIANT) timeout $(FUZZ_SECONDS) $(FUZZ_VENV)/bin/hypothesis fuzz -n 2 \
	  --no-dashboard -- --pyargs ldmspec.properties.test_migration_machine \
	  --hypothesis-profile=ldmspec-deep --ldmspec-db $(FUZZ_DB)
	$(FUZZ_VENV)/bin/python -m pytest -q -p no:cacheprovider \
	  --pyargs ldmspec.properties.test_migration_machine --ldmspec-variant=$(or $(VARIANT),correct) \
	  --ldmspec-db $(FUZZ_DB) --ldmspec-db-read-only --ldmspec-reports reports/fuzz

# Mutation testing of ldmspec/system with Cosmic Ray: MUTANTS mutants sampled with SEED,
# each run against the property suites in the ldmspec-ci profile (as CI runs them);
# killed / survived / timed out and the survivors go to bench/results.json.
MUTANTS ?= 20
SEED    ?= 0
mutate: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,mutate]'
	LDMSPEC_MUTANTS=$(MUTANTS) LDMSPEC_MUTANT_SEED=$(SEED) $(BIN)/python bench/mutate.py

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(FUZZ_VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
