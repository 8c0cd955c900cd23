# Two commands do all the set-up on a fresh machine (see README):
#   make compare   -- build the environment, then run every built-in scenario (the main job)
#   make test      -- build the environment (and Chromium for the browser tests), then run the tests
PYTHON ?= $(shell command -v python3.12 || ls -d $$HOME/.pyenv/versions/3.12*/bin/python3.12 2>/dev/null | tail -1)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.lock | cut -c1-12)

.PHONY: env compare test validate chromium lock bench

env: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/python -m pip install --quiet --require-virtualenv -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-*
	touch $@

compare: env
	$(BIN)/reformsim compare --out results/compare

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The browser tests run on their own after the rest, so a busy model test on the other core
# cannot starve the page of CPU.
test: env chromium
	$(BIN)/python -m pytest -n 2 --dist loadgroup -m "not browser"
	$(BIN)/python -m pytest -m browser

# The full tier of every published experiment, compared with its full.csv and its checks against
# the world, and the quick tier of the calibration (run by .ci/run after the tests).
PUBLISHED = $(shell grep -l '^\[publish\]' experiments/*.toml | xargs -n1 basename | sed 's/\.toml$$//')
validate: env
	@for name in $(PUBLISHED); do \
	  start=$$(date +%s); $(BIN)/reformsim reproduce $$name --workers 2 || exit 1; \
	  echo "$$name: $$(( $$(date +%s) - start )) s"; done
	$(BIN)/reformsim calibrate calibration/default.toml --quick --workers 2 --out "$$(mktemp -d)"

lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra test --python-version 3.12 -o requirements.lock

bench: env
	$(BIN)/python benchmarks/run.py
