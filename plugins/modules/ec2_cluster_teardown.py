#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ec2_cluster_teardown
version_added: 0.1.0
short_description: Delete every AWS resource of an ec2mpi cluster, in dependency order, and prove nothing is left
description:
  - Deletes what M(ec2mpi.cluster.ec2_cluster_info) finds for O(cluster_name), that is only resources tagged
    C(ec2mpi:cluster=<cluster_name>) (IAM groups by name or attached policy, as they cannot be tagged).
  - "Order: terminate the instances and wait until they are terminated (through C(pending), C(stopping) and
    C(stopped), which an instance may pass on its way); the placement group; the security
    groups (after revoking their rules that reference a group of the cluster, their own included); the key
    pair; the route tables (after disassociating them; never a VPC's main route table, which goes with its
    VPC); the internet gateways (detached first); the subnets; the VPCs."
  - "With O(include_iam=true), then, for the IAM objects of the cluster in the module's region (and those of
    releases before regions): the policies attached to the cluster's groups and users are detached, every member
    leaves the cluster's groups, the users the cluster created (tagged C(ec2mpi:created-by=<cluster>/<region>))
    leave every group, lose their access keys, MFA devices (deactivated; virtual ones deleted), SSH public keys,
    signing certificates, inline policies, console password and service-specific credentials and are deleted, the
    groups are deleted, and the cluster's policies are detached from whatever still holds them, lose their
    non-default versions and are deleted. Users that existed before the cluster only leave its group."
  - Security groups, subnets and VPCs are retried with backoff on C(DependencyViolation), as network
    interfaces of just-terminated instances linger on AWS for a while; so is detaching an internet gateway.
  - A VPC that holds resources that are not the cluster's (an instance, subnet, security group, route table
    or internet gateway someone added) is left alone at once, without retrying; RV(blocked_by) and the
    failure message name those resources.
  - Afterwards the cluster is looked up again. AWS's Describe calls lag behind deletions (eventual consistency), so
    while they still list something just deleted the lookup is repeated every 5 seconds for at most 60 seconds.
    If anything is left then, the module fails naming it, and saying how much it deleted (a failed task does not
    count as changed in Ansible's recap).
  - Placement groups in the C(deleting) or C(deleted) state count as gone.
  - A second run finds nothing and changes nothing. Check mode lists what would be deleted and calls no
    mutating API. With C(--diff) the before and after lists of each type are shown.
author:
  - ec2mpi developers (@ec2mpi)
options:
  cluster_name:
    description:
      - The cluster to delete, as the playbooks' C(cluster_name) (the value of the C(ec2mpi:cluster) tag).
    required: true
    type: str
  include_iam:
    description:
      - Also delete the cluster's IAM users, group and policy of this region (the names and tags carry it).
      - Off by default, so that operator accounts survive a rebuild of the cluster.
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait for the instances to terminate; the instances are polled every 5 seconds.
      - On timeout the module fails naming the instances that are not terminated and their states.
    type: int
    default: 600
extends_documentation_fragment:
  - ec2mpi.cluster.progress
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Show what tearing down cluster mpi-lab would delete
  ec2mpi.cluster.ec2_cluster_teardown:
    region: us-west-2
    cluster_name: mpi-lab
  check_mode: true
  register: doomed

- name: Delete the cluster, its operators' IAM users, group and policy too
  ec2mpi.cluster.ec2_cluster_teardown:
    region: us-west-2
    cluster_name: mpi-lab
    include_iam: true
"""

RETURN = r"""
deleted:
  description:
    - What was deleted, by type (the types of M(ec2mpi.cluster.ec2_cluster_info)'s
      RV(ec2mpi.cluster.ec2_cluster_info#module:resources)).
    - Ids, except names for key pairs, placement groups, IAM users and IAM groups, and ARNs for IAM policies.
    - The IAM types are present only with O(include_iam=true).
  returned: when not in check mode
  type: dict
  sample: {instances: [i-0123456789abcdef0], vpcs: [vpc-0123456789abcdef0], key_pairs: [ec2mpi-mpi-lab]}
would_delete:
  description: What a real run would delete, shaped like RV(deleted).
  returned: in check mode
  type: dict
  sample: {instances: [i-0123456789abcdef0], vpcs: [vpc-0123456789abcdef0], key_pairs: [ec2mpi-mpi-lab]}
blocked_by:
  description:
    - The cluster's VPCs left alone because they hold resources that are not the cluster's (an instance,
      subnet, security group, route table or internet gateway), as C(type id) by VPC id.
    - DeleteVpc would fail on them with DependencyViolation however long it retried; the failure message names them.
  returned: when not in check mode
  type: dict
  sample: {vpc-0123456789abcdef0: [subnet subnet-0123456789abcdef0]}
remaining:
  description:
    - The cluster's resources found by a fresh lookup after the deletion, shaped like
      M(ec2mpi.cluster.ec2_cluster_info)'s RV(ec2mpi.cluster.ec2_cluster_info#module:resources);
      every list is empty on success.
  returned: when not in check mode
  type: dict
  sample: {instances: [], vpcs: [], subnets: []}
"""

import time
from typing import Any
from typing import Dict
from typing import List
from typing import Set
from typing import Tuple

from ansible_collections.amazon.aws.plugins.module_utils import ec2
from ansible_collections.amazon.aws.plugins.module_utils import iam
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import AnsibleEC2Error
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.ec2mpi.cluster.plugins.module_utils import cluster_resources as cr
from ansible_collections.ec2mpi.cluster.plugins.module_utils import iam_operators
from ansible_collections.ec2mpi.cluster.plugins.module_utils.progress import PROGRESS_ARGUMENT_SPEC
from ansible_collections.ec2mpi.cluster.plugins.module_utils.progress import Progress

# Network interfaces of terminated instances linger for a while on AWS and hold their subnet,
# security groups and public addresses; deleting those fails with DependencyViolation meanwhile.
retry_dependencies = AWSRetry.jittered_backoff(catch_extra_error_codes=["DependencyViolation"])

# How long AWS's Describe calls may go on listing what was just deleted (eventual consistency):
# the final lookup is repeated, every cr.WAIT_DELAY seconds, for at most this many seconds.
CONSISTENCY_TIMEOUT = 60


@ec2.EC2SecurityGroupsErrorHandler.deletion_error_handler("delete security group")
@retry_dependencies
def delete_security_group(client, group_id: str) -> bool:
    client.delete_security_group(GroupId=group_id)
    return True


@ec2.EC2InternetGatewayErrorHandler.deletion_error_handler("detach internet gateway")
@retry_dependencies
def detach_internet_gateway(client, gateway_id: str, vpc_id: str) -> bool:
    client.detach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    return True


@ec2.EC2VpcSubnetErrorHandler.deletion_error_handler("delete subnet")
@retry_dependencies
def delete_subnet(client, subnet_id: str) -> bool:
    client.delete_subnet(SubnetId=subnet_id)
    return True


@ec2.EC2VpcErrorHandler.deletion_error_handler("delete VPC")
@retry_dependencies
def delete_vpc(client, vpc_id: str) -> bool:
    client.delete_vpc(VpcId=vpc_id)
    return True


@ec2.EC2VpcErrorHandler.list_error_handler("describe what the VPC holds", [])
@AWSRetry.jittered_backoff()
def describe_in_vpc(client, operation: str, key: str, vpc_filter: str, vpc_id: str) -> List[cr.Resource]:
    pages = client.get_paginator(operation).paginate(Filters=[{"Name": vpc_filter, "Values": [vpc_id]}])
    return pages.build_full_result()[key]


# IAM calls amazon.aws (>= 9.0.0) has no wrapper for. NoSuchEntity counts as done.


@iam.IAMErrorHandler.list_error_handler("list policies attached to IAM group", [])
@AWSRetry.jittered_backoff()
def attached_group_policies(client, group_name: str) -> List[str]:
    pages = client.get_paginator("list_attached_group_policies").paginate(GroupName=group_name)
    return [policy["PolicyArn"] for policy in pages.build_full_result()["AttachedPolicies"]]


@iam.IAMErrorHandler.list_error_handler("list policies attached to IAM user", [])
@AWSRetry.jittered_backoff()
def attached_user_policies(client, user_name: str) -> List[str]:
    pages = client.get_paginator("list_attached_user_policies").paginate(UserName=user_name)
    return [policy["PolicyArn"] for policy in pages.build_full_result()["AttachedPolicies"]]


@iam.IAMErrorHandler.list_error_handler("list groups of IAM user", [])
@AWSRetry.jittered_backoff()
def groups_of_user(client, user_name: str) -> List[str]:
    pages = client.get_paginator("list_groups_for_user").paginate(UserName=user_name)
    return [group["GroupName"] for group in pages.build_full_result()["Groups"]]


@iam.IAMErrorHandler.list_error_handler("list access keys of IAM user", [])
@AWSRetry.jittered_backoff()
def access_key_ids(client, user_name: str) -> List[str]:
    pages = client.get_paginator("list_access_keys").paginate(UserName=user_name)
    return [key["AccessKeyId"] for key in pages.build_full_result()["AccessKeyMetadata"]]


@iam.IAMErrorHandler.deletion_error_handler("remove IAM user from group")
@AWSRetry.jittered_backoff()
def remove_user_from_group(client, group_name: str, user_name: str) -> bool:
    client.remove_user_from_group(GroupName=group_name, UserName=user_name)
    return True


@iam.IAMErrorHandler.deletion_error_handler("delete access key")
@AWSRetry.jittered_backoff()
def delete_access_key(client, user_name: str, access_key_id: str) -> bool:
    client.delete_access_key(UserName=user_name, AccessKeyId=access_key_id)
    return True


@iam.IAMErrorHandler.deletion_error_handler("delete IAM group")
@AWSRetry.jittered_backoff()
def delete_group(client, group_name: str) -> bool:
    client.delete_group(GroupName=group_name)
    return True


@iam.IAMErrorHandler.deletion_error_handler("delete policy version")
@AWSRetry.jittered_backoff()
def delete_policy_version(client, policy_arn: str, version_id: str) -> bool:
    client.delete_policy_version(PolicyArn=policy_arn, VersionId=version_id)
    return True


@iam.IAMErrorHandler.deletion_error_handler("delete IAM policy")
@AWSRetry.jittered_backoff()
def delete_policy(client, policy_arn: str) -> bool:
    client.delete_policy(PolicyArn=policy_arn)
    return True


# EC2, in dependency order. Each returns what it deleted (what was already gone is left out).


def wait_terminated(client, cluster_name: str, instance_ids: List[str], timeout: int, progress: Progress) -> None:
    """Poll until every instance is terminated, at most timeout // cr.WAIT_DELAY times, saying how many are after each poll.

    Not boto3's instance_terminated waiter: it gives up on pending or stopping, which an instance being
    terminated can still show (it was launching or stopping, or the Describe call lags behind)."""
    # A filter, not InstanceIds: an id AWS no longer lists (it drops terminated instances after a while)
    # is simply absent, instead of failing the whole call with InvalidInstanceID.NotFound.
    id_filter = [{"Name": "instance-id", "Values": instance_ids}]
    for attempt in range(max(1, timeout // cr.WAIT_DELAY)):
        if attempt:
            time.sleep(cr.WAIT_DELAY)
        instances = cr.instances_of(ec2.describe_instances(client, Filters=id_filter))
        waiting = [
            f"{instance['InstanceId']} ({instance['State']['Name']})"
            for instance in instances
            if instance["State"]["Name"] != "terminated"
        ]
        if not waiting:
            return
        progress.say(f"{len(instance_ids) - len(waiting)}/{len(instance_ids)} instances terminated after "
                     f"{(attempt + 1) * cr.WAIT_DELAY} s; waiting for {', '.join(waiting)}")
    raise AnsibleEC2Error(
        message=f"instances {', '.join(waiting)} of cluster {cluster_name} are not terminated after wait_timeout {timeout} s: "
        "raise wait_timeout and run the teardown again, or look at them in the EC2 console"
    )


def terminate_instances(client, cluster_name: str, instances: List[cr.Resource], timeout: int, progress: Progress) -> List[str]:
    instance_ids = [instance["InstanceId"] for instance in instances]
    if instance_ids:
        ec2.terminate_instances(client, instance_ids)
        wait_terminated(client, cluster_name, instance_ids, timeout, progress)
    return instance_ids


def delete_placement_groups(client, groups: List[cr.Resource]) -> List[str]:
    return [group["GroupName"] for group in groups if ec2.delete_ec2_placement_group(client, group["GroupName"])]


def cluster_references(permissions: List[Dict[str, Any]], group_ids: Set[str]) -> List[Dict[str, Any]]:
    """The rules among permissions that reference one of group_ids, reduced to those references."""
    references = []
    for permission in permissions:
        # Each pair as described (with UserId and Description): AWS matches the group id alone,
        # moto only the whole pair, so revoking exactly what is there works on both.
        pairs = [
            pair
            for pair in permission.get("UserIdGroupPairs", [])
            if pair.get("GroupId") in group_ids
        ]
        if pairs:
            rule = {key: permission[key] for key in ("IpProtocol", "FromPort", "ToPort") if key in permission}
            references.append(dict(rule, UserIdGroupPairs=pairs))
    return references


def delete_security_groups(client, groups: List[cr.Resource]) -> List[str]:
    # Groups that reference each other (or themselves) cannot be deleted until those rules are gone.
    group_ids = {group["GroupId"] for group in groups}
    for group in groups:
        ingress = cluster_references(group.get("IpPermissions", []), group_ids)
        if ingress:
            ec2.revoke_security_group_ingress(client, GroupId=group["GroupId"], IpPermissions=ingress)
        egress = cluster_references(group.get("IpPermissionsEgress", []), group_ids)
        if egress:
            ec2.revoke_security_group_egress(client, GroupId=group["GroupId"], IpPermissions=egress)
    return [group["GroupId"] for group in groups if delete_security_group(client, group["GroupId"])]


def delete_key_pairs(client, key_pairs: List[cr.Resource]) -> List[str]:
    return [key["KeyName"] for key in key_pairs if ec2.delete_key_pair(client, key_name=key["KeyName"])]


def delete_route_tables(client, tables: List[cr.Resource]) -> List[str]:
    deleted = []
    for table in tables:
        associations = table.get("Associations", [])
        if any(association.get("Main") for association in associations):
            continue  # a VPC's main route table cannot be deleted; it goes with its VPC
        for association in associations:
            ec2.disassociate_route_table(client, association["RouteTableAssociationId"])
        if ec2.delete_route_table(client, table["RouteTableId"]):
            deleted.append(table["RouteTableId"])
    return deleted


def delete_internet_gateways(client, gateways: List[cr.Resource]) -> List[str]:
    deleted = []
    for gateway in gateways:
        for attachment in gateway.get("Attachments", []):
            detach_internet_gateway(client, gateway["InternetGatewayId"], attachment["VpcId"])
        if ec2.delete_internet_gateway(client, gateway["InternetGatewayId"]):
            deleted.append(gateway["InternetGatewayId"])
    return deleted


def foreign_dependencies(client, vpc_id: str, cluster_name: str) -> List[str]:
    """What in the VPC is not the cluster's and keeps DeleteVpc failing (DependencyViolation), as 'type id'.

    The VPC's own default security group and main route table go with it. Network interfaces are left
    out: those of the cluster's terminated instances linger a while (the retries wait for them), and
    anyone else's sit in a subnet or belong to an instance named here."""
    def foreign(resource: cr.Resource) -> bool:
        return cr.cluster_of(resource) != cluster_name

    subnets = describe_in_vpc(client, "describe_subnets", "Subnets", "vpc-id", vpc_id)
    groups = describe_in_vpc(client, "describe_security_groups", "SecurityGroups", "vpc-id", vpc_id)
    tables = describe_in_vpc(client, "describe_route_tables", "RouteTables", "vpc-id", vpc_id)
    gateways = describe_in_vpc(client, "describe_internet_gateways", "InternetGateways", "attachment.vpc-id", vpc_id)
    reservations = describe_in_vpc(client, "describe_instances", "Reservations", "vpc-id", vpc_id)
    instances = [instance for reservation in reservations for instance in reservation["Instances"]]
    return (
        [f"instance {instance['InstanceId']}" for instance in instances
         if instance["State"]["Name"] not in ("shutting-down", "terminated") and foreign(instance)]
        + [f"subnet {subnet['SubnetId']}" for subnet in subnets if foreign(subnet)]
        + [f"security group {group['GroupId']}" for group in groups if group["GroupName"] != "default" and foreign(group)]
        + [f"route table {table['RouteTableId']}" for table in tables
           if foreign(table) and not any(association.get("Main") for association in table.get("Associations", []))]
        + [f"internet gateway {gateway['InternetGatewayId']}" for gateway in gateways if foreign(gateway)]
    )


def delete_vpcs(client, resources: cr.Resources, cluster_name: str) -> Tuple[List[str], Dict[str, List[str]]]:
    """The VPCs deleted, and for each VPC left alone what in it is someone else's (retrying would not help)."""
    deleted, blocked = [], {}
    for vpc_id in (vpc["VpcId"] for vpc in resources["vpcs"]):
        blockers = foreign_dependencies(client, vpc_id, cluster_name)
        if blockers:
            blocked[vpc_id] = blockers
        elif delete_vpc(client, vpc_id):
            deleted.append(vpc_id)
    return deleted, blocked


def delete_ec2(client, resources: cr.Resources, cluster_name: str, timeout: int,
               progress: Progress) -> Tuple[Dict[str, List[str]], Dict[str, List[str]]]:
    """What was deleted by type, and the VPCs that someone else's resources keep (see delete_vpcs())."""
    deleted = {
        "instances": terminate_instances(client, cluster_name, resources["instances"], timeout, progress),
        "placement_groups": delete_placement_groups(client, resources["placement_groups"]),
        "security_groups": delete_security_groups(client, resources["security_groups"]),
        "key_pairs": delete_key_pairs(client, resources["key_pairs"]),
        "route_tables": delete_route_tables(client, resources["route_tables"]),
        "internet_gateways": delete_internet_gateways(client, resources["internet_gateways"]),
        "subnets": [subnet["SubnetId"] for subnet in resources["subnets"] if delete_subnet(client, subnet["SubnetId"])],
    }
    deleted["vpcs"], blocked = delete_vpcs(client, resources, cluster_name)
    return deleted, blocked


# IAM: first everything that holds a user, group or policy, then those.


def detach_all_policies(client, users: List[str], groups: List[str]) -> None:
    for group in groups:
        for policy_arn in attached_group_policies(client, group):
            iam.detach_iam_group_policy(client, policy_arn, group)
    for user in users:
        for policy_arn in attached_user_policies(client, user):
            iam.detach_iam_user_policy(client, policy_arn, user)


def empty_groups(client, users: List[str], groups: List[str]) -> None:
    """Take the cluster's users out of every group, and every user out of the cluster's groups."""
    memberships = {(group, user) for user in users for group in groups_of_user(client, user)}
    for group in groups:
        members = (iam.get_iam_group(client, group) or {}).get("Users", [])
        memberships.update((group, member["UserName"]) for member in members)
    for group, user in sorted(memberships):
        remove_user_from_group(client, group, user)


def delete_users(client, users: List[str]) -> List[str]:
    for user in users:
        for access_key_id in access_key_ids(client, user):
            delete_access_key(client, user, access_key_id)
        iam_operators.delete_user_credentials(client, user)
    return [user for user in users if iam_operators.delete_user(client, user)]


def delete_policies(client, policy_arns: List[str]) -> List[str]:
    for policy_arn in policy_arns:
        # Attached elsewhere too (a renamed operator group, a role): the policy is going anyway.
        holders = iam.list_iam_entities_for_policy(client, policy_arn) or {}
        for group in holders.get("PolicyGroups", []):
            iam.detach_iam_group_policy(client, policy_arn, group["GroupName"])
        for user in holders.get("PolicyUsers", []):
            iam.detach_iam_user_policy(client, policy_arn, user["UserName"])
        for role in holders.get("PolicyRoles", []):
            iam.detach_iam_role_policy(client, policy_arn, role["RoleName"])
        for version in iam.list_iam_managed_policy_versions(client, policy_arn):
            if not version["IsDefaultVersion"]:
                delete_policy_version(client, policy_arn, version["VersionId"])
    return [policy_arn for policy_arn in policy_arns if delete_policy(client, policy_arn)]


def delete_iam(client, resources: cr.Resources) -> Dict[str, List[str]]:
    found = cr.labels({resource_type: resources[resource_type] for resource_type in cr.IAM_TYPES})
    users, groups = found["iam_users"], found["iam_groups"]
    detach_all_policies(client, users, groups)
    empty_groups(client, users, groups)
    return {
        "iam_users": delete_users(client, users),
        "iam_groups": [group for group in groups if delete_group(client, group)],
        "iam_policies": delete_policies(client, found["iam_policies"]),
    }


def still_listed(deleted: Dict[str, List[str]], remaining: Dict[str, List[str]]) -> Dict[str, List[str]]:
    """What the Describe calls still list although its deletion succeeded, by type."""
    return {
        resource_type: [name for name in names if name in deleted.get(resource_type, [])]
        for resource_type, names in remaining.items()
    }


def discover_after(ec2_client, iam_client, cluster_name: str, include_iam: bool, region: str,
                   deleted: Dict[str, List[str]]) -> cr.Resources:
    """The cluster as AWS lists it once the Describe calls stop listing what was deleted, or CONSISTENCY_TIMEOUT is up."""
    for attempt in range(CONSISTENCY_TIMEOUT // cr.WAIT_DELAY + 1):
        if attempt:
            time.sleep(cr.WAIT_DELAY)
        after = cr.discover(ec2_client, iam_client, cluster_name, include_iam, region)
        # Only a deletion not seen yet is worth waiting for; anything else left stays left.
        if not any(still_listed(deleted, cr.labels(after)).values()):
            break
    return after


def left_message(cluster_name: str, region: str, deleted: Dict[str, List[str]], remaining: Dict[str, List[str]],
                 blocked: Dict[str, List[str]]) -> str:
    lagging = still_listed(deleted, remaining)
    left = "; ".join(
        f"{resource_type} "
        + ", ".join(f"{name} (deleted, but still listed after {CONSISTENCY_TIMEOUT} s)" if name in lagging[resource_type] else name
                    for name in names)
        for resource_type, names in remaining.items() if names
    )
    message = (
        f"teardown of cluster {cluster_name} in {region} deleted {sum(map(len, deleted.values()))} resource(s) "
        f"but left {sum(map(len, remaining.values()))}: {left}; "
    )
    if blocked:
        holders = "; ".join(f"vpc {vpc_id} holds {', '.join(blockers)}" for vpc_id, blockers in blocked.items())
        return message + f"{holders}, which are not the cluster's: delete them (or move them out) and run the teardown again"
    return message + "run the teardown again, or delete them (and whatever they depend on) in the AWS console"


def ensure_absent(module: AnsibleAWSModule, ec2_client, iam_client) -> Dict[str, Any]:
    """Delete the cluster (in check mode only say what would go); the result, with the diff of what was and is left."""
    cluster_name, include_iam = module.params["cluster_name"], module.params["include_iam"]
    before = cr.discover(ec2_client, iam_client, cluster_name, include_iam, module.region)
    doomed = cr.labels(before)
    if module.check_mode:
        nothing = {resource_type: [] for resource_type in doomed}
        return dict(changed=any(doomed.values()), would_delete=doomed, diff=dict(before=doomed, after=nothing))

    deleted, blocked = delete_ec2(ec2_client, before, cluster_name, module.params["wait_timeout"], Progress(module.params["progress_file"]))
    if include_iam:
        deleted.update(delete_iam(iam_client, before))
    after = discover_after(ec2_client, iam_client, cluster_name, include_iam, module.region, deleted)
    return dict(
        changed=any(deleted.values()),
        deleted=deleted,
        blocked_by=blocked,
        remaining=cr.summaries(after),
        diff=dict(before=doomed, after=cr.labels(after)),
    )


def main():
    argument_spec = dict(
        cluster_name=dict(type="str", required=True),
        include_iam=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
        **PROGRESS_ARGUMENT_SPEC,
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    problem = cr.invalid_cluster_name_message(module.params["cluster_name"])
    if not problem and module.params["wait_timeout"] < 1:
        problem = (
            f"wait_timeout {module.params['wait_timeout']} is not positive; "
            "set it to the seconds to wait for the instances to terminate (e.g. 600)"
        )
    if problem:
        module.fail_json(msg=problem)

    ec2_client = module.client("ec2")
    iam_client = module.client("iam") if module.params["include_iam"] else None
    try:
        result = ensure_absent(module, ec2_client, iam_client)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)

    left = result["diff"]["after"]
    if not module._diff:
        del result["diff"]
    if any(left.values()):
        message = left_message(module.params["cluster_name"], module.region, result["deleted"], left, result["blocked_by"])
        module.fail_json(msg=message, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
