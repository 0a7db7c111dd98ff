# Two commands a new user needs (README):
#   make run    build .venv from the pinned set, then land + build + check the bundled sample
#   make test   build .venv from the pinned set, then run the whole test suite
# Everything installs into .venv from constraints.txt, so every machine gets the same versions.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
PIP_VERSION := 26.3

.PHONY: install run test browser java report lint dev generate docs semantic-layer clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "pip==$(PIP_VERSION)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		--constraint constraints.txt --editable ".[dev,spark]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: install  ## land, build and check the bundled sample into data/warehouse.duckdb
	$(BIN)/usage-analytics run

test: install browser java  ## the whole suite: SQL and Python linters, then unit, semantic, integration
	$(BIN)/sqlfluff lint dbt_project --processes 2
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2 --dist loadfile

# The report's browser test opens the page in Chromium, from the distribution's packages.
# The Spark parity test runs pyspark, which needs a Java runtime (17), from the distribution.
java:  ## a Java 17 runtime for pyspark (apt, as root)
	command -v java >/dev/null || \
		{ apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless; }

browser:  ## headless Chromium for the report's screenshot and browser test (apt, as root)
	command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
		{ apt-get update -qq && apt-get install -y -qq chromium; }

report: install  ## the HTML report of the published marts (data/report/index.html)
	$(BIN)/usage-analytics report

lint: install  ## ruff (Python) and sqlfluff (the dbt project's SQL, .sqlfluff)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt_project --processes 2

dev: install  ## the Dagster UI with the asset graph on http://127.0.0.1:3000
	$(BIN)/usage-analytics sync-contracts
	PATH=$(CURDIR)/$(BIN):$$PATH DAGSTER_HOME=$(CURDIR)/.dagster_home \
		$(BIN)/dagster dev -m orchestration.definitions

# dbt's readers of the published marts: the `serving` target opens the serving copy read-only
# (dbt_project/profiles.yml), in a target folder of its own, so the parse the runs use in
# dbt_project/target stays as it is. Both read the warehouse USAGE_ANALYTICS_WAREHOUSE names
# (default data/warehouse.duckdb) through its serving copy; docs/semantic_layer.md.
SERVING_DBT := cd dbt_project && USAGE_ANALYTICS_DBT_TARGET=serving $(abspath $(BIN))/dbt

docs: install  ## dbt docs of the published marts: dbt_project/target/serving/static_index.html
	$(SERVING_DBT) docs generate --no-compile --static --target-path target/serving

semantic-layer: install  ## parse for MetricFlow's mf: its metrics then read the published marts
	$(SERVING_DBT) parse --target-path target/serving
	cp dbt_project/target/serving/semantic_manifest.json dbt_project/target/semantic_manifest.json

generate: install  ## regenerate the bundled sample (deterministic)
	rm -rf data/sample/events
	$(BIN)/usage-analytics generate --out data/sample/events --users 1500 --days 56 --seed 42 \
		--gzip

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs data/warehouse.duckdb*
