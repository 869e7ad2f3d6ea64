# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from ansible_collections.ec2mpi.cluster.plugins.filter.hourly_cost import FilterModule
from ansible_collections.ec2mpi.cluster.plugins.module_utils.hourly_cost import hourly_cost
from ansible_collections.ec2mpi.cluster.plugins.module_utils.hourly_cost import snapshot_monthly_cost

PRICES = {"g4dn.xlarge": 0.5, "g5.xlarge": 1.0}
REGIONS = ["us-east-1", "us-west-2"]


def test_each_instance_counts_once():
    assert hourly_cost(["g4dn.xlarge", "g4dn.xlarge", "g5.xlarge"], "us-west-2", PRICES, REGIONS) == 2.0


def test_one_unpriced_type_makes_the_cost_unknown():
    assert hourly_cost(["g4dn.xlarge", "p5.48xlarge"], "us-west-2", PRICES, REGIONS) is None


def test_a_region_without_recorded_prices_makes_the_cost_unknown():
    assert hourly_cost(["g4dn.xlarge"], "eu-west-1", PRICES, REGIONS) is None


def test_nothing_running_costs_nothing():
    assert hourly_cost([], "us-west-2", PRICES, REGIONS) == 0.0


def test_the_filter_is_the_module_utils_rule():
    assert FilterModule().filters() == {"hourly_cost": hourly_cost}


def test_snapshots_cost_their_size_times_the_recorded_price_where_it_was_recorded():
    assert snapshot_monthly_cost(100, "us-west-2", 0.05, ["us-east-1", "us-west-2"]) == 5.0
    assert snapshot_monthly_cost(100, "eu-west-1", 0.05, ["us-east-1", "us-west-2"]) is None
