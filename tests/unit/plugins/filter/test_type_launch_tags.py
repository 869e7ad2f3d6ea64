# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ec2mpi.cluster.plugins.filter.type_launch_tags import type_launch_tags


def test_each_type_gets_its_own_counts_and_gpu_name():
    types = [
        {"instance_type": "g4dn.12xlarge", "info": {"gpu_count": 4, "gpus": [{"name": "T4", "count": 4}], "cores": 24, "vcpus": 48}},
        {"instance_type": "c5.large", "info": {"gpu_count": 0, "gpus": [], "cores": 1, "vcpus": 2}},
    ]

    assert type_launch_tags(types) == [
        {"instance_type": "g4dn.12xlarge",
         "launch_tags": {"ec2mpi:gpus": "4", "ec2mpi:gpu-name": "T4", "ec2mpi:cores": "24", "ec2mpi:vcpus": "48"}},
        {"instance_type": "c5.large", "launch_tags": {"ec2mpi:gpus": "0", "ec2mpi:gpu-name": "", "ec2mpi:cores": "1", "ec2mpi:vcpus": "2"}},
    ]


def test_a_type_without_counts_is_named():
    with pytest.raises(AnsibleFilterError, match="an item has no 'cores'"):
        type_launch_tags([{"instance_type": "x1.large", "info": {"vcpus": 2}}])
