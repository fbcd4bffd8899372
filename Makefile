# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint bench snapshot bundle bundle-check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP) $@

run: $(STAMP)
	@$(PY) -m scrm_desktop.platform_check  # Qt's system libraries, named with the install line when missing
	$(VENV)/bin/scrm-desktop --demo

lint: $(TEST_STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

test: $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest
	$(MAKE) --no-print-directory lint

bench: $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) bench/run.py

snapshot: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/scrm-desktop --demo snapshot --view streams --out docs/screenshot.png

# The one-folder PyInstaller app (dist/scrm-desktop/); PyInstaller comes from the `bundle` extra, not the test path.
bundle: $(STAMP)
	$(PY) -m pip install --quiet -e '.[bundle]'
	$(VENV)/bin/pyinstaller --noconfirm --distpath dist --workpath build/pyinstaller packaging/scrm-desktop.spec
	$(MAKE) --no-print-directory bundle-check

# Starts the bundle offscreen on a throwaway demo workspace and takes a snapshot (tests/test_bundle.py does the same).
bundle-check:
	QT_QPA_PLATFORM=offscreen dist/scrm-desktop/scrm-desktop --basedir build/bundle-home --demo snapshot \
		--out build/bundle-snapshot.png --size 1200x800

clean:
	rm -rf $(VENV) build dist *.egg-info
