# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The mpi-cluster suite: mpi-cluster.yml on a provisioned cluster whose nodes are the emulator's containers."""

import re
import time
from pathlib import Path

from localcloud.containers import SUBNET_LABEL
from localcloud.session import Emulator

from measurement import BenchError, Measurement, Timing, measure
from playbook import cluster_name, timed_playbook

SUITE = "mpi-cluster"
RERUN_SUITE = "mpi-cluster-rerun"
# The reconciler removes a terminated instance's containers one after another in its next passes (64 of them take
# about a minute on two busy cores), then the network.
CLEANUP_TIMEOUT = 300


def run(emulator: Emulator, nodes: int, repeat: int, files_dir: Path, ami_id: str) -> list[Measurement]:
    """Provision from ami_id (not measured), mpi-cluster.yml twice (both measured), then tear the cluster down."""
    cluster = cluster_name("mpi", nodes, repeat)
    timed_playbook(emulator, "provision.yml", cluster, files_dir, node_count=nodes, ami_id=ami_id)
    measurements = [measure(emulator, suite, nodes, repeat, lambda: setup(emulator, cluster, nodes, files_dir))
                    for suite in (SUITE, RERUN_SUITE)]
    teardown(emulator, cluster, files_dir)
    return measurements


def setup(emulator: Emulator, cluster: str, nodes: int, files_dir: Path) -> Timing:
    """mpi-cluster.yml, which must end with its smoke test answered from every node.

    The smoke test fails the playbook when a node's ranks are missing; the bench reads its verdict
    too (roles/mpi_smoke_test's success message), so that no figure comes from a run that skipped it."""
    smoke_test_passed = re.compile(rf"MPI smoke test passed: \d+ ranks on {nodes} nodes")
    return timed_playbook(emulator, "mpi-cluster.yml", cluster, files_dir, expect=smoke_test_passed)


def teardown(emulator: Emulator, cluster: str, files_dir: Path) -> None:
    """playbooks/teardown.yml, then wait for the containers and network to go.

    Neither is optional: every cluster of the bench gets the same vpc_cidr, the emulator makes a
    Docker network per subnet, and two networks with one CIDR cannot exist side by side. When a
    run fails, the bench stops and `localcloud down` removes what is left."""
    timed_playbook(emulator, "playbooks/teardown.yml", cluster, files_dir, teardown_iam="true", teardown_local_files="true")
    wait_until_gone(emulator, cluster)


def wait_until_gone(emulator: Emulator, cluster: str) -> None:
    """Until the reconciler has removed every container and subnet network of the torn-down cluster."""
    deadline = time.monotonic() + CLEANUP_TIMEOUT
    while left := cluster_objects(emulator):
        if time.monotonic() > deadline:
            raise BenchError(f"{CLEANUP_TIMEOUT} s after the teardown of {cluster}, the emulator still has {', '.join(left)}: "
                             f"see the reconciler's log in {emulator.state_dir}")
        time.sleep(1)


def cluster_objects(emulator: Emulator) -> list[str]:
    """Names of the emulator's instance containers and subnet networks.

    Not its public network: that one carries the public IPs of every cluster and lives as long as the emulator."""
    return [container.name for container in emulator.containers()] + [
        network.name for network in emulator.networks() if network.attrs.get("Labels", {}).get(SUBNET_LABEL)]
