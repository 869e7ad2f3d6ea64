# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.ec2mpi.cluster.plugins.module_utils import cluster_nodes as cn

P2_XLARGE = {"ec2mpi:gpus": "1", "ec2mpi:cores": "2", "ec2mpi:vcpus": "4"}
C5_LARGE = {"ec2mpi:gpus": "0", "ec2mpi:cores": "1", "ec2mpi:vcpus": "2"}


def test_the_tagged_head_comes_first_even_when_it_is_not_the_oldest():
    # A stopped and started head gets a new launch time, later than the workers'.
    nodes = [
        ({"ec2mpi:role": "worker"}, "2026-01-01T10:00:00+00:00", "i-b"),
        ({"ec2mpi:role": "head"}, "2026-01-01T12:00:00+00:00", "i-c"),
        ({"ec2mpi:role": "worker"}, "2026-01-01T10:00:00+00:00", "i-a"),
    ]
    assert [node[2] for node in sorted(nodes, key=lambda node: cn.head_first_key(*node))] == ["i-c", "i-a", "i-b"]


def test_without_a_head_tag_the_oldest_then_the_lowest_id_comes_first():
    nodes = [({}, "2026-01-01T10:00:01+00:00", "i-a"), ({}, "2026-01-01T10:00:00+00:00", "i-c"), ({}, "2026-01-01T10:00:00+00:00", "i-b")]
    assert [node[2] for node in sorted(nodes, key=lambda node: cn.head_first_key(*node))] == ["i-b", "i-c", "i-a"]


@pytest.mark.parametrize(
    "tags, policy, slots",
    [
        (P2_XLARGE, "auto", 1),
        (C5_LARGE, "auto", 1),
        ({**C5_LARGE, "ec2mpi:cores": "4"}, "auto", 4),
        (P2_XLARGE, "gpus", 1),
        (P2_XLARGE, "cores", 2),
        (P2_XLARGE, "vcpus", 4),
        (P2_XLARGE, 3, 3),
        (P2_XLARGE, "8", 8),
    ],
)
def test_slots_by_policy(tags, policy, slots):
    assert cn.slots(tags, policy) == slots


@pytest.mark.parametrize("policy", ["bogus", 0, "0", "-1", "1.5", None])
def test_a_bad_policy_names_the_policies(policy):
    with pytest.raises(ValueError, match="is not a slot policy; use gpus, cores, vcpus, auto or a whole number above 0"):
        cn.slots(P2_XLARGE, policy)


def test_a_node_without_its_count_tags_says_how_to_get_them():
    with pytest.raises(ValueError, match="the instance has no ec2mpi:cores tag: run provision.yml again"):
        cn.slots({"ec2mpi:gpus": "0"}, "auto")


@pytest.mark.parametrize("policy", ["auto", "gpus", "cores", "vcpus", "1", 4])
def test_slot_policies_that_are_valid(policy):
    assert cn.is_slot_policy(policy)


@pytest.mark.parametrize("policy", ["bogus", "0", 0, "-1", "2.5", "", None])
def test_slot_policies_that_are_not(policy):
    assert not cn.is_slot_policy(policy)
