#!/usr/bin/env bash
# Makes sure a Docker engine answers, and that the host lets it run many systemd containers.
# Starts dockerd itself when none does (CI machines and containers without systemd), recording
# its pid so `tools/stop-docker.sh` stops only an engine that this project started.
set -euo pipefail

state_dir="${LOCALCLOUD_STATE_DIR:-$(cd "$(dirname "$0")/.." && pwd)/.localcloud}"

# Every emulated instance runs systemd, which takes several inotify instances of the host's per-user limit; at the
# kernel's default of 128, containers after about the 25th exit at boot (make bench runs 64).
min_inotify_instances=1024
if [ "$(cat /proc/sys/fs/inotify/max_user_instances)" -lt "$min_inotify_instances" ]; then
  # Not fatal: a host that refuses (not root, a read-only /proc/sys) still runs the tests' few instances.
  if [ "$(id -u)" -ne 0 ] || ! sysctl -q -w fs.inotify.max_user_instances="$min_inotify_instances" 2>/dev/null; then
    echo "fs.inotify.max_user_instances is below $min_inotify_instances: more than about 25 emulated instances will not boot" \
      "(sudo sysctl -w fs.inotify.max_user_instances=$min_inotify_instances)" >&2
  fi
fi
docker info >/dev/null 2>&1 && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "no Docker engine answers; start one (sudo systemctl start docker) or add yourself to the docker group" >&2
  exit 1
fi
mkdir -p "$state_dir"
echo "starting dockerd (log: $state_dir/dockerd.log)"
setsid dockerd >"$state_dir/dockerd.log" 2>&1 < /dev/null &
echo $! >"$state_dir/dockerd.pid"
for _ in $(seq 60); do
  docker info >/dev/null 2>&1 && exit 0
  sleep 1
done
echo "dockerd did not answer within 60 s; see $state_dir/dockerd.log" >&2
exit 1
