# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from pathlib import Path

import pytest
import yaml

from ansible_collections.ec2mpi.cluster.plugins.module_utils.images import image_lookup
from ansible_collections.ec2mpi.cluster.plugins.module_utils.instance_types import builtin_instance_type_facts

# The images and legacy GPUs as the preflight role passes them: the test reads the one home of those facts.
PREFLIGHT_VARS = yaml.safe_load((Path(__file__).parents[4] / "roles/preflight/vars/main.yml").read_text())
DEFAULTS = PREFLIGHT_VARS["preflight_default_images"]
LEGACY = PREFLIGHT_VARS["preflight_legacy_gpus"]
PROPRIETARY = PREFLIGHT_VARS["preflight_proprietary_driver_gpus"]
G4DN = {"gpu_count": 1, "gpus": [{"count": 1, "manufacturer": "NVIDIA", "name": "T4", "memory_mib": 16384}]}
M7I = {"gpu_count": 0, "gpus": []}
P2 = builtin_instance_type_facts("p2.xlarge")


def lookup(info, instance_type, ami_id="", ami_owner="", ami_name_filter=""):
    return image_lookup(info, instance_type, ami_id, ami_owner, ami_name_filter, DEFAULTS, PROPRIETARY, LEGACY)


def test_a_gpu_type_boots_the_deep_learning_base_driver_image_of_amazon():
    assert lookup(G4DN, "g4dn.xlarge") == {"owner": "amazon", "name": "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) *"}


def test_a_gpu_older_than_turing_boots_the_proprietary_driver_image():
    assert lookup(builtin_instance_type_facts("p3.2xlarge"), "p3.2xlarge") == {
        "owner": "amazon",
        "name": "Deep Learning Base Proprietary Nvidia Driver GPU AMI (Ubuntu 22.04) *",
    }


def test_a_type_without_gpus_boots_canonical_ubuntu():
    assert lookup(M7I, "m7i.large") == {"owner": "099720109477", "name": "ubuntu/images/hvm-ssd*/ubuntu-jammy-22.04-amd64-server-*"}


@pytest.mark.parametrize("info, instance_type", [(G4DN, "g4dn.xlarge"), (M7I, "m7i.large"), (P2, "p2.xlarge")])
def test_ami_id_wins_for_every_type(info, instance_type):
    assert lookup(info, instance_type, ami_id="ami-0123456789abcdef0", ami_owner="x") == {"image_id": "ami-0123456789abcdef0"}


def test_owner_and_name_inputs_replace_the_default_s():
    assert lookup(G4DN, "g4dn.xlarge", ami_name_filter="my-cuda-image-*") == {"owner": "amazon", "name": "my-cuda-image-*"}
    assert lookup(M7I, "m7i.large", ami_owner="111122223333") == {
        "owner": "111122223333",
        "name": "ubuntu/images/hvm-ssd*/ubuntu-jammy-22.04-amd64-server-*",
    }


def test_p2_without_ami_id_names_the_driver_branch_and_the_inputs_to_set():
    assert lookup(P2, "p2.xlarge", ami_name_filter="anything-*") == {
        "problem": "p2.xlarge has K80 GPUs, which need the NVIDIA R470 driver branch that current driver images dropped: "
        "set ami_id to an image with that driver, or instance_type to a current GPU type (e.g. g4dn.xlarge)"
    }


@pytest.mark.parametrize("info, instance_type", [(G4DN, "g4dn.xlarge"), (M7I, "m7i.large"), (P2, "p2.xlarge")])
def test_baked_looks_for_the_account_s_available_image_of_the_recipe_and_the_type_s_architectures(info, instance_type):
    info = {**info, "architectures": ["x86_64"]}
    assert image_lookup(info, instance_type, "baked", "", "", DEFAULTS, PROPRIETARY, LEGACY, "3f2a9c0d41b7") == {
        "owner": "self",
        "filters": {"tag:ec2mpi:image": "3f2a9c0d41b7", "architecture": ["x86_64"], "state": "available"},
        "recipe": "3f2a9c0d41b7",
        "architectures": ["x86_64"],
    }
