# One command to set up and run, one to set up and test. Everything lives in .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: app predict test setup setup-dev deploy clean

## Set up and start the app on http://127.0.0.1:7860 (or `make predict FILES=...` for the CLI)
app: setup
	$(BIN)/python app.py

predict: setup
	$(BIN)/python -m deforgify predict $(FILES)

## Set up and run the whole test suite
test: setup-dev
	$(BIN)/python -m pytest

setup: $(VENV)/.runtime
setup-dev: $(VENV)/.dev

$(VENV)/.runtime: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	@# The package itself, editable: `deforgify` in the venv, importable from anywhere (quietly:
	@# setuptools warns of every editable install).
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements-train.txt requirements-scan.txt $(VENV)/.runtime
	$(BIN)/python -m pip install -r requirements-dev.txt
	@# The browser tests drive Debian's Chromium (never a downloaded browser build).
	command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium chromium-driver)
	touch $@

## Upload what the Space serves to the Hub Space SPACE=OWNER/NAME (token: HF_TOKEN or `hf auth login`);
## the Space's other files go in the same commit (a file removed or renamed here stayed there)
SPACE_FILES := app.py README.md docs/* requirements.txt LICENSE .gitattributes deforgify/* examples/*
deploy: setup
	@test -n "$(SPACE)" || { echo "usage: make deploy SPACE=OWNER/NAME" >&2; exit 2; }
	$(BIN)/hf upload $(SPACE) . . --repo-type space $(foreach f,$(SPACE_FILES),--include '$(f)') \
		--exclude '*__pycache__*' --exclude '*.pyc' --exclude '*.pyi' --delete '*' --commit-message "Deploy Deforgify $$(git describe --always --dirty 2>/dev/null)"

clean:
	rm -rf $(VENV)
