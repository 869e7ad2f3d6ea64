# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ec2mpi.cluster.plugins.filter.head_first import head_first


def test_orders_inventory_hostvars_and_cluster_info_instances_alike():
    # aws_ec2 inventory hostvars and ec2_cluster_instances name the id instance_id; ec2_cluster_info names it id.
    hostvars = [
        {"instance_id": "i-1", "launch_time": "2026-01-01T10:00:00+00:00", "tags": {"ec2mpi:role": "worker"}},
        {"instance_id": "i-2", "launch_time": "2026-01-01T11:00:00+00:00", "tags": {"ec2mpi:role": "head"}},
    ]
    info = [{"id": node["instance_id"], **{k: v for k, v in node.items() if k != "instance_id"}} for node in hostvars]
    assert [node["instance_id"] for node in head_first(hostvars)] == ["i-2", "i-1"]
    assert [node["id"] for node in head_first(info)] == ["i-2", "i-1"]


def test_a_node_without_tags_is_a_clear_error():
    with pytest.raises(AnsibleFilterError, match="head_first needs nodes with tags and launch_time; a node has no 'tags'"):
        head_first([{"instance_id": "i-1", "launch_time": "2026-01-01T10:00:00+00:00"}])
