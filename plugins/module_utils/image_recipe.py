# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The recipe of a baked image: a hash of the files that say what playbooks/image.yml installs on it.

One rule for both ends: playbooks/image.yml tags the image it bakes with it (ec2mpi:image), and provision.yml with
ami_id baked looks for an image of it (plugins/module_utils/images.py), both through the image_recipe lookup. A change
to a package list or to how packages are installed is a new recipe, so that no cluster boots an image that lacks what
mpi-cluster.yml would install.
"""

import hashlib
from pathlib import Path
from typing import Iterable

# Relative to the collection's root. The package lists of every OS family (openmpi's, and the shared_dir role's sshfs),
# the tasks that install them, and the bake's own tasks.
RECIPE_FILES = (
    "roles/openmpi/vars/Debian.yml",
    "roles/openmpi/vars/RedHat.yml",
    "roles/openmpi/tasks/packages.yml",
    "roles/shared_dir/vars/Debian.yml",
    "roles/shared_dir/vars/RedHat.yml",
    "roles/image/tasks/install.yml",
)

# Hex digits kept: 48 bits tell recipes apart and fit in a name.
RECIPE_LENGTH = 12

COLLECTION_ROOT = Path(__file__).resolve().parents[2]


def recipe_hash(root: Path = COLLECTION_ROOT, files: Iterable[str] = RECIPE_FILES) -> str:
    """SHA-256 of each file's path and content, in the order given, cut to RECIPE_LENGTH hex digits.

    The path counts too, so that moving a line from one file to another is a new recipe."""
    digest = hashlib.sha256()
    for name in files:
        digest.update(name.encode() + b"\0")
        digest.update((root / name).read_bytes() + b"\0")
    return digest.hexdigest()[:RECIPE_LENGTH]
