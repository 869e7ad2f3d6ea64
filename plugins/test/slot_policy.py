# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: slot_policy
version_added: 0.1.0
short_description: Whether a value is an MPI slot policy
description:
  - "V(gpus), V(cores), V(vcpus), V(auto) or a whole number above 0: the policies the filter P(ec2mpi.cluster.mpi_slots#filter) counts slots by."
  - The rule lives in plugins/module_utils/cluster_nodes.py, with the filter's.
author:
  - ec2mpi developers (@ec2mpi)
options:
  _input:
    description: The value to check.
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Check mpi_slots
  ansible.builtin.assert:
    that: mpi_slots is ec2mpi.cluster.slot_policy
"""

RETURN = r"""
_value:
  description: Whether the value follows the rule.
  type: bool
"""

from ansible_collections.ec2mpi.cluster.plugins.module_utils.cluster_nodes import is_slot_policy


class TestModule:
    def tests(self):
        return {"slot_policy": is_slot_policy}
