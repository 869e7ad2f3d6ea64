# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: cluster_name
version_added: 0.1.0
short_description: Whether a value is a valid ec2mpi cluster name
description:
  - Letters, digits and hyphens, starting with a letter, at most 32 characters.
  - The rule lives in plugins/module_utils/input_rules.py, which the modules use too.
author:
  - ec2mpi developers (@ec2mpi)
options:
  _input:
    description: The value to check.
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Check cluster_name
  ansible.builtin.assert:
    that: cluster_name is ec2mpi.cluster.cluster_name
"""

RETURN = r"""
_value:
  description: Whether the value follows the rule.
  type: bool
"""

from ansible_collections.ec2mpi.cluster.plugins.module_utils.input_rules import is_cluster_name


class TestModule:
    def tests(self):
        return {"cluster_name": is_cluster_name}
