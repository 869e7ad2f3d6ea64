# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""An operator's access key, made by provision.yml, running the operator playbooks with moto's IAM enforcement on.

moto enforces actions (INITIAL_NO_AUTH_ACTION_COUNT, switched at run time through /moto-api/reset-auth), not
conditions, and it authorizes EC2 calls against the resource "*". So here: stop.yml and status.yml pass as the
operator, TerminateInstances on the cluster's instance is allowed, calls outside the policy are denied; what
keeps RunInstances inside the cluster (conditions) is read back from the policy AWS stores. The conditions
themselves are tested in tests/unit/roles/iam/test_operator_policy.py. Also: teardown_iam deletes only the
users the cluster created, a created one with an MFA device and an SSH key included.
"""

import json
import urllib.request

import boto3
import pytest
from botocore.exceptions import ClientError
from cluster_api import REGION, SSH_INPUT
from localcloud.config import ACCESS_KEY, SECRET_KEY
from localcloud.session import Emulator, run_playbook

CLUSTER = "ops-policy"
ACCOUNT_ID = "123456789012"
POLICY_ARN = f"arn:aws:iam::{ACCOUNT_ID}:policy/ec2mpi-{CLUSTER}-{REGION}-operator"


@pytest.fixture(scope="module")
def enforcing(tmp_path_factory):
    """An API-only emulator of this module's own, as enforcement is switched on for everything on it."""
    emulator = Emulator.create("operator-tests", tmp_path_factory.mktemp("localcloud-operator-state"), api_only=True)
    with emulator.running():
        yield emulator


def client(emulator, service, key=ACCESS_KEY, secret=SECRET_KEY):
    return boto3.client(service, endpoint_url=emulator.endpoint_url, region_name=REGION, aws_access_key_id=key,
                        aws_secret_access_key=secret)


