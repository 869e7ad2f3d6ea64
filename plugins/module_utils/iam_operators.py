# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Whose an IAM object is, for one cluster in one region, and how to delete an IAM user AWS will let go.

IAM is global but a cluster lives in a region, and the same cluster name may live in two. So the iam
role names its policy ec2mpi-<cluster>-<region>-operator and its group ec2mpi-<cluster>-<region>-operators,
tags the policy ec2mpi:cluster and ec2mpi:region, and tags each user it creates (never one that existed)
ec2mpi:created-by=<cluster>/<region>. Objects of releases before that (named and tagged with the cluster
alone) still belong to the cluster in every region, so the first teardown_iam finds them.

Users: cluster_resources.find_iam_users (and through it ec2_cluster_info and ec2_cluster_teardown).
"""

import re
from typing import Dict
from typing import List
from typing import Optional

from ansible_collections.amazon.aws.plugins.module_utils import iam
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.ec2mpi.cluster.plugins.module_utils.input_rules import CLUSTER_NAME

CLUSTER_TAG = "ec2mpi:cluster"
REGION_TAG = "ec2mpi:region"
CREATED_BY_TAG = "ec2mpi:created-by"
# AWS region names: us-west-2, us-gov-west-1, ap-southeast-4, ...
REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d+")
# The group names the iam role defaults to: regional first, so that ec2mpi-mpi-us-west-2-operators is
# cluster mpi in us-west-2, not a cluster named mpi-us-west-2 of before regions.
REGIONAL_GROUP = re.compile(rf"ec2mpi-(?P<cluster>{CLUSTER_NAME.pattern})-(?P<region>{REGION.pattern})-operators")
LEGACY_GROUP = re.compile(rf"ec2mpi-(?P<cluster>{CLUSTER_NAME.pattern})-operators")


def created_by(cluster_name: str, region: str) -> str:
    """The value of the ec2mpi:created-by tag of the users a cluster creates in a region."""
    return f"{cluster_name}/{region}"


def user_owner(tags: Dict[str, str]) -> Optional[str]:
    """The cluster that created a user (and so may delete it), or None for a user of no cluster."""
    if CREATED_BY_TAG in tags:
        return tags[CREATED_BY_TAG].rpartition("/")[0]
    return tags.get(CLUSTER_TAG)


def owns_user(tags: Dict[str, str], cluster_name: Optional[str], region: Optional[str]) -> bool:
    """Whether the cluster (any cluster when None) created the user in the region (any region when None)."""
    owner = user_owner(tags)
    if owner is None or cluster_name not in (None, owner):
        return False
    # A user tagged before regions has no created-by tag: its cluster's, wherever that is torn down.
    return region is None or CREATED_BY_TAG not in tags or tags[CREATED_BY_TAG] == created_by(owner, region)


def owns_policy(tags: Dict[str, str], cluster_name: Optional[str], region: Optional[str]) -> bool:
    """Whether a customer managed policy is the cluster's (any cluster when None) in the region (any when None)."""
    if CLUSTER_TAG not in tags or cluster_name not in (None, tags[CLUSTER_TAG]):
        return False
    return region is None or tags.get(REGION_TAG, region) == region


def group_owner(group_name: str, region: Optional[str]) -> Optional[str]:
    """The cluster whose default operator group this is in the region (any region when None), or None."""
    regional = REGIONAL_GROUP.fullmatch(group_name)
    if regional:
        return regional.group("cluster") if region in (None, regional.group("region")) else None
    legacy = LEGACY_GROUP.fullmatch(group_name)
    return legacy.group("cluster") if legacy else None


# What holds an IAM user: DeleteUser fails with DeleteConflict until all of it is gone. Group
# memberships, attached policies and access keys are ec2_cluster_teardown's (it also empties groups).


def pages(client, operation: str, key: str, **params) -> List[Dict]:
    return client.get_paginator(operation).paginate(**params).build_full_result()[key]


@iam.IAMErrorHandler.list_error_handler("list what holds IAM user", [])
@AWSRetry.jittered_backoff()
def list_user_items(client, operation: str, key: str, user_name: str) -> List[Dict]:
    return pages(client, operation, key, UserName=user_name)


@iam.IAMErrorHandler.deletion_error_handler("delete what holds IAM user")
@AWSRetry.jittered_backoff()
def delete_user_item(client, operation: str, **params) -> bool:
    getattr(client, operation)(**params)
    return True


def delete_mfa_devices(client, user_name: str) -> None:
    for device in list_user_items(client, "list_mfa_devices", "MFADevices", user_name):
        serial = device["SerialNumber"]
        delete_user_item(client, "deactivate_mfa_device", UserName=user_name, SerialNumber=serial)
        # A virtual device (an ARN) lives on after deactivation; a hardware one is the user's to keep.
        if serial.startswith("arn:"):
            delete_user_item(client, "delete_virtual_mfa_device", SerialNumber=serial)


def delete_user_credentials(client, user_name: str) -> None:
    """Everything but groups, attached policies and access keys that makes DeleteUser fail with DeleteConflict."""
    delete_mfa_devices(client, user_name)
    for key in list_user_items(client, "list_ssh_public_keys", "SSHPublicKeys", user_name):
        delete_user_item(client, "delete_ssh_public_key", UserName=user_name, SSHPublicKeyId=key["SSHPublicKeyId"])
    for certificate in list_user_items(client, "list_signing_certificates", "Certificates", user_name):
        delete_user_item(client, "delete_signing_certificate", UserName=user_name, CertificateId=certificate["CertificateId"])
    for policy_name in list_user_items(client, "list_user_policies", "PolicyNames", user_name):
        delete_user_item(client, "delete_user_policy", UserName=user_name, PolicyName=policy_name)
    delete_user_item(client, "delete_login_profile", UserName=user_name)


@AWSRetry.jittered_backoff()
def request_user_deletion(client, user_name: str) -> None:
    client.delete_user(UserName=user_name)


@iam.IAMErrorHandler.deletion_error_handler("delete IAM user")
def delete_user(client, user_name: str) -> bool:
    """DeleteUser; on DeleteConflict the user's service-specific credentials go first, then DeleteUser again.

    Those (CodeCommit, Keyspaces passwords) are rare and ListServiceSpecificCredentials is one more call per
    user, so they are looked for only when AWS says something still holds the user."""
    try:
        request_user_deletion(client, user_name)
    except is_boto3_error_code("DeleteConflict"):
        for credential in service_specific_credentials(client, user_name):
            delete_user_item(client, "delete_service_specific_credential", UserName=user_name,
                             ServiceSpecificCredentialId=credential["ServiceSpecificCredentialId"])
        request_user_deletion(client, user_name)
    return True


@AWSRetry.jittered_backoff()
def service_specific_credentials(client, user_name: str) -> List[Dict]:
    # Not paginated in boto3.
    return client.list_service_specific_credentials(UserName=user_name)["ServiceSpecificCredentials"]
