#!/usr/bin/env bash
# Stops the Docker engine only if tools/ensure-docker.sh started it.
set -euo pipefail

state_dir="${LOCALCLOUD_STATE_DIR:-$(cd "$(dirname "$0")/.." && pwd)/.localcloud}"
pid_file="$state_dir/dockerd.pid"
[ -f "$pid_file" ] || exit 0
pid=$(cat "$pid_file")
if kill "$pid" 2>/dev/null; then
  for _ in $(seq 30); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
fi
rm -f "$pid_file"