def set_auth(emulator, count):
    request = urllib.request.Request(f"{emulator.endpoint_url}/moto-api/reset-auth", data=str(count).encode(),
                                     headers={"Content-Type": "text/plain"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.load(response)["status"] == "ok"


def error_code(call):
    with pytest.raises(ClientError) as error:
        call()
    return error.value.response["Error"]["Code"]


def credentials(key_id, secret):
    return {"AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret}


def args(local_dir):
    return ["-e", f"cluster_name={CLUSTER}", "-e", f"cluster_local_dir={local_dir}", *SSH_INPUT,
            "-e", "vpc_cidr=10.77.0.0/16", "-e", "subnet_cidr=10.77.1.0/24"]


@pytest.fixture(scope="module")
def cluster(enforcing, tmp_path_factory):
    """A one-node cluster provisioned by an administrator, with a created operator and one that existed before."""
    iam = client(enforcing, "iam")
    iam.create_user(UserName="ops-before")
    iam.create_user(UserName="ops-admin")
    admin_policy = iam.create_policy(PolicyName="ops-admin-all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))["Policy"]["Arn"]
    iam.attach_user_policy(UserName="ops-admin", PolicyArn=admin_policy)
    admin = iam.create_access_key(UserName="ops-admin")["AccessKey"]
    local_dir = tmp_path_factory.mktemp("ops-cluster")
    set_auth(enforcing, 0)
    try:
        admin_env = dict(enforcing.env, **credentials(admin["AccessKeyId"], admin["SecretAccessKey"]))
        rc, output, _recap = run_playbook("provision.yml", *args(local_dir), "-e", "node_count=1", "-e",
                                          json.dumps({"operator_users": ["ops-new", "ops-before"], "operator_access_keys": True}),
                                          env=admin_env)
        assert rc == 0, output[-4000:]
        key_id, secret = (local_dir / "access-keys" / "ops-new.csv").read_text().splitlines()[1].split(",")
        yield {"admin_env": admin_env, "admin": admin, "operator": (key_id, secret), "local_dir": local_dir, "provision": output}
    finally:
        set_auth(enforcing, "inf")


def as_operator(enforcing, cluster, playbook, *extra):
    env = dict(enforcing.env, **credentials(*cluster["operator"]))
    return run_playbook(playbook, *args(cluster["local_dir"]), *extra, env=env)


def test_provision_says_how_operators_get_a_console_password(cluster):
    said = " ".join(cluster["provision"].split())
    assert "cannot sign in to the console until given a password: aws iam create-login-profile" in said, said[said.find("Operators:"):][:600]
    assert "signin.aws.amazon.com/console for" not in said


def test_operator_stops_the_cluster_and_reads_its_status(enforcing, cluster):
    admin_ec2 = client(enforcing, "ec2", cluster["admin"]["AccessKeyId"], cluster["admin"]["SecretAccessKey"])
    rc, output, _recap = as_operator(enforcing, cluster, "playbooks/stop.yml")
    assert rc == 0, output[-4000:]
    filters = [{"Name": "tag:ec2mpi:cluster", "Values": [CLUSTER]}]
    states = {i["State"]["Name"] for r in admin_ec2.describe_instances(Filters=filters)["Reservations"] for i in r["Instances"]}
    assert states == {"stopped"}

    rc, output, _recap = as_operator(enforcing, cluster, "playbooks/status.yml")
    assert rc == 0, output[-4000:]
    assert "not listed: these credentials may not read IAM" in " ".join(output.split())
    assert f"cluster {CLUSTER} in {REGION}: 1 instances (0 running)" in output

    # start.yml's first play (the AWS part); its second play logs in to the nodes, which an API-only emulator has not.
    # Not waiting long for SSH: the nodes' play fails here whatever the policy says.
    _rc, output, _recap = as_operator(enforcing, cluster, "playbooks/start.yml", "-e", "node_connect_timeout=1")
    assert "PLAY [Refresh MPI" in output or "PLAY [Find the cluster's running nodes]" in output, output[-4000:]
    assert "AccessDenied" not in output and "UnauthorizedOperation" not in output, output[-4000:]
    states = {i["State"]["Name"] for r in admin_ec2.describe_instances(Filters=filters)["Reservations"] for i in r["Instances"]}
    assert states == {"running"}


def test_operator_is_denied_what_the_policy_does_not_list(enforcing, cluster):
    operator_ec2 = client(enforcing, "ec2", *cluster["operator"])
    assert error_code(lambda: operator_ec2.create_vpc(CidrBlock="10.99.0.0/16")) in ("AccessDenied", "UnauthorizedOperation")
    assert error_code(lambda: operator_ec2.delete_key_pair(KeyName=f"ec2mpi-{CLUSTER}")) in ("AccessDenied", "UnauthorizedOperation")
    assert error_code(lambda: client(enforcing, "iam", *cluster["operator"]).list_users()) == "AccessDenied"


def test_run_instances_conditions_keep_operators_in_the_cluster(enforcing, cluster):
    iam = client(enforcing, "iam", cluster["admin"]["AccessKeyId"], cluster["admin"]["SecretAccessKey"])
    policy = iam.get_policy(PolicyArn=POLICY_ARN)["Policy"]
    assert {"Key": "ec2mpi:region", "Value": REGION} in policy["Tags"]
    document = iam.get_policy_version(PolicyArn=POLICY_ARN, VersionId=policy["DefaultVersionId"])["PolicyVersion"]["Document"]
    document = json.loads(document) if isinstance(document, str) else document
    statements = {s["Sid"]: s for s in document["Statement"]}
    # Another subnet, or a key pair not tagged for the cluster, matches no RunInstances statement.
    into = statements["RunIntoClusterNetworkKeyAndPlacement"]
    assert into["Condition"] == {"StringEquals": {"ec2:ResourceTag/ec2mpi:cluster": CLUSTER}}
    assert f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:subnet/*" in into["Resource"]
    assert f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:key-pair/*" in into["Resource"]
    image = statements["RunFromAllowedImageOwners"]
    assert image["Condition"] == {"StringEquals": {"ec2:Owner": ["amazon"]}}


def test_operator_terminates_the_clusters_instance(enforcing, cluster):
    admin_ec2 = client(enforcing, "ec2", cluster["admin"]["AccessKeyId"], cluster["admin"]["SecretAccessKey"])
    filters = [{"Name": "tag:ec2mpi:cluster", "Values": [CLUSTER]}, {"Name": "instance-state-name", "Values": ["running", "stopped"]}]
    ids = [i["InstanceId"] for r in admin_ec2.describe_instances(Filters=filters)["Reservations"] for i in r["Instances"]]
    assert ids
    operator_ec2 = client(enforcing, "ec2", *cluster["operator"])
    terminated = operator_ec2.terminate_instances(InstanceIds=ids)["TerminatingInstances"]
    assert sorted(t["InstanceId"] for t in terminated) == sorted(ids)


def test_teardown_iam_deletes_the_created_operator_with_mfa_and_ssh_key_and_keeps_the_one_from_before(enforcing, cluster):
    iam = client(enforcing, "iam", cluster["admin"]["AccessKeyId"], cluster["admin"]["SecretAccessKey"])
    assert {"Key": "ec2mpi:created-by", "Value": f"{CLUSTER}/{REGION}"} in iam.list_user_tags(UserName="ops-new")["Tags"]
    assert iam.list_user_tags(UserName="ops-before")["Tags"] == []
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="ops-new")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName="ops-new", SerialNumber=device, AuthenticationCode1="123456", AuthenticationCode2="654321")
    iam.upload_ssh_public_key(UserName="ops-new", SSHPublicKeyBody="ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDZ ops-new")

    rc, output, _recap = run_playbook("playbooks/teardown.yml", *args(cluster["local_dir"]), "-e", "teardown_iam=true",
                                      env=cluster["admin_env"])
    assert rc == 0, output[-4000:]

    users = [u["UserName"] for u in iam.list_users()["Users"]]
    assert "ops-new" not in users and "ops-before" in users
    assert iam.list_groups_for_user(UserName="ops-before")["Groups"] == []
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []
    assert error_code(lambda: iam.get_policy(PolicyArn=POLICY_ARN)) == "NoSuchEntity"
