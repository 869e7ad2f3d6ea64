# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: instance_type
version_added: 0.1.0
short_description: Whether a value is shaped like an EC2 instance type
description:
  - family.size in lower case, for example g4dn.xlarge, p4de.24xlarge, u-6tb1.metal or c7i.metal-24xl; whether a region offers it is for AWS to say.
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
- name: Check instance_type
  ansible.builtin.assert:
    that: instance_type is ec2mpi.cluster.instance_type
"""

RETURN = r"""
_value:
  description: Whether the value follows the rule.
  type: bool
"""

from ansible_collections.ec2mpi.cluster.plugins.module_utils.input_rules import is_instance_type


class TestModule:
    def tests(self):
        return {"instance_type": is_instance_type}
