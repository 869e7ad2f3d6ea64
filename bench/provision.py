# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The provision suite: provision.yml from an empty account, and its no-op re-run, on the API-only emulator."""

from pathlib import Path

from localcloud.session import Emulator

from measurement import Measurement, Timing, measure
from playbook import cluster_name, timed_playbook

SUITE = "provision"
RERUN_SUITE = "provision-rerun"


def provision(emulator: Emulator, cluster: str, nodes: int, files_dir: Path) -> Timing:
    """One run of the first of the two commands."""
    return timed_playbook(emulator, "provision.yml", cluster, files_dir, node_count=nodes)


def first_run(emulator: Emulator, nodes: int, repeat: int, files_dir: Path) -> Measurement:
    """provision.yml for a new cluster of `nodes` in an empty account."""
    emulator.reset_state()
    cluster = cluster_name("prov", nodes, repeat)
    return measure(emulator, SUITE, nodes, repeat, lambda: provision(emulator, cluster, nodes, files_dir))


def rerun(emulator: Emulator, nodes: int, repeat: int, files_dir: Path) -> Measurement:
    """provision.yml again, identically, on a cluster it has just provisioned: only the second run is measured."""
    emulator.reset_state()
    cluster = cluster_name("rerun", nodes, repeat)
    provision(emulator, cluster, nodes, files_dir)
    return measure(emulator, RERUN_SUITE, nodes, repeat, lambda: provision(emulator, cluster, nodes, files_dir))
