#!/usr/bin/env bash
# `make demo`: the local EC2 emulator, then the playbooks against it, as a user would type them.
set -euo pipefail
cd "$(dirname "$0")/.."

localcloud up
ansible-playbook -i inventories/local provision.yml -e node_count="${NODE_COUNT:-4}"
ansible-inventory -i inventories/local --graph
ansible-playbook -i inventories/local mpi-cluster.yml
echo
echo "The emulator answers the AWS APIs on 127.0.0.1:${LOCALCLOUD_PORT:-5000}; its instances are"
echo "Docker containers. Log in to the head node with the ssh command in provision's summary and run"
echo "  mpirun --hostfile ~/hostfile -np <slots> hostname"
echo "Stop everything with: make localcloud-down"
