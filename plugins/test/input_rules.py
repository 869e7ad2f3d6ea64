# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# The tests the roles check inputs with; each is documented in the .yml file of its name beside this one.
# They are the very functions the modules use, so a value is valid or not for both alike.

from ansible_collections.ec2mpi.cluster.plugins.module_utils.cluster_nodes import is_slot_policy
from ansible_collections.ec2mpi.cluster.plugins.module_utils.input_rules import is_cluster_name
from ansible_collections.ec2mpi.cluster.plugins.module_utils.input_rules import is_iam_user_name
from ansible_collections.ec2mpi.cluster.plugins.module_utils.input_rules import is_instance_type
from ansible_collections.ec2mpi.cluster.plugins.module_utils.input_rules import is_open_to_internet


class TestModule:
    def tests(self):
        return {
            "cluster_name": is_cluster_name,
            "instance_type": is_instance_type,
            "iam_user_name": is_iam_user_name,
            "slot_policy": is_slot_policy,
            "open_to_internet": is_open_to_internet,
        }
