# The two commands: `make demo` runs the main job end to end on embedded
# defaults; `make test` runs every test. Both install what they need first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INSTALL_INPUTS := requirements.txt meltano.yml \
	$(filter-out orchestrate/%,$(wildcard */*.meltano.yml)) \
	tap-moodle/pyproject.toml moodle-sandbox/pyproject.toml moodle-stack/pyproject.toml
# The plugins that `meltano run` needs. tap-moodle-1 to tap-moodle-4 inherit
# tap-moodle's environment. `meltano install` ignores names it does not know,
# so tests/test_orchestrate.py checks this list against the project's plugins.
PIPELINE_PLUGINS := tap-moodle target-postgres dbt
# Airflow (orchestrate/) is installed only for the tests and the production
# image: the demo does not need it.
AIRFLOW_STAMP := $(VENV)/.airflow-installed
AIRFLOW_INPUTS := orchestrate/orchestrators.meltano.yml orchestrate/airflow/constraints.txt

.PHONY: demo test bench install install-airflow clean

demo: install
	$(BIN)/python -m moodle_stack demo

test: install install-airflow
	$(BIN)/python -m pytest

# The extraction benchmark (about an hour): writes docs/benchmarks.md.
bench: install
	$(BIN)/python -m moodle_stack bench

install: $(STAMP)

install-airflow: $(AIRFLOW_STAMP)

$(STAMP): $(INSTALL_INPUTS)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is required; set PYTHON=python3.11 or newer."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/meltano install $(PIPELINE_PLUGINS)
	touch $(STAMP)

# --clean, because Meltano reinstalls on a changed pip_url but not on a changed
# constraint file.
$(AIRFLOW_STAMP): $(AIRFLOW_INPUTS) | $(STAMP)
	$(BIN)/meltano install --clean airflow
	touch $(AIRFLOW_STAMP)

clean:
	-$(BIN)/python -m moodle_stack warehouse stop
	rm -rf $(VENV) .meltano .warehouse transform/target transform/logs
