#!/usr/bin/env bash
# `make demo`: the local EC2 emulator, then the two playbooks against it.
set -euo pipefail
cd "$(dirname "$0")/.."

localcloud up
localcloud status
echo
echo "The emulator answers the AWS APIs on 127.0.0.1:${LOCALCLOUD_PORT:-5000};"
echo "its instances are Docker containers. Stop it with: make localcloud-down"
