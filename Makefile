# Two commands do all set-up on a fresh machine:
#   make campaign   install everything, run the full IQ/OQ/PQ campaign on the simulated bench
#   make test       install everything, run the harness's own tests (+ their Allure report)

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
ALLURE := .tools/node_modules/.bin/allure
ALLURE_VERSION := 2.46.1
HARNESS_RESULTS := reports/harness-validation/allure-results

.PHONY: install campaign test clean

install: $(VENV)/.installed $(ALLURE) java
	@# Recompile any Cython module changed since the last build (no-op otherwise).
	@$(PY) setup.py -q build_ext --inplace -j 2 >/dev/null

$(VENV)/.installed: pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv
	$(UV) pip install --quiet --python $(PY) -e ".[test,build]"
	touch $@

$(ALLURE):
	npm install --prefix .tools --no-audit --no-fund --silent allure-commandline@$(ALLURE_VERSION)

# The Allure 2 generator runs on Java >= 8.
java:
	@command -v java >/dev/null || (apt-get update -qq && apt-get install -y -qq default-jre-headless)

campaign: install
	$(VENV)/bin/mimedi-qual run

test: install
	$(PY) -m pytest --alluredir $(HARNESS_RESULTS) --clean-alluredir
	$(PY) -m mimedi_qual.report.allure_html $(HARNESS_RESULTS) reports/harness-validation/report.html

clean:
	rm -rf $(VENV) .tools build mimedi_qual/**/*.so mimedi_qual/**/*.c
