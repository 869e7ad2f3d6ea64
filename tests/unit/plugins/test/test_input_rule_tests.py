# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The test plugins the roles check inputs with are the very functions the modules use: one rule, two callers."""

from ansible_collections.ec2mpi.cluster.plugins.module_utils import cluster_nodes
from ansible_collections.ec2mpi.cluster.plugins.module_utils import input_rules
from ansible_collections.ec2mpi.cluster.plugins.test import input_rules as input_rule_tests


def test_each_test_plugin_is_its_module_utils_rule():
    assert input_rule_tests.TestModule().tests() == {
        "cluster_name": input_rules.is_cluster_name,
        "instance_type": input_rules.is_instance_type,
        "iam_user_name": input_rules.is_iam_user_name,
        "slot_policy": cluster_nodes.is_slot_policy,
        "open_to_internet": input_rules.is_open_to_internet,
    }
