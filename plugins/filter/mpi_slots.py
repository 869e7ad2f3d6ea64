# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: mpi_slots
version_added: 0.1.0
short_description: The MPI slots of a node, from the tags ec2mpi gives its instances
description:
  - Reads the counts the instances role tags every node with (C(ec2mpi:gpus), C(ec2mpi:cores), C(ec2mpi:vcpus)).
  - One rule for the hostfile, the provision summary and the status report.
author:
  - ec2mpi developers (@ec2mpi)
positional: policy
options:
  _input:
    description: The node's tags.
    type: dict
    required: true
  policy:
    description:
      - V(gpus), V(cores) or V(vcpus) count that, a whole number above 0 is that many slots on every node,
        V(auto) is the GPUs where the node has any, else its cores.
    type: raw
    default: auto
"""

EXAMPLES = r"""
- name: Slots of every node in the play, as the hostfile has them
  ansible.builtin.debug:
    msg: "{{ ansible_play_hosts_all | map('extract', hostvars, 'tags') | map('ec2mpi.cluster.mpi_slots', 'auto') | sum }} slots"
"""

RETURN = r"""
_value:
  description: The number of slots.
  type: int
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ec2mpi.cluster.plugins.module_utils.cluster_nodes import slots


def mpi_slots(tags, policy="auto"):
    try:
        return slots(tags, policy)
    except ValueError as error:
        raise AnsibleFilterError(f"mpi_slots: {error}") from error


class FilterModule:
    def filters(self):
        return {"mpi_slots": mpi_slots}
