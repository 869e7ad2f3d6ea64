# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: head_first
version_added: 0.1.0
short_description: Order a cluster's nodes head first, as ec2_cluster_instances elects the head
description:
  - Sorts nodes so the one tagged C(ec2mpi:role=head) comes first, then the others by launch time and instance id.
  - This is the order of M(ec2mpi.cluster.ec2_cluster_instances)' result, the MPI hostfile and the status report,
    so the first node is the one the smoke test runs C(mpirun) on.
  - Takes nodes as the C(amazon.aws.aws_ec2) inventory's hostvars, M(ec2mpi.cluster.ec2_cluster_instances) or
    M(ec2mpi.cluster.ec2_cluster_info) describe them (C(tags), C(launch_time), and C(instance_id) or C(id)).
author:
  - ec2mpi developers (@ec2mpi)
options:
  _input:
    description: The nodes.
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: The head node of the play's hosts
  ansible.builtin.set_fact:
    head: "{{ (ansible_play_hosts_all | map('extract', hostvars) | ec2mpi.cluster.head_first | first).inventory_hostname }}"
"""

RETURN = r"""
_value:
  description: The same nodes, head first.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ec2mpi.cluster.plugins.module_utils.cluster_nodes import head_first_key


def head_first(nodes):
    try:
        return sorted(nodes, key=lambda node: head_first_key(node["tags"], node["launch_time"], node.get("instance_id", node.get("id"))))
    except KeyError as error:
        raise AnsibleFilterError(f"head_first needs nodes with tags and launch_time; a node has no {error}") from error


class FilterModule:
    def filters(self):
        return {"head_first": head_first}
