# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The mpi-cluster suite: mpi-cluster.yml on a provisioned cluster whose nodes are the emulator's containers."""

import time
from pathlib import Path

from localcloud.session import Emulator

from measurement import BenchError, Measurement, measure
from playbook import cluster_name, timed_playbook

SUITE = "mpi-cluster"
RERUN_SUITE = "mpi-cluster-rerun"
# The reconciler removes a terminated instance's container (sshd gets a few seconds to stop) in its next passes.
CLEANUP_TIMEOUT = 120


def run(emulator: Emulator, nodes: int, repeat: int, files_dir: Path) -> list[Measurement]:
    """Provision (not measured), mpi-cluster.yml twice (both measured), then tear the cluster down.

    The teardown is not optional, and neither is waiting for its containers and network to go:
    every cluster gets the default vpc_cidr, the emulator makes a Docker network per subnet, and
    two networks with one CIDR cannot exist side by side. When a run fails, the bench stops and
    `localcloud down` removes what is left."""
    cluster = cluster_name("mpi", nodes, repeat)
    timed_playbook(emulator, "provision.yml", cluster, files_dir, node_count=nodes)
    measurements = [
        measure(emulator, suite, nodes, repeat, lambda: timed_playbook(emulator, "mpi-cluster.yml", cluster, files_dir))
        for suite in (SUITE, RERUN_SUITE)
    ]
    timed_playbook(emulator, "playbooks/teardown.yml", cluster, files_dir, teardown_iam="true", teardown_local_files="true")
    wait_until_gone(emulator, cluster)
    return measurements


def wait_until_gone(emulator: Emulator, cluster: str) -> None:
    """Until the reconciler has removed every container and network of the torn-down cluster."""
    deadline = time.monotonic() + CLEANUP_TIMEOUT
    while left := emulator.docker_objects():
        if time.monotonic() > deadline:
            raise BenchError(f"{CLEANUP_TIMEOUT} s after the teardown of {cluster}, the emulator still has {', '.join(left)}: "
                             f"see the reconciler's log in {emulator.state_dir}")
        time.sleep(1)
