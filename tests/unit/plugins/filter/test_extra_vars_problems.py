# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from ansible_collections.ec2mpi.cluster.plugins.filter.extra_vars_problems import FilterModule
from ansible_collections.ec2mpi.cluster.plugins.module_utils import cluster_file


def test_the_filter_is_the_module_utils_rule():
    assert FilterModule().filters() == {"extra_vars_problems": cluster_file.problems}
