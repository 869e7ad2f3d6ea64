#!/usr/bin/env bash
# Installs the system packages the tests need when they are missing: a Docker engine and iptables,
# debootstrap for the emulator's base image, an SSH client, shellcheck for ansible-test.
# Only as root on apt systems; elsewhere it names what is missing and how to get it,
# because sudo prompts do not belong in `make`.
set -euo pipefail

declare -A package_for=([dockerd]=docker.io [docker]=docker.io [iptables]=iptables [debootstrap]=debootstrap [ssh]=openssh-client [ssh-keygen]=openssh-client [shellcheck]=shellcheck)
missing=()
for command in "${!package_for[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${package_for[$command]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "missing system packages: ${missing[*]}; install them (Debian/Ubuntu: sudo apt-get install ${missing[*]}) and rerun" >&2
  exit 1
fi
echo "installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
