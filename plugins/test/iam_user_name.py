# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: iam_user_name
version_added: 0.1.0
short_description: Whether a value is a valid IAM user name
description:
  - 1 to 64 letters, digits or any of +=,.@_-, as IAM requires.
  - The rule lives in plugins/module_utils/input_rules.py.
author:
  - ec2mpi developers (@ec2mpi)
options:
  _input:
    description: The value to check.
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Check operator_users
  ansible.builtin.assert:
    that: operator_users is all('ec2mpi.cluster.iam_user_name')
"""

RETURN = r"""
_value:
  description: Whether the value follows the rule.
  type: bool
"""

from ansible_collections.ec2mpi.cluster.plugins.module_utils.input_rules import is_iam_user_name


class TestModule:
    def tests(self):
        return {"iam_user_name": is_iam_user_name}
