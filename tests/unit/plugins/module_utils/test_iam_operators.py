# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Whose an IAM object is (cluster and region), and deleting a user that MFA, SSH keys and the rest hold."""

import json

import boto3
import pytest

from ansible_collections.ec2mpi.cluster.plugins.module_utils import iam_operators as ops

MINE = {"ec2mpi:cluster": "mpi", "ec2mpi:created-by": "mpi/us-west-2"}


@pytest.mark.parametrize("tags, cluster, region, owned", [
    (MINE, "mpi", "us-west-2", True),
    (MINE, "mpi", "eu-west-1", False),  # the same cluster name in another region
    (MINE, "other", "us-west-2", False),
    (MINE, None, None, True),
    ({}, "mpi", "us-west-2", False),  # a user that existed before: never the cluster's
    ({"ec2mpi:cluster": "mpi"}, "mpi", "eu-west-1", True),  # created before regions: the cluster's anywhere
])
def test_owns_user(tags, cluster, region, owned):
    assert ops.owns_user(tags, cluster, region) is owned


def test_owns_policy_by_region_tag_or_before_regions():
    assert ops.owns_policy({"ec2mpi:cluster": "mpi", "ec2mpi:region": "us-west-2"}, "mpi", "us-west-2")
    assert not ops.owns_policy({"ec2mpi:cluster": "mpi", "ec2mpi:region": "us-west-2"}, "mpi", "eu-west-1")
    assert ops.owns_policy({"ec2mpi:cluster": "mpi"}, "mpi", "eu-west-1")
    assert not ops.owns_policy({}, "mpi", "us-west-2")


def test_group_owner_reads_the_region_before_the_cluster():
    assert ops.group_owner("ec2mpi-mpi-us-west-2-operators", "us-west-2") == "mpi"
    assert ops.group_owner("ec2mpi-mpi-us-west-2-operators", "eu-west-1") is None
    assert ops.group_owner("ec2mpi-mpi-lab-us-gov-west-1-operators", None) == "mpi-lab"
    assert ops.group_owner("ec2mpi-mpi-lab-operators", "eu-west-1") == "mpi-lab"
    assert ops.group_owner("someone-elses", None) is None


def test_a_user_with_mfa_ssh_key_certificate_inline_policy_and_password_is_deleted(moto):
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_user(UserName="held")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="held")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName="held", SerialNumber=device, AuthenticationCode1="123456", AuthenticationCode2="654321")
    iam.upload_ssh_public_key(UserName="held", SSHPublicKeyBody="ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDZ held")
    deny_all = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    iam.put_user_policy(UserName="held", PolicyName="inline", PolicyDocument=json.dumps(deny_all))
    iam.create_login_profile(UserName="held", Password="Initial-Password-1")

    ops.delete_user_credentials(iam, "held")
    assert ops.delete_user(iam, "held") is True

    assert "held" not in [u["UserName"] for u in iam.list_users()["Users"]]
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []
    # Already gone counts as done.
    assert ops.delete_user(iam, "held") is False
