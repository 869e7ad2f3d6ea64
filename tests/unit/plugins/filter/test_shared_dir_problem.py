# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from ansible_collections.ec2mpi.cluster.plugins.filter.shared_dir_problem import FilterModule


def test_the_filter_is_the_input_rule():
    shared_dir_problem = FilterModule().filters()["shared_dir_problem"]
    assert shared_dir_problem("/shared") == ""
    assert shared_dir_problem("/") == "is the root directory"
