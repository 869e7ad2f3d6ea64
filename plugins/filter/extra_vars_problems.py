# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: extra_vars_problems
version_added: 0.1.0
short_description: What is wrong with a cluster file and the -e sources beside it
description:
  - Judges the -e sources the lookup P(ec2mpi.cluster.extra_vars_sources#lookup) returns, one line per problem, each
    naming the file and the key.
  - A key of a cluster file (C(-e @file)) that is not one of O(inputs) is a problem, named with the input it looks like by
    the rule of P(ec2mpi.cluster.misspelled_inputs#filter); names starting with C(ansible_) are Ansible's own and allowed.
  - So is a variable that a cluster file and another -e source set to different values, named with both values (Ansible
    would silently keep the last). A C(key=value) word agrees with a file's value that YAML reads the same (C(node_count=1)
    and C(1)).
  - The rules are in C(plugins/module_utils/cluster_file.py).
author:
  - ec2mpi developers (@ec2mpi)
positional: inputs
options:
  _input:
    description: The -e sources, as the lookup P(ec2mpi.cluster.extra_vars_sources#lookup) returns them.
    type: list
    elements: dict
    required: true
  inputs:
    description: The names of the inputs.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Fail on a misspelled key in a cluster file, or one that another -e contradicts
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join('; ') }}"
  vars:
    problems: "{{ lookup('ec2mpi.cluster.extra_vars_sources', wantlist=True) | ec2mpi.cluster.extra_vars_problems(['cluster_name', 'node_count']) }}"
"""

RETURN = r"""
_value:
  description: One line per problem, unknown keys first; empty when there is none.
  type: list
  elements: str
  sample: ["clusters/lab.yml: node_cout is not an input, so it would have no effect; did you mean node_count? (every input: clusters/example.yml)"]
"""

from ansible_collections.ec2mpi.cluster.plugins.module_utils.cluster_file import problems


class FilterModule:
    def filters(self):
        return {"extra_vars_problems": problems}
