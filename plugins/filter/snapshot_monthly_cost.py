# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: snapshot_monthly_cost
version_added: 0.3.0
short_description: What keeping EBS snapshots costs per month, from the recorded price
description:
  - The size in GiB times the recorded price per GiB-month; V(None) rather than a guess in a region whose price was not
    recorded. An upper bound, as snapshots bill the blocks written.
  - The rule is C(snapshot_monthly_cost) in C(plugins/module_utils/hourly_cost.py), beside the instances' hourly cost;
    status.yml's list of baked images uses it.
author:
  - ec2mpi developers (@ec2mpi)
positional: region, price_gib_month, priced_regions
options:
  _input:
    description: The snapshots' size in GiB.
    type: float
    required: true
  region:
    description: The region the snapshots are in.
    type: str
    required: true
  price_gib_month:
    description: USD per GiB-month (C(ec2_snapshot_price_gib_month) in C(playbooks/vars/ec2_hourly_prices.yml)).
    type: float
    required: true
  priced_regions:
    description: The regions that price is for (C(ec2_hourly_prices_regions)).
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Say what an image's snapshots cost
  ansible.builtin.debug:
    msg: "{{ 100 | ec2mpi.cluster.snapshot_monthly_cost(aws_region, ec2_snapshot_price_gib_month, ec2_hourly_prices_regions) }}"
"""

RETURN = r"""
_value:
  description: USD per month, or V(None) when the region's price is not known.
  type: float
"""

from ansible_collections.ec2mpi.cluster.plugins.module_utils.hourly_cost import snapshot_monthly_cost


class FilterModule:
    def filters(self):
        return {"snapshot_monthly_cost": snapshot_monthly_cost}
