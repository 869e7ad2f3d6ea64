# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""cluster_resources: discovery against moto (in-process), and its pure parts.

The clusters it discovers come from tests/unit/cluster_world.py (the `world` fixture is in conftest.py).
"""

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.ec2mpi.cluster.plugins.module_utils import cluster_resources as cr
from ansible_collections.ec2mpi.cluster.tests.unit.cluster_world import REGION
from ansible_collections.ec2mpi.cluster.tests.unit.cluster_world import TAG
from ansible_collections.ec2mpi.cluster.tests.unit.cluster_world import discover
from ansible_collections.ec2mpi.cluster.tests.unit.cluster_world import ec2_only
from ansible_collections.ec2mpi.cluster.tests.unit.cluster_world import sorted_labels
from ansible_collections.ec2mpi.cluster.tests.unit.cluster_world import stub_discovery


# Pure parts.


def test_tag_filters_name_one_cluster_or_any():
    assert cr.tag_filters("a") == [{"Name": "tag:ec2mpi:cluster", "Values": ["a"]}]
    assert cr.tag_filters(None) == [{"Name": "tag-key", "Values": ["ec2mpi:cluster"]}]


@pytest.mark.parametrize("name", ["*", "mpi-?", "mpi lab", "1mpi", "-mpi", "", "m" * 33, "mpi_lab"])
def test_cluster_names_the_playbooks_reject_are_refused(name):
    message = cr.invalid_cluster_name_message(name)

    assert message.startswith(f"cluster_name {name!r} is invalid; use letters, digits and hyphens")
    assert "\n" not in message


@pytest.mark.parametrize("name", ["mpi", "mpi-lab", "A1", "m" * 32])
def test_valid_cluster_names_pass(name):
    assert cr.invalid_cluster_name_message(name) is None


def test_groups_belong_by_name_or_attached_policy():
    by_policy = {"AGPA2": "b"}

    assert (
        cr.group_cluster({"GroupName": "ec2mpi-mpi-lab-operators", "GroupId": "AGPA1"}, by_policy)["Cluster"]
        == "mpi-lab"
    )
    assert (
        cr.group_cluster({"GroupName": "lab-admins", "GroupId": "AGPA2"}, by_policy)["MatchedBy"] == "attached policy"
    )
    assert cr.group_cluster({"GroupName": "lab-admins", "GroupId": "AGPA2"}, by_policy)["Cluster"] == "b"
    assert cr.group_cluster({"GroupName": "ec2mpi-operators", "GroupId": "AGPA3"}, by_policy) is None
    assert cr.group_cluster({"GroupName": "admins", "GroupId": "AGPA4"}, by_policy) is None


def instance(cluster, state):
    return {"InstanceId": f"i-{cluster}-{state}", "State": {"Name": state}, "Tags": [{"Key": TAG, "Value": cluster}]}


def test_orphans_are_clusters_with_resources_but_no_live_instance():
    resources = {
        "instances": [instance("stopped", "stopped"), instance("dying", "shutting-down"), instance("up", "running")],
        "vpcs": [
            {"VpcId": "vpc-1", "Tags": [{"Key": TAG, "Value": "ghost"}]},
            {"VpcId": "vpc-2", "Tags": [{"Key": TAG, "Value": "up"}]},
        ],
        "iam_users": [{"UserName": "dan", "Tags": [{"Key": TAG, "Value": "elsewhere"}]}],
    }

    assert cr.orphans(resources) == ["dying", "ghost"]  # IAM is global: "elsewhere" may run in another region
    counts = cr.cluster_counts(resources)
    assert counts["up"] == {"instances": 1, "vpcs": 1, "iam_users": 0, "running_instances": 1}
    assert counts["stopped"]["running_instances"] == 0


def test_summaries_are_snake_case_with_id_name_cluster_and_tags():
    key_pair = {
        "KeyPairId": "key-1",
        "KeyName": "ec2mpi-a",
        "KeyFingerprint": "ab:cd",
        "Tags": [{"Key": TAG, "Value": "a"}],
    }
    vpc = {
        "VpcId": "vpc-1",
        "CidrBlock": "10.0.0.0/16",
        "Tags": [{"Key": TAG, "Value": "a"}, {"Key": "Name", "Value": "ec2mpi-a"}],
    }

    assert cr.summary("key_pairs", key_pair) == {
        "id": "key-1",
        "name": "ec2mpi-a",
        "key_pair_id": "key-1",
        "key_name": "ec2mpi-a",
        "key_fingerprint": "ab:cd",
        "cluster": "a",
        "tags": {TAG: "a"},
    }
    assert cr.summary("vpcs", vpc)["name"] == "ec2mpi-a" and cr.summary("vpcs", vpc)["cidr_block"] == "10.0.0.0/16"
    assert cr.label("key_pairs", key_pair) == "ec2mpi-a" and cr.label("vpcs", vpc) == "vpc-1"


# Discovery against moto.


def test_discovery_finds_exactly_one_clusters_resources(world):
    found = discover("a")

    assert sorted_labels(cr.labels(found)) == sorted_labels(world.a)
    groups = found["iam_groups"]
    assert [(group["Cluster"], group["MatchedBy"]) for group in groups] == [("a", "name")]


def test_discovery_without_iam_lists_no_iam_type(world):
    found = cr.discover(boto3.client("ec2", region_name=REGION), None, "a", include_iam=False)

    assert sorted_labels(cr.labels(found)) == sorted_labels(ec2_only(world.a))


def test_discovery_of_every_cluster_skips_untagged_resources(world):
    found = discover(None)

    everything = cr.labels(found)
    for resource_type, expected in world.a.items():
        assert sorted(everything[resource_type]) == sorted(expected + world.other[resource_type])
    assert world.untagged_vpc not in everything["vpcs"] and world.untagged_user not in everything["iam_users"]
    assert sorted(cr.cluster_counts(found)) == ["a", "other"]


def test_group_holding_a_clusters_policy_belongs_to_it_whatever_its_name(world):
    iam = boto3.client("iam", region_name=REGION)
    iam.create_group(GroupName="lab-operators")
    iam.attach_group_policy(GroupName="lab-operators", PolicyArn=world.a["iam_policies"][0])
    iam.create_group(GroupName="ec2mpi-b-operators")

    groups = discover("a")["iam_groups"]

    assert sorted((group["GroupName"], group["MatchedBy"]) for group in groups) == [
        ("ec2mpi-a-operators", "name"),
        ("lab-operators", "attached policy"),
    ]


def test_terminated_instances_are_not_resources(world):
    boto3.client("ec2", region_name=REGION).terminate_instances(InstanceIds=world.a["instances"][:1])

    found = discover("a", include_iam=False)

    assert cr.labels(found)["instances"] == world.a["instances"][1:]


def test_instances_are_summarised_with_their_role(world):
    instances = cr.summaries(discover("a", include_iam=False))["instances"]

    head = [node for node in instances if node["role"] == "head"]
    assert len(head) == 1 and len(instances) == 2
    assert head[0]["state"] == "running" and head[0]["subnet_id"] == world.a["subnets"][0]
    assert head[0]["private_ip_address"].startswith("10.0.1.") and head[0]["cluster"] == "a"
    assert isinstance(head[0]["launch_time"], str) and head[0]["tags"]["Name"] == "ec2mpi-a"


def placement_group(cluster, state):
    return {"GroupName": f"ec2mpi-{cluster}", "GroupId": f"pg-{cluster}", "State": state, "Tags": [{"Key": TAG, "Value": cluster}]}


# The emulator deletes a placement group at once; AWS lists it deleting, then deleted, for a while.
def test_placement_groups_being_deleted_are_not_resources_nor_make_orphans(aws_credentials):
    ec2 = boto3.client("ec2", region_name=REGION)
    with Stubber(ec2) as stubber:
        stub_discovery(stubber, PlacementGroups=[
            placement_group("going", "deleting"), placement_group("gone", "deleted"), placement_group("kept", "available"),
        ])
        found = cr.discover(ec2, None, None, include_iam=False)

    assert cr.labels(found)["placement_groups"] == ["ec2mpi-kept"]
    assert cr.orphans(found) == ["kept"]
