# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What leaving instances running, or images stored, costs, from prices recorded by hand (playbooks/vars/ec2_hourly_prices.yml).

One rule for status.yml's cost line of a cluster and its list of every cluster (the filter ec2mpi.cluster.hourly_cost):
a price only where every instance's type has one recorded for the region, never a guess.
"""

from typing import Dict
from typing import Iterable
from typing import Optional


def hourly_cost(instance_types: Iterable[str], region: str, prices: Dict[str, float], priced_regions: Iterable[str]) -> Optional[float]:
    """USD per hour of running one instance of each type listed (a type twice, twice), or None when any is unpriced.

    None for a region whose prices were not recorded. No instances cost 0.0."""
    instance_types = list(instance_types)
    if region not in list(priced_regions) or any(instance_type not in prices for instance_type in instance_types):
        return None
    return float(sum(prices[instance_type] for instance_type in instance_types))


def snapshot_monthly_cost(size_gib: float, region: str, price_gib_month: float, priced_regions: Iterable[str]) -> Optional[float]:
    """USD per month of keeping EBS snapshots of size_gib GiB (a baked image's, status.yml), or None in a region whose
    price was not recorded.

    An upper bound: standard snapshots bill the blocks written, never more than the volumes' size, which is what an
    image describes."""
    if region not in list(priced_regions):
        return None
    return float(size_gib) * price_gib_month
