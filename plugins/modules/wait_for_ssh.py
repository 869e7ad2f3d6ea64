# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# The work is done by the action plugin of the same name, on the controller: this file documents it.

DOCUMENTATION = r"""
---
module: wait_for_ssh
version_added: 0.1.0
short_description: Wait until every node's SSH server answers, saying how many do
description:
  - From the controller, connects to port O(port) of every node in O(nodes) until each answers with an SSH server's
    greeting, and shows how many do (V(2/4 nodes answer SSH after 40 s)) whenever that changes and at least every
    25 seconds, so that a wait for booting nodes is never silent.
  - Only the greeting is read and nothing is sent. Logging in is M(ansible.builtin.wait_for_connection)'s job, which
    then succeeds at once.
  - Fails after O(timeout) seconds naming the nodes that do not answer.
author:
  - ec2mpi developers (@ec2mpi)
options:
  nodes:
    description: The nodes, each with a name (for messages) and the address the controller reaches it at.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The node's name, for example its instance id.
        type: str
        required: true
      address:
        description: The address the controller reaches the node at.
        type: str
        required: true
  port:
    description: The SSH port.
    type: int
    default: 22
  timeout:
    description: Seconds to wait for all of them.
    type: int
    default: 300
attributes:
  check_mode:
    support: full
    description: Reads only; runs in check mode too.
"""

EXAMPLES = r"""
- name: Wait for SSH on every node, saying how many answer
  ec2mpi.cluster.wait_for_ssh:
    nodes:
      - {name: i-0123456789abcdef0, address: 198.51.100.7}
      - {name: i-0fedcba9876543210, address: 198.51.100.8}
    timeout: 300
"""

RETURN = r"""
elapsed:
  description: Seconds it waited.
  returned: always
  type: int
  sample: 42
"""
