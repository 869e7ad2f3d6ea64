# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: misspelled_inputs
version_added: 0.1.0
short_description: The variable names that look like a misspelled input name
description:
  - For each name that is not one of O(inputs) but looks like one (a typo such as C(node_cout) for C(node_count)),
    maps it to the input it looks like. Names starting with C(ansible_) are never taken for typos.
  - The rule is C(misspelled_inputs) in C(plugins/module_utils/input_rules.py).
author:
  - ec2mpi developers (@ec2mpi)
options:
  _input:
    description: Variable names, for example from the C(ansible.builtin.varnames) lookup.
    type: list
    elements: str
    required: true
  inputs:
    description: The names of the inputs.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Warn about a typo such as -e node_cout=4
  ansible.builtin.debug:
    msg: "WARNING: {{ item.key }} is not an input; did you mean {{ item.value }}?"
  loop: "{{ lookup('ansible.builtin.varnames', '.+', wantlist=True) | ec2mpi.cluster.misspelled_inputs(['node_count']) | dict2items }}"
"""

RETURN = r"""
_value:
  description: Each misspelled name with the input it looks like; empty when there is none.
  type: dict
"""

from ansible_collections.ec2mpi.cluster.plugins.module_utils.input_rules import misspelled_inputs


class FilterModule:
    def filters(self):
        return {"misspelled_inputs": misspelled_inputs}
