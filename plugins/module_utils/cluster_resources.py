# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Find every resource of an ec2mpi cluster: what ec2_cluster_info lists and ec2_cluster_teardown deletes.

Every resource the playbooks create carries the tag ec2mpi:cluster=<cluster>. Each EC2 type is
found with one Describe call (paginated where the API paginates) filtered on that tag; terminated
instances, and placement groups being deleted, are not resources any more. IAM cannot filter on tags: the customer managed policies and
the users are listed, then each one's tags read. IAM groups cannot be tagged at all: a group belongs
to a cluster by its name (ec2mpi-<cluster>-<region>-operators, the iam role's default) or by having one of
the cluster's policies attached. IAM is global, a cluster regional: iam_operators says which IAM objects
are a cluster's in a region (only the users it created, never one that existed before).

Resources are kept as boto3 returned them (teardown needs their raw rules and associations);
summary() turns one into the snake_case dict the modules return.
"""

from typing import Any
from typing import Dict
from typing import List
from typing import Optional
from typing import Sequence

from ansible_collections.amazon.aws.plugins.module_utils import ec2
from ansible_collections.amazon.aws.plugins.module_utils import iam
from ansible_collections.amazon.aws.plugins.module_utils.botocore import normalize_boto3_result
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.transformation import boto3_resource_to_ansible_dict

from ansible_collections.ec2mpi.cluster.plugins.module_utils import iam_operators
from ansible_collections.ec2mpi.cluster.plugins.module_utils.cluster_nodes import ROLE_TAG
from ansible_collections.ec2mpi.cluster.plugins.module_utils.cluster_nodes import head_first_key
from ansible_collections.ec2mpi.cluster.plugins.module_utils.input_rules import is_cluster_name

Resource = Dict[str, Any]  # one resource as boto3 describes it
Resources = Dict[str, List[Resource]]  # resource type -> resources
Filters = List[Dict[str, Any]]

CLUSTER_TAG = "ec2mpi:cluster"

# In the order a teardown deletes them.
EC2_TYPES = (
    "instances",
    "placement_groups",
    "security_groups",
    "key_pairs",
    "route_tables",
    "internet_gateways",
    "subnets",
    "vpcs",
)
IAM_TYPES = ("iam_users", "iam_groups", "iam_policies")

# Every state but terminated: a shutting-down instance still holds its subnet and security group.
INSTANCE_STATES = ("pending", "running", "shutting-down", "stopping", "stopped")
# A cluster with none of its instances in these states is an orphan.
LIVE_INSTANCE_STATES = ("pending", "running", "stopping", "stopped")
# A placement group that DeletePlacementGroup accepted is listed for a while in these states: gone already.
GONE_PLACEMENT_GROUP_STATES = ("deleting", "deleted")
# Seconds between DescribeInstances polls while instances change state.
WAIT_DELAY = 5

_ID_KEYS = {
    "instances": "InstanceId",
    "placement_groups": "GroupId",
    "security_groups": "GroupId",
    "key_pairs": "KeyPairId",
    "route_tables": "RouteTableId",
    "internet_gateways": "InternetGatewayId",
    "subnets": "SubnetId",
    "vpcs": "VpcId",
    "iam_users": "UserId",
    "iam_groups": "GroupId",
    "iam_policies": "PolicyId",
}
_NAME_KEYS = {
    "placement_groups": "GroupName",
    "security_groups": "GroupName",
    "key_pairs": "KeyName",
    "iam_users": "UserName",
    "iam_groups": "GroupName",
    "iam_policies": "PolicyName",
}
# What the delete call of each type takes: ids, except for the name-addressed types.
_LABEL_KEYS = dict(
    _ID_KEYS,
    placement_groups="GroupName",
    key_pairs="KeyName",
    iam_users="UserName",
    iam_groups="GroupName",
    iam_policies="Arn",
)


def invalid_cluster_name_message(cluster_name: str) -> Optional[str]:
    """The rule the inputs role checks too; it also keeps EC2's filter wildcards (* and ?) out of the tag filter."""
    if is_cluster_name(cluster_name):
        return None
    return (
        f"cluster_name {cluster_name!r} is invalid; use letters, digits and hyphens, starting with a letter, "
        "at most 32 characters (the cluster_name the playbooks were run with, e.g. mpi-lab)"
    )


def tag_filters(cluster_name: Optional[str]) -> Filters:
    """The EC2 filter for one cluster's resources, or for every cluster's when cluster_name is None."""
    if cluster_name is None:
        return [{"Name": "tag-key", "Values": [CLUSTER_TAG]}]
    return [{"Name": f"tag:{CLUSTER_TAG}", "Values": [cluster_name]}]


def tags_of(resource: Resource) -> Dict[str, str]:
    return boto3_tag_list_to_ansible_dict(resource.get("Tags") or [])


def cluster_of(resource: Resource) -> Optional[str]:
    """The cluster a resource belongs to: its tag, or for an IAM group what find_iam_groups() decided."""
    return resource.get("Cluster") or tags_of(resource).get(CLUSTER_TAG)


def in_cluster(resource: Resource, cluster_name: Optional[str]) -> bool:
    cluster = cluster_of(resource)
    return cluster is not None and cluster_name in (None, cluster)


# EC2: one Describe call per type, through amazon.aws's wrappers (retries, errors naming the call).


def instances_of(reservations: List[Dict[str, Any]]) -> List[Resource]:
    """The instances of DescribeInstances' reservations, in one list."""
    return [instance for reservation in reservations for instance in reservation["Instances"]]


def find_instances(client, filters: Filters, states: Sequence[str] = INSTANCE_STATES) -> List[Resource]:
    state_filter = {"Name": "instance-state-name", "Values": list(states)}
    return instances_of(ec2.describe_instances(client, Filters=filters + [state_filter]))


def head_first(instances: List[Resource]) -> List[Resource]:
    """DescribeInstances' instances, the head (the node tagged so, else the oldest) first, then by launch time and id."""
    return sorted(instances, key=lambda i: head_first_key(tags_of(i), i["LaunchTime"], i["InstanceId"]))


def waiter_config(timeout: int) -> Dict[str, int]:
    """A boto3 waiter's settings: poll every WAIT_DELAY seconds for at most timeout seconds."""
    return {"Delay": WAIT_DELAY, "MaxAttempts": max(1, timeout // WAIT_DELAY)}


@ec2.EC2InstanceErrorHandler.common_error_handler("wait for the instances to stop")
def wait_stopped(client, instance_ids: List[str], timeout: int) -> None:
    client.get_waiter("instance_stopped").wait(InstanceIds=instance_ids, WaiterConfig=waiter_config(timeout))


def find_placement_groups(client, filters: Filters) -> List[Resource]:
    groups = ec2.describe_ec2_placement_groups(client, Filters=filters)
    return [group for group in groups if group.get("State") not in GONE_PLACEMENT_GROUP_STATES]


def find_security_groups(client, filters: Filters) -> List[Resource]:
    return ec2.describe_security_groups(client, Filters=filters)


def find_key_pairs(client, filters: Filters) -> List[Resource]:
    return ec2.describe_key_pairs(client, Filters=filters)


def find_route_tables(client, filters: Filters) -> List[Resource]:
    return ec2.describe_route_tables(client, Filters=filters)


def find_internet_gateways(client, filters: Filters) -> List[Resource]:
    return ec2.describe_internet_gateways(client, Filters=filters) or []


def find_subnets(client, filters: Filters) -> List[Resource]:
    return ec2.describe_subnets(client, Filters=filters)


def find_vpcs(client, filters: Filters) -> List[Resource]:
    return ec2.describe_vpcs(client, Filters=filters)


# IAM: amazon.aws's wrappers where every supported amazon.aws (>= 9.0.0) has them, ours otherwise.


@iam.IAMErrorHandler.list_error_handler("list IAM users", [])
@AWSRetry.jittered_backoff()
def list_users(client) -> List[Resource]:
    return client.get_paginator("list_users").paginate().build_full_result()["Users"]


@iam.IAMErrorHandler.list_error_handler("list IAM groups", [])
@AWSRetry.jittered_backoff()
def list_groups(client) -> List[Resource]:
    return client.get_paginator("list_groups").paginate().build_full_result()["Groups"]


@iam.IAMErrorHandler.list_error_handler("list IAM user tags", [])
@AWSRetry.jittered_backoff()
def list_user_tags(client, user_name: str) -> List[Dict[str, str]]:
    return client.get_paginator("list_user_tags").paginate(UserName=user_name).build_full_result()["Tags"]


@iam.IAMErrorHandler.list_error_handler("list IAM policy tags", [])
@AWSRetry.jittered_backoff()
def list_policy_tags(client, policy_arn: str) -> List[Dict[str, str]]:
    return client.get_paginator("list_policy_tags").paginate(PolicyArn=policy_arn).build_full_result()["Tags"]


def find_iam_policies(client, cluster_name: Optional[str], region: Optional[str] = None) -> List[Resource]:
    """The customer managed policies tagged with the cluster, of the region (ListPolicies returns no tags)."""
    policies = [
        dict(policy, Tags=list_policy_tags(client, policy["Arn"]))
        for policy in iam.list_iam_managed_policies(client, Scope="Local")
    ]
    return [policy for policy in policies if iam_operators.owns_policy(tags_of(policy), cluster_name, region)]


def find_iam_users(client, cluster_name: Optional[str], region: Optional[str] = None) -> List[Resource]:
    """The users the cluster created in the region (ListUsers returns no tags); never a user that existed before."""
    users = [dict(user, Tags=list_user_tags(client, user["UserName"])) for user in list_users(client)]
    return [
        dict(user, Cluster=iam_operators.user_owner(tags_of(user)))
        for user in users
        if iam_operators.owns_user(tags_of(user), cluster_name, region)
    ]


def clusters_by_attached_policy(client, policies: List[Resource]) -> Dict[str, str]:
    """{group id: cluster} for the groups the cluster policies are attached to."""
    clusters = {}
    for policy in policies:
        attached = iam.list_iam_entities_for_policy(client, policy["Arn"]) or {}
        for group in attached.get("PolicyGroups", []):
            clusters.setdefault(group["GroupId"], cluster_of(policy))
    return clusters


def group_cluster(group: Resource, by_policy: Dict[str, str], region: Optional[str] = None) -> Optional[Resource]:
    """The group marked with its cluster and why, or None when it belongs to no cluster (in the region)."""
    by_name = iam_operators.group_owner(group["GroupName"], region)
    if by_name:
        return dict(group, Cluster=by_name, MatchedBy="name")
    if group["GroupId"] in by_policy:
        return dict(group, Cluster=by_policy[group["GroupId"]], MatchedBy="attached policy")
    return None


def find_iam_groups(client, cluster_name: Optional[str], policies: List[Resource], region: Optional[str] = None) -> List[Resource]:
    """The groups named ec2mpi-<cluster>-<region>-operators (or -operators, before regions) or holding one of the cluster's policies."""
    by_policy = clusters_by_attached_policy(client, policies)
    groups = [group_cluster(group, by_policy, region) for group in list_groups(client)]
    return [group for group in groups if group and in_cluster(group, cluster_name)]


def discover(ec2_client, iam_client, cluster_name: Optional[str], include_iam: bool, region: Optional[str] = None) -> Resources:
    """Every resource of cluster_name (of every ec2mpi cluster when None) by type; IAM only with include_iam, and
    then only the region's (every region's when None: IAM is global)."""
    filters = tag_filters(cluster_name)
    resources = {
        "instances": find_instances(ec2_client, filters),
        "placement_groups": find_placement_groups(ec2_client, filters),
        "security_groups": find_security_groups(ec2_client, filters),
        "key_pairs": find_key_pairs(ec2_client, filters),
        "route_tables": find_route_tables(ec2_client, filters),
        "internet_gateways": find_internet_gateways(ec2_client, filters),
        "subnets": find_subnets(ec2_client, filters),
        "vpcs": find_vpcs(ec2_client, filters),
    }
    if include_iam:
        policies = find_iam_policies(iam_client, cluster_name, region)
        resources["iam_users"] = find_iam_users(iam_client, cluster_name, region)
        resources["iam_groups"] = find_iam_groups(iam_client, cluster_name, policies, region)
        resources["iam_policies"] = policies
    return resources


# What the modules return.


def label(resource_type: str, resource: Resource) -> str:
    """What the type's delete call takes: an id, a name (key pairs, placement groups, IAM users, groups) or an ARN."""
    return resource[_LABEL_KEYS[resource_type]]


def labels(resources: Resources) -> Dict[str, List[str]]:
    return {
        resource_type: [label(resource_type, resource) for resource in found]
        for resource_type, found in resources.items()
    }


def count(resources: Resources) -> int:
    return sum(len(found) for found in resources.values())


def instance_summary(instance: Resource, added_tags: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """An instance as every module of ours returns one (ec2_cluster_info, ec2_cluster_instances); tags just added included."""
    instance = normalize_boto3_result(instance)  # LaunchTime as an ISO 8601 string
    tags = dict(tags_of(instance), **(added_tags or {}))
    return {
        "id": instance["InstanceId"],
        "name": tags.get("Name"),
        "state": instance["State"]["Name"],
        "instance_type": instance.get("InstanceType"),
        "private_ip_address": instance.get("PrivateIpAddress"),
        "public_ip_address": instance.get("PublicIpAddress"),
        "role": tags.get(ROLE_TAG),
        "launch_time": instance.get("LaunchTime"),
        "subnet_id": instance.get("SubnetId"),
        "vpc_id": instance.get("VpcId"),
        "cluster": cluster_of(instance),
        "tags": tags,
    }


def summary(resource_type: str, resource: Resource) -> Dict[str, Any]:
    """One resource as snake_case with id, name (the Name tag where the type has no name), cluster and tags."""
    if resource_type == "instances":
        return instance_summary(resource)
    described = boto3_resource_to_ansible_dict(resource)
    described["id"] = resource[_ID_KEYS[resource_type]]
    described["name"] = (
        resource[_NAME_KEYS[resource_type]] if resource_type in _NAME_KEYS else tags_of(resource).get("Name")
    )
    described["cluster"] = cluster_of(resource)
    return described


def summaries(resources: Resources) -> Dict[str, List[Dict[str, Any]]]:
    return {
        resource_type: [summary(resource_type, resource) for resource in found]
        for resource_type, found in resources.items()
    }


def cluster_counts(resources: Resources) -> Dict[str, Dict[str, int]]:
    """{cluster: {resource type: count, running_instances: count}} for every cluster found."""
    counts: Dict[str, Dict[str, int]] = {}
    for resource_type, found in resources.items():
        for resource in found:
            cluster = counts.setdefault(cluster_of(resource), dict.fromkeys(list(resources) + ["running_instances"], 0))
            cluster[resource_type] += 1
            if resource_type == "instances" and resource["State"]["Name"] == "running":
                cluster["running_instances"] += 1
    return counts


def orphans(resources: Resources) -> List[str]:
    """The clusters with EC2 resources in this region but no pending, running or stopped instance.

    IAM is global, so IAM resources alone do not make a cluster an orphan of this region.
    """
    with_resources = {
        cluster_of(resource) for resource_type in EC2_TYPES for resource in resources.get(resource_type, [])
    }
    alive = {
        cluster_of(instance)
        for instance in resources.get("instances", [])
        if instance["State"]["Name"] in LIVE_INSTANCE_STATES
    }
    return sorted(with_resources - alive)
