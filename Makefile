# Two commands do all set-up on a fresh machine:
#   make campaign   install everything, run the full IQ/OQ/PQ campaign on the simulated bench
#   make test       install everything, run the harness's own tests (+ their Allure report)
#   make test-fast  the unit tier alone (≤ 2 min, no campaign on a bench)

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
ALLURE := .tools/node_modules/.bin/allure
ALLURE_VERSION := 2.46.1
HARNESS_RESULTS := reports/harness-validation/allure-results

.PHONY: install campaign test test-fast clean

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

# Exit code 1 means the campaign ran to its end and recorded deviations: the full IQ+OQ+PQ campaign on
# the simulated bench always records two (OQ and PQ start before the earlier stage is released, and a
# dry run can never be released; README, "Stage gating"). make reports that as the campaign's result,
# not as its own failure; any other non-zero code (bad input, harness error, bench unavailable,
# interrupted) fails make.
campaign: install
	@$(VENV)/bin/mimedi-qual run; code=$$?; \
	if [ $$code -eq 1 ]; then echo "make campaign: the campaign recorded deviations (exit code 1): see its Result line above"; \
	else exit $$code; fi

# The harness's tests come in tiers (tests/conftest.py): the unit tier runs first and alone, and a
# failure there stops `make test` before any bench starts; the campaign and protocol tiers then run
# side by side. Both on pytest-xdist workers: the unit tier module by module (loadfile: a module's
# tests share its module-scoped simulated bench, in file order), the bench tiers test by test
# (loadgroup: each campaign anywhere, except a module marked xdist_group, kept on one worker).
# Every tier writes into one Allure results directory, emptied once before the first: not with
# --clean-alluredir, which every xdist worker would obey as it starts, while others already write.
UNIT_TIER := not campaign and not protocol
BENCH_TIERS := campaign or protocol
# The unit tier is CPU-bound: one worker per core. Four workers for the bench tiers on two cores:
# a campaign waits on its bench for about two thirds of its wall time (one OQ stage alone: 33 s wall,
# 12 s CPU; two at once: 33 s; four at once: 49 s).
UNIT_WORKERS ?= 2
TEST_WORKERS ?= 4

test: install
	rm -rf $(HARNESS_RESULTS)
	$(PY) -m pytest -m "$(UNIT_TIER)" -n $(UNIT_WORKERS) --dist loadfile --alluredir $(HARNESS_RESULTS)
	$(PY) -m pytest -m "$(BENCH_TIERS)" -n $(TEST_WORKERS) --dist loadgroup --durations=25 \
		--alluredir $(HARNESS_RESULTS)
	$(PY) -m mimedi_qual.report.allure_html $(HARNESS_RESULTS) reports/harness-validation/report.html

test-fast: install
	$(PY) -m pytest -m "$(UNIT_TIER)" -n $(UNIT_WORKERS) --dist loadfile

clean:
	rm -rf $(VENV) .tools build mimedi_qual/**/*.so mimedi_qual/**/*.c
