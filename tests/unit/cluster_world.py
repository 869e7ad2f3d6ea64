# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Clusters as provision.yml leaves them, for the tests of cluster_resources, ec2_cluster_info and
ec2_cluster_teardown: build_cluster() on moto (the `world` fixture in conftest.py uses it), and
stub_discovery() for botocore Stubber runs.
"""

import json
from typing import Any
from typing import Dict
from typing import List
from typing import NamedTuple

import boto3

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
    ec2.create_placement_group(GroupName=f"ec2mpi-{name}", Strategy="cluster", TagSpecifications=tagged("placement-group", name))
    launched = ec2.run_instances(
        ImageId=IMAGE_ID,
        MinCount=2,
        MaxCount=2,
        InstanceType="t3.micro",
        SubnetId=subnet_id,
        SecurityGroupIds=[group],
        KeyName=f"ec2mpi-{name}",
        Placement={"GroupName": f"ec2mpi-{name}"},
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
        "placement_groups": [f"ec2mpi-{name}"],
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


def ec2_only(labels: Labels) -> Labels:
    return {resource_type: found for resource_type, found in labels.items() if resource_type in cr.EC2_TYPES}


def sorted_labels(labels: Labels) -> Labels:
    return {resource_type: sorted(found) for resource_type, found in labels.items()}


def discover(cluster_name, include_iam=True) -> cr.Resources:
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


def stub_discovery(ec2, **found: List[Dict[str, Any]]) -> None:
    """Queue the EC2 answers of one discovery: found[<response key>] or nothing."""
    for operation, key in DISCOVERY_CALLS:
        ec2.add_response(operation, {key: found.get(key, [])})
