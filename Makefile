# ec2mpi: every entry point of the project. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := $(CURDIR)/.venv
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed
# Flags of bench/run.py, e.g. make bench BENCH_ARGS="--suites provision --repeats 1" (see bench/README.md).
BENCH_ARGS ?=
export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

.PHONY: help deps system-deps docker lint sanity unit localcloud-test integration molecule test demo \
        localcloud-up localcloud-down localcloud-status bench build clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

deps: $(STAMP) ## The virtualenv with the Python deps (no root, no Docker needed)

system-deps: ## System packages for sanity and the emulator: shellcheck, Docker, debootstrap, ssh (installed as root on Debian/Ubuntu)
	@tools/install-system-deps.sh

$(STAMP): requirements.txt requirements-dev.txt emulator/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

docker: deps system-deps ## Make sure a Docker engine answers (starts dockerd when none does)
	@tools/ensure-docker.sh

lint: deps ## ansible-lint (production profile), yamllint, parliament on the IAM operator policy
	yamllint --strict .
	ansible-lint --profile production
	python tools/lint-iam-policy.py

sanity: deps system-deps ## ansible-test sanity, offline, on a copy of the collection
	@$(VENV)/bin/python tools/ansible-test-offline.py
	tools/sanity.sh

unit: deps ## pytest for modules and module_utils (moto in-process, botocore Stubber)
	pytest tests/unit

localcloud-test: docker ## The local EC2 emulator's own acceptance tests (moto server + Docker)
	pytest emulator/tests

integration: docker ## Playbooks and roles against emulators on 127.0.0.1 (API only, and with nodes)
	pytest --numprocesses auto tests/integration

molecule: docker ## Every Molecule scenario (end to end against the local emulator)
	eval "$$(localcloud env)" && molecule test --all

test: lint sanity unit localcloud-test integration molecule ## Everything CI runs

demo: docker ## The two playbooks end to end against the local emulator
	tools/demo.sh

localcloud-up: docker ## Start the local EC2 emulator (moto server on 127.0.0.1 + instance containers); prints its export lines
	localcloud up

localcloud-down: ## Stop the emulator and remove every container and network it made
	@if [ -x $(VENV)/bin/localcloud ]; then localcloud down; fi

localcloud-status: deps ## Show the emulator's processes and instance containers
	localcloud status

bench: docker $(BENCH_STAMP) ## Benchmarks: tables, CSV and plot in bench/results/ (never part of `make test`); flags in BENCH_ARGS
	python bench/run.py $(BENCH_ARGS)

$(BENCH_STAMP): bench/requirements.txt $(STAMP)
	$(VENV)/bin/pip install --quiet -r bench/requirements.txt
	touch $@

build: deps ## Build the collection artifact into build/
	ansible-galaxy collection build --force --output-path build/

clean: localcloud-down ## Remove the venv, build output and emulator state
	rm -rf $(VENV) build .localcloud
