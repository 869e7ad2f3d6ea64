#!/usr/bin/env bash
# `make demo`: the local EC2 emulator, then the playbooks against it, as a user would type them on AWS.
set -euo pipefail
cd "$(dirname "$0")/.."

localcloud up
# What points every AWS client at the emulator: the only difference from a run on AWS.
eval "$(localcloud env)"
# ssh_allowed_cidrs has no default: on AWS, your own address. The cluster's keys stay in the checkout.
inputs=(-e '{"ssh_allowed_cidrs": ["192.0.2.10/32"]}' -e "cluster_local_dir=$PWD/.ec2mpi/mpi")
ansible-playbook provision.yml "${inputs[@]}" -e node_count="${NODE_COUNT:-4}"
ansible-inventory -i inventories/aws_ec2.yml --graph cluster_mpi
ansible-playbook mpi-cluster.yml "${inputs[@]}"
echo
echo "The emulator answers the AWS APIs on 127.0.0.1:${LOCALCLOUD_PORT:-5000}; its instances are"
echo "Docker containers, reached at their public IPs as on AWS. Log in to the head node with the ssh"
echo "command in provision's summary and run"
echo "  mpirun --hostfile ~/hostfile -np <slots> hostname"
echo "Point your shell at the emulator with: eval \"\$(.venv/bin/localcloud env)\""
echo "Stop everything with: make localcloud-down"
