# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: type_launch_tags
version_added: 0.2.0
short_description: The tags nodes of each instance type are launched with
description:
  - For each instance type, the tags a node of that type gets at launch and keeps (C(ec2mpi:gpus), C(ec2mpi:gpu-name),
    C(ec2mpi:cores), C(ec2mpi:vcpus)), which its MPI slots and the GPU check are read from.
  - Shaped as M(ec2mpi.cluster.ec2_cluster_instances) takes its O(ec2mpi.cluster.ec2_cluster_instances#module:capacity_fallbacks).
author:
  - ec2mpi developers (@ec2mpi)
options:
  _input:
    description: The instance types, each C(instance_type) and C(info) (M(ec2mpi.cluster.ec2_instance_type_offering)'s C(instance_type_info)).
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: The launch tags of the resolved type
  ansible.builtin.debug:
    msg: "{{ ([{'instance_type': offering.instance_type, 'info': offering.instance_type_info}] | ec2mpi.cluster.type_launch_tags)[0].launch_tags }}"
"""

RETURN = r"""
_value:
  description: One C(instance_type) and C(launch_tags) per input, in order.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ec2mpi.cluster.plugins.module_utils.cluster_nodes import type_tags


def type_launch_tags(instance_types):
    try:
        return [{"instance_type": item["instance_type"], "launch_tags": type_tags(item["info"])} for item in instance_types]
    except KeyError as error:
        raise AnsibleFilterError(f"type_launch_tags needs instance_type and info with cores and vcpus; an item has no {error}") from error


class FilterModule:
    def filters(self):
        return {"type_launch_tags": type_launch_tags}
