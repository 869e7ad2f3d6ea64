# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: image_lookup
version_added: 0.2.0
short_description: What image a cluster's nodes boot, by instance type and the image inputs
description:
  - With O(ami_id), that image. Otherwise the default image of the type (a driver image for types with NVIDIA GPUs,
    with the proprietary driver for GPUs older than Turing, plain Ubuntu for the others), whose owner and name
    pattern O(ami_owner) and O(ami_name_filter) replace.
  - O(ami_id=baked) asks for the newest available image owned by the account that C(playbooks/image.yml) baked from
    O(recipe) for one of the type's architectures; the result holds C(owner), C(filters), C(recipe), C(architectures).
  - A type whose GPUs current drivers dropped (P2's K80) gets no default, and the result holds a C(problem) instead.
  - The rule lives in plugins/module_utils/images.py; the images in roles/preflight/vars/main.yml.
author:
  - ec2mpi developers (@ec2mpi)
positional: instance_type, ami_id, ami_owner, ami_name_filter, default_images, proprietary_driver_gpus, legacy_gpus, recipe
options:
  _input:
    description: The type's facts as M(ec2mpi.cluster.ec2_instance_type_offering) returns them (C(gpus), C(gpu_count), C(architectures)).
    type: dict
    required: true
  instance_type:
    description: The type's name, for the message.
    type: str
    required: true
  ami_id:
    description: The image id input; empty for the default.
    type: str
    required: true
  ami_owner:
    description: The owner input; empty for the default image's owner.
    type: str
    required: true
  ami_name_filter:
    description: The name pattern input; empty for the default image's name.
    type: str
    required: true
  default_images:
    description: C(gpu), C(gpu_proprietary) and C(cpu), each with C(owner) and C(name).
    type: dict
    required: true
  proprietary_driver_gpus:
    description: GPU names that need the proprietary driver image.
    type: list
    elements: str
    required: true
  legacy_gpus:
    description: GPU names current drivers dropped, with the driver branch they need.
    type: dict
    required: true
  recipe:
    description: With O(ami_id=baked), the recipe hash (P(ec2mpi.cluster.image_recipe#lookup)) the image must be tagged with.
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Choose the image to look up
  ansible.builtin.set_fact:
    image: >-
      {{ offering.instance_type_info | ec2mpi.cluster.image_lookup(offering.instance_type, ami_id, ami_owner, ami_name_filter,
      {'gpu': {'owner': 'amazon', 'name': 'Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) *'},
       'gpu_proprietary': {'owner': 'amazon', 'name': 'Deep Learning Base Proprietary Nvidia Driver GPU AMI (Ubuntu 22.04) *'},
       'cpu': {'owner': '099720109477', 'name': 'ubuntu/images/hvm-ssd*/ubuntu-jammy-22.04-amd64-server-*'}}, ['V100'], {'K80': 'R470'}) }}
"""

RETURN = r"""
_value:
  description: >-
    C(image_id); or C(owner) and C(name) to look up; or, for a baked image, C(owner) and C(filters); or C(problem), one line
    naming the inputs to set.
  type: dict
"""

from ansible_collections.ec2mpi.cluster.plugins.module_utils.images import image_lookup


class FilterModule:
    def filters(self):
        return {"image_lookup": image_lookup}
