#!/usr/bin/env bash
# `make bench`: benchmarks print tables; they are never part of `make test`.
set -euo pipefail
echo "no benchmarks yet: bench/ arrives with the benchmark issue"
