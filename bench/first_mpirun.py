# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The first-mpirun suite: time to the first mpirun from nothing, provision.yml then mpi-cluster.yml, with and without the baked image."""

from pathlib import Path

from localcloud.session import Emulator

import baked_image
import mpi_cluster
from measurement import Measurement, Timing, measure
from playbook import cluster_name, timed_playbook

BASE_SUITE = "first-mpirun-base"
BAKED_SUITE = "first-mpirun-baked"
# provision.yml's -e per suite: none boots the instance type's default image, as a new user's first run does.
IMAGE_INPUTS = {BASE_SUITE: {}, BAKED_SUITE: {"ami_id": baked_image.AMI_ID}}


def run(emulator: Emulator, nodes: int, repeat: int, files_dir: Path) -> list[Measurement]:
    """One cluster per image, each measured as one run of both playbooks and torn down (not measured) before the next."""
    measurements = []
    for suite, image_inputs in IMAGE_INPUTS.items():
        cluster = cluster_name("first", nodes, repeat)
        measurements.append(measure(emulator, suite, nodes, repeat,
                                    lambda: from_nothing(emulator, cluster, nodes, files_dir, image_inputs)))
        mpi_cluster.teardown(emulator, cluster, files_dir)
    return measurements


def from_nothing(emulator: Emulator, cluster: str, nodes: int, files_dir: Path, image_inputs: dict[str, str]) -> Timing:
    """provision.yml, then mpi-cluster.yml up to its smoke test: the seconds of both (the CPU and requests are measure's)."""
    provisioned = timed_playbook(emulator, "provision.yml", cluster, files_dir, node_count=nodes, **image_inputs)
    return Timing(seconds=provisioned.seconds + mpi_cluster.setup(emulator, cluster, nodes, files_dir).seconds)
