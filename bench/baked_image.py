# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The bench's baked image: playbooks/image.yml once per bench run, measured, and removed again at the end.

Nodes booted from it install nothing (docs/baked_images.md): what is left of mpi-cluster.yml is the
controller's work per node, which is what the mpi suite measures at 64 nodes."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from localcloud.session import Emulator

import mpi_cluster
from measurement import BenchError, Measurement, measure
from playbook import cluster_name, timed_playbook

SUITE = "image-bake"
PLAYBOOK = "playbooks/image.yml"
# provision.yml's ami_id that boots the newest image of the recipe.
AMI_ID = "baked"


@contextmanager
def baked(emulator: Emulator, files_dir: Path) -> Iterator[Measurement]:
    """Bake (measured, as one node), yield the bake's measurement, and remove every image on the way out.

    The bake's temporary node is deleted inside image.yml, so its CPU counter is gone when the run
    ends: the row has no nodes CPU. Waiting until its network is gone lets the first cluster reuse
    the CIDR. A failed removal raises unless another error is already on its way out (then it is
    printed, not to hide that one); `localcloud down` removes the committed images anyway."""
    cluster = cluster_name("bake", 1, 1)
    measurement = measure(emulator, SUITE, 1, 1, lambda: timed_playbook(emulator, PLAYBOOK, cluster, files_dir), nodes_cpu=False)
    mpi_cluster.wait_until_gone(emulator, cluster)
    leaving_on_error = True
    try:
        yield measurement
        leaving_on_error = False
    finally:
        try:
            timed_playbook(emulator, PLAYBOOK, cluster, files_dir, state="absent")
        except BenchError as error:
            if not leaving_on_error:
                raise
            print(f"removing the baked images failed too: {error}", file=sys.stderr)
