# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""cluster_resources: discovery against moto (in-process), and its pure parts.

Also home of what the tests of ec2_cluster_info and ec2_cluster_teardown share (they import it):
build_cluster() and the `world` of two clusters plus untagged resources, and stub_discovery() for
botocore Stubber runs. The `moto` fixture is in tests/unit/conftest.py.
"""

import json
from typing import Any
from typing import Dict
from typing import List
from typing import NamedTuple

import boto3
import pytest

from ansible_collections.ec2mpi.cluster.plugins.module_utils import cluster_resources as cr

REGION = "us-west-2"
TAG = "ec2mpi:cluster"

POLICY_DOCUMENT = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"}]}
)

# One of moto's built-in images; listing them all (DescribeImages) costs a second per test.
IMAGE_ID = "ami-12c6146b"

Labels = Dict[str, List[str]]


def tag_list(cluster: str) -> List[Dict[str, str]]:
    """The tags the playbooks put on a resource of the cluster, as boto3 lists them."""
    return [{"Key": TAG, "Value": cluster}, {"Key": "Name", "Value": f"ec2mpi-{cluster}"}]


def tagged(resource_type: str, cluster: str) -> List[Dict[str, Any]]:
    return [{"ResourceType": resource_type, "Tags": tag_list(cluster)}]


def build_cluster(name: str, second_octet: int, user: str) -> Labels:
    """A cluster as provision.yml leaves it, all tagged; returns what teardown would delete, by type."""
    ec2 = boto3.client("ec2", region_name=REGION)
    iam = boto3.client("iam", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock=f"10.{second_octet}.0.0/16", TagSpecifications=tagged("vpc", name))["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(
        VpcId=vpc, CidrBlock=f"10.{second_octet}.1.0/24", TagSpecifications=tagged("subnet", name)
    )
    subnet_id = subnet["Subnet"]["SubnetId"]
    gateway = ec2.create_internet_gateway(TagSpecifications=tagged("internet-gateway", name))["InternetGateway"][
        "InternetGatewayId"
    ]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc, TagSpecifications=tagged("route-table", name))["RouteTable"][
        "RouteTableId"
    ]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet_id)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    group = ec2.create_security_group(
        GroupName=f"ec2mpi-{name}", Description="ec2mpi", VpcId=vpc, TagSpecifications=tagged("security-group", name)
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "198.51.100.0/24"}]},
            {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": group}]},
        ],
    )
    ec2.create_key_pair(KeyName=f"ec2mpi-{name}", TagSpecifications=tagged("key-pair", name))
    launched = ec2.run_instances(
        ImageId=IMAGE_ID,
        MinCount=2,
        MaxCount=2,
        InstanceType="t3.micro",
        SubnetId=subnet_id,
        SecurityGroupIds=[group],
        KeyName=f"ec2mpi-{name}",
        TagSpecifications=tagged("instance", name),
    )["Instances"]
    instances = [instance["InstanceId"] for instance in launched]
    for instance_id, role in zip(instances, ("head", "worker")):
        ec2.create_tags(Resources=[instance_id], Tags=[{"Key": "ec2mpi:role", "Value": role}])

    cluster_tags = [{"Key": TAG, "Value": name}]
    policy = iam.create_policy(PolicyName=f"ec2mpi-{name}-operator", PolicyDocument=POLICY_DOCUMENT, Tags=cluster_tags)[
        "Policy"
    ]["Arn"]
    iam.create_policy_version(
        PolicyArn=policy, PolicyDocument=POLICY_DOCUMENT, SetAsDefault=True
    )  # v1 stays, not default
    operators = f"ec2mpi-{name}-operators"
    iam.create_group(GroupName=operators)
    iam.attach_group_policy(GroupName=operators, PolicyArn=policy)
    iam.create_user(UserName=user, Tags=cluster_tags)
    iam.add_user_to_group(GroupName=operators, UserName=user)
    iam.create_access_key(UserName=user)
    iam.create_login_profile(UserName=user, Password="Not-a-real-password-1")
    return {
        "instances": instances,
        "placement_groups": [],
        "security_groups": [group],
        "key_pairs": [f"ec2mpi-{name}"],
        "route_tables": [table],
        "internet_gateways": [gateway],
        "subnets": [subnet_id],
        "vpcs": [vpc],
        "iam_users": [user],
        "iam_groups": [operators],
        "iam_policies": [policy],
    }


class World(NamedTuple):
    a: Labels  # cluster "a"
    other: Labels  # cluster "other", in the same region
    untagged_vpc: str
    untagged_user: str


@pytest.fixture
def world(moto) -> World:
    """Cluster a, cluster other, and a VPC and an IAM user of nobody's cluster."""
    a = build_cluster("a", 0, "alice")
    other = build_cluster("other", 1, "bob")
    untagged_vpc = boto3.client("ec2", region_name=REGION).create_vpc(CidrBlock="172.16.0.0/16")["Vpc"]["VpcId"]
    boto3.client("iam", region_name=REGION).create_user(UserName="carol")
    return World(a, other, untagged_vpc, "carol")


