# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: shared_dir_problem
version_added: 0.1.0
short_description: Why a path cannot be the cluster's shared directory, or an empty string
description:
  - The rule of the input C(shared_dir), kept once in the collection's input rules; the inputs role fails with its answer.
  - Refused are a relative path, C(/), a path not written plainly (C(//), C(.), C(..), a trailing C(/)), names with characters other
    than letters, digits and C(. _ + -), the system directories and everything under them (C(/bin), C(/boot), C(/dev), C(/etc),
    C(/lib*), C(/lost+found), C(/proc), C(/root), C(/run), C(/sbin), C(/snap), C(/sys), C(/tmp), C(/usr), C(/var)), the directories
    of directories themselves (C(/home), C(/media), C(/mnt), C(/opt), C(/srv)), and a user's home (C(/home/<name>)).
author:
  - ec2mpi developers (@ec2mpi)
options:
  _input:
    description: The path.
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Check shared_dir
  ansible.builtin.assert:
    that: shared_dir | ec2mpi.cluster.shared_dir_problem == ''
    fail_msg: "shared_dir '{{ shared_dir }}' {{ shared_dir | ec2mpi.cluster.shared_dir_problem }}; use e.g. /shared"
"""

RETURN = r"""
_value:
  description: A few words that follow the path in a message (C(is the root directory)); empty when the path is fine.
  type: str
"""

from ansible_collections.ec2mpi.cluster.plugins.module_utils.input_rules import shared_dir_problem


class FilterModule:
    def filters(self):
        return {"shared_dir_problem": shared_dir_problem}
