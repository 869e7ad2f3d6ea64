# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ec2_cluster_info against moto (in-process) and, for faults moto cannot make, botocore's Stubber."""

import boto3
import pytest

from ansible_collections.ec2mpi.cluster.plugins.modules import ec2_cluster_info
from ansible_collections.ec2mpi.cluster.tests.unit import cluster_world

# The field of a returned resource that build_cluster() records for its type.
RECORDED_FIELD = {"key_pairs": "name", "placement_groups": "name", "iam_users": "name", "iam_groups": "name", "iam_policies": "arn"}


@pytest.fixture
def run(run_module, aws_credentials):
    def run_info(check_mode=False, **args):
        return run_module(ec2_cluster_info.main, dict(args, region=cluster_world.REGION), check_mode=check_mode)

    return run_info


def recorded(resources):
    """The returned resources as build_cluster() records them: {type: sorted ids, names or ARNs}."""
    return {
        resource_type: sorted(resource[RECORDED_FIELD.get(resource_type, "id")] for resource in found)
        for resource_type, found in resources.items()
    }


def test_lists_exactly_the_clusters_resources_by_type(run, world):
    outcome = run(cluster_name="a")

    assert not outcome.failed, outcome.result.get("msg")
    result = outcome.result
    assert result["changed"] is False
    assert recorded(result["resources"]) == {resource_type: sorted(found) for resource_type, found in world.a.items()}
    assert result["count"] == sum(len(found) for found in world.a.values()) == 12
    assert outcome.warnings == []
    assert "clusters" not in result and "orphans" not in result
    for found in result["resources"].values():
        assert all(resource["cluster"] == "a" and resource["tags"] is not None for resource in found)
    nodes = sorted(result["resources"]["instances"], key=lambda node: node["role"])
    assert [(node["role"], node["state"], node["instance_type"]) for node in nodes] == [
        ("head", "running", "t3.micro"),
        ("worker", "running", "t3.micro"),
    ]
    assert all(
        node["private_ip_address"] and node["launch_time"] and node["subnet_id"] == world.a["subnets"][0]
        for node in nodes
    )
    assert result["resources"]["iam_groups"][0]["matched_by"] == "name"


def test_without_iam_lists_ec2_only(run, world):
    result, failed = run(cluster_name="a", include_iam=False)

    assert not failed
    assert recorded(result["resources"]) == {
        resource_type: sorted(found) for resource_type, found in cluster_world.ec2_only(world.a).items()
    }


def test_unknown_cluster_has_nothing(run, world):
    result, failed = run(cluster_name="nosuchcluster")

    assert not failed
    assert result["count"] == 0 and not any(result["resources"].values())


def test_all_clusters_counts_each_cluster_and_flags_orphans(run, world):
    # What a half-finished manual cleanup leaves: a cluster with only its VPC.
    ghost_vpc = boto3.client("ec2", region_name=cluster_world.REGION).create_vpc(
        CidrBlock="10.9.0.0/16", TagSpecifications=cluster_world.tagged("vpc", "ghost")
    )
    # A cluster whose nodes are all stopped is not an orphan.
    boto3.client("ec2", region_name=cluster_world.REGION).stop_instances(InstanceIds=world.other["instances"])

    result, failed = run(all_clusters=True)

    assert not failed, result.get("msg")
    assert sorted(result["clusters"]) == ["a", "ghost", "other"]
    assert result["clusters"]["a"]["instances"] == 2 and result["clusters"]["a"]["running_instances"] == 2
    assert result["clusters"]["other"]["instances"] == 2 and result["clusters"]["other"]["running_instances"] == 0
    assert result["clusters"]["ghost"]["vpcs"] == 1 and result["clusters"]["ghost"]["instances"] == 0
    assert result["clusters"]["a"]["iam_groups"] == 1
    assert result["orphans"] == ["ghost"]
    vpcs = recorded(result["resources"])["vpcs"]
    assert vpcs == sorted(world.a["vpcs"] + world.other["vpcs"] + [ghost_vpc["Vpc"]["VpcId"]])
    assert world.untagged_vpc not in vpcs
    assert world.untagged_user not in recorded(result["resources"])["iam_users"]


def test_check_mode_returns_the_same_result(run, world):
    normal = run(cluster_name="a")
    checked = run(cluster_name="a", check_mode=True)

    assert not checked.failed
    assert {key: value for key, value in checked.result.items() if key != "invocation"} == {
        key: value for key, value in normal.result.items() if key != "invocation"
    }


@pytest.mark.parametrize(
    "args, message",
    [
        (
            {},
            "cluster_name is required: set it to the cluster's name (its ec2mpi:cluster tag), or set all_clusters: true",
        ),
        ({"cluster_name": ""}, "cluster_name is required"),
        (
            {"cluster_name": "a", "all_clusters": True},
            "cluster_name and all_clusters: true are mutually exclusive; set one of them",
        ),
        ({"cluster_name": "*"}, "cluster_name '*' is invalid; use letters, digits and hyphens"),
    ],
)
@pytest.mark.usefixtures("stubbed_client")
def test_bad_input_fails_before_any_aws_call(run, args, message):
    # stubbed_client with no service stubbed: creating any AWS client fails the test.
    result, failed = run(**args)

    assert failed
    assert result["msg"].startswith(message) and "\n" not in result["msg"]


def test_placement_groups_on_aws_are_listed(run, stubbed_client):
    ec2 = stubbed_client("ec2")
    group = {
        "GroupName": "ec2mpi-a",
        "GroupId": "pg-1",
        "Strategy": "cluster",
        "State": "available",
        "Tags": cluster_world.tag_list("a"),
    }
    cluster_world.stub_discovery(ec2, PlacementGroups=[group])

    outcome = run(cluster_name="a", include_iam=False)

    assert not outcome.failed, outcome.result.get("msg")
    assert outcome.warnings == []
    assert [(pg["id"], pg["name"], pg["strategy"]) for pg in outcome.result["resources"]["placement_groups"]] == [
        ("pg-1", "ec2mpi-a", "cluster")
    ]


def test_other_errors_fail_at_once_naming_the_call(run, stubbed_client, sleeps):
    ec2 = stubbed_client("ec2")
    ec2.add_response("describe_instances", {"Reservations": []})
    ec2.add_client_error(
        "describe_placement_groups",
        service_error_code="UnauthorizedOperation",
        service_message="You are not authorized to perform this operation.",
        http_status_code=403,
    )

    result, failed = run(cluster_name="a", include_iam=False)

    assert failed
    assert result["msg"].startswith("Failed to describe placement group: ")
    assert "UnauthorizedOperation" in result["msg"] and "DescribePlacementGroups" in result["msg"]
    assert result["error"]["code"] == "UnauthorizedOperation"
    assert sleeps == []
