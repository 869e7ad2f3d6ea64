# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: hourly_cost
version_added: 0.1.0
short_description: What running instances cost per hour, from recorded on-demand prices
description:
  - Sums the recorded price of each instance type given, once per instance. Gives V(None) rather than a guess when
    the region's prices were not recorded or any type has no price. No instances cost V(0.0).
  - The rule is C(hourly_cost) in C(plugins/module_utils/hourly_cost.py); status.yml's cost line and its list of
    clusters both use it.
author:
  - ec2mpi developers (@ec2mpi)
positional: region, prices, priced_regions
options:
  _input:
    description: The instance type of each running instance.
    type: list
    elements: str
    required: true
  region:
    description: The region the instances run in.
    type: str
    required: true
  prices:
    description: USD per instance-hour by instance type (C(ec2_hourly_prices) in C(playbooks/vars/ec2_hourly_prices.yml)).
    type: dict
    required: true
  priced_regions:
    description: The regions those prices are for (C(ec2_hourly_prices_regions)).
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Say what the running nodes cost
  ansible.builtin.debug:
    msg: "{{ running | map(attribute='instance_type') | ec2mpi.cluster.hourly_cost(aws_region, ec2_hourly_prices, ec2_hourly_prices_regions) }}"
"""

RETURN = r"""
_value:
  description: USD per hour, or V(None) when not every price is known.
  type: float
"""

from ansible_collections.ec2mpi.cluster.plugins.module_utils.hourly_cost import hourly_cost


class FilterModule:
    def filters(self):
        return {"hourly_cost": hourly_cost}
