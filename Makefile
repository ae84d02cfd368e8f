# The two commands: `make demo` runs the main job end to end on embedded
# defaults; `make test` runs every test. Both install what they need first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INSTALL_INPUTS := requirements.txt meltano.yml $(wildcard */*.meltano.yml) \
	tap-moodle/pyproject.toml moodle-sandbox/pyproject.toml moodle-stack/pyproject.toml

.PHONY: demo test install clean

demo: install
	$(BIN)/python -m moodle_stack demo

test: install
	$(BIN)/python -m pytest

install: $(STAMP)

$(STAMP): $(INSTALL_INPUTS)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is required; set PYTHON=python3.11 or newer."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/meltano install
	touch $(STAMP)

clean:
	-$(BIN)/python -m moodle_stack warehouse stop
	rm -rf $(VENV) .meltano .warehouse transform/target transform/logs