def ec2_only(labels: Labels) -> Labels:
    return {resource_type: found for resource_type, found in labels.items() if resource_type in cr.EC2_TYPES}


def sorted_labels(labels: Labels) -> Labels:
    return {resource_type: sorted(found) for resource_type, found in labels.items()}


def discover(cluster_name, include_iam=True) -> cr.Discovery:
    return cr.discover(
        boto3.client("ec2", region_name=REGION), boto3.client("iam", region_name=REGION), cluster_name, include_iam
    )


# Stubber runs: the Describe calls of one discovery, in the order discover() makes them.
DISCOVERY_CALLS = (
    ("describe_instances", "Reservations"),
    ("describe_placement_groups", "PlacementGroups"),
    ("describe_security_groups", "SecurityGroups"),
    ("describe_key_pairs", "KeyPairs"),
    ("describe_route_tables", "RouteTables"),
    ("describe_internet_gateways", "InternetGateways"),
    ("describe_subnets", "Subnets"),
    ("describe_vpcs", "Vpcs"),
)


def stub_discovery(ec2, placement_groups_error=None, **found: List[Dict[str, Any]]) -> None:
    """Queue the EC2 answers of one discovery: found[<response key>] or nothing, placement groups maybe an error."""
    for operation, key in DISCOVERY_CALLS:
        if operation == "describe_placement_groups" and placement_groups_error:
            ec2.add_client_error(
                operation, service_error_code=placement_groups_error[0], http_status_code=placement_groups_error[1]
            )
        else:
            ec2.add_response(operation, {key: found.get(key, [])})


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

    assert sorted_labels(cr.labels(found.resources)) == sorted_labels(world.a)
    assert found.unsupported == ["placement_groups"]
    groups = found.resources["iam_groups"]
    assert [(group["Cluster"], group["MatchedBy"]) for group in groups] == [("a", "name")]


def test_discovery_without_iam_lists_no_iam_type(world):
    found = cr.discover(boto3.client("ec2", region_name=REGION), None, "a", include_iam=False)

    assert sorted_labels(cr.labels(found.resources)) == sorted_labels(ec2_only(world.a))


def test_discovery_of_every_cluster_skips_untagged_resources(world):
    found = discover(None)

    everything = cr.labels(found.resources)
    for resource_type, expected in world.a.items():
        assert sorted(everything[resource_type]) == sorted(expected + world.other[resource_type])
    assert world.untagged_vpc not in everything["vpcs"] and world.untagged_user not in everything["iam_users"]
    assert sorted(cr.cluster_counts(found.resources)) == ["a", "other"]


def test_group_holding_a_clusters_policy_belongs_to_it_whatever_its_name(world):
    iam = boto3.client("iam", region_name=REGION)
    iam.create_group(GroupName="lab-operators")
    iam.attach_group_policy(GroupName="lab-operators", PolicyArn=world.a["iam_policies"][0])
    iam.create_group(GroupName="ec2mpi-b-operators")

    groups = discover("a").resources["iam_groups"]

    assert sorted((group["GroupName"], group["MatchedBy"]) for group in groups) == [
        ("ec2mpi-a-operators", "name"),
        ("lab-operators", "attached policy"),
    ]


def test_terminated_instances_are_not_resources(world):
    boto3.client("ec2", region_name=REGION).terminate_instances(InstanceIds=world.a["instances"][:1])

    found = discover("a", include_iam=False)

    assert cr.labels(found.resources)["instances"] == world.a["instances"][1:]


def test_instances_are_summarised_with_their_role(world):
    instances = cr.summaries(discover("a", include_iam=False).resources)["instances"]

    head = [node for node in instances if node["role"] == "head"]
    assert len(head) == 1 and len(instances) == 2
    assert head[0]["state"] == "running" and head[0]["subnet_id"] == world.a["subnets"][0]
    assert head[0]["private_ip_address"].startswith("10.0.1.") and head[0]["cluster"] == "a"
    assert isinstance(head[0]["launch_time"], str) and head[0]["tags"]["Name"] == "ec2mpi-a"
