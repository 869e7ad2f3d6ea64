# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ec2mpi.cluster.iam role, run by real ansible-playbook against an API-only emulator of this module's own.

moto does not evaluate IAM conditions and authorizes EC2 calls against the resource "*",
so the policy's conditions are checked in the generated document; what moto can enforce
(the actions) is checked with an operator's real access key in test_operator_key_is_enforced.
"""

import json
import re
import stat
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from localcloud.config import ACCESS_KEY, SECRET_KEY
from localcloud.session import Emulator, run_playbook

PLAYBOOK = Path(__file__).with_name("iam_role_playbook.yml")
REGION = "us-west-2"
ACCOUNT_ID = "123456789012"
INSTANCE_TYPES = ["g5.xlarge", "g4dn.xlarge"]
CSV_HEADER = "Access key ID,Secret access key"


@pytest.fixture(scope="module")
def iam_emulator(tmp_path_factory):
    """An API-only emulator of this module's own: the enforcement test turns moto's IAM authentication on."""
    emulator = Emulator.create("iam-tests", tmp_path_factory.mktemp("localcloud-iam-state"), api_only=True)
    with emulator.running():
        yield emulator


def _client(emulator, service, key=ACCESS_KEY, secret=SECRET_KEY):
    return boto3.client(service, endpoint_url=emulator.endpoint_url, region_name=REGION, aws_access_key_id=key,
                        aws_secret_access_key=secret)


@pytest.fixture(scope="module")
def iam(iam_emulator):
    return _client(iam_emulator, "iam")


class Run:
    def __init__(self, rc, output, recap):
        self.rc = rc
        self.output = output
        self.recap = recap.get("localhost")


def run_role(emulator, tmp_path, role_vars, *args, credentials=None, expect_rc=0):
    """Run the driver playbook with the role's variables from a file, as the emulator's dummy key or the given one."""
    vars_file = tmp_path / f"vars-{len(list(tmp_path.glob('vars-*.json')))}.json"
    vars_file.write_text(json.dumps(role_vars))
    env = dict(emulator.env, **(credentials or {}))
    run = Run(*run_playbook(str(PLAYBOOK), "-e", f"@{vars_file}", *args, env=env, timeout=300))
    assert run.rc == expect_rc, f"ansible-playbook exited {run.rc}, expected {expect_rc}:\n{run.output[-6000:]}"
    return run


def role_vars(cluster, users, keys_dir):
    return {
        "iam_cluster_name": cluster,
        "iam_region": REGION,
        "iam_allowed_instance_types": INSTANCE_TYPES,
        "iam_image_owners": ["amazon"],
        "iam_operator_group": f"ec2mpi-{cluster}-operators",
        "iam_operator_users": users,
        "iam_create_access_keys": True,
        "iam_access_keys_dir": str(keys_dir),
    }


def read_key_file(path):
    header, row = path.read_text().splitlines()
    assert header == CSV_HEADER
    key_id, secret = row.split(",")
    return key_id, secret


def key_ids(iam, user):
    return [k["AccessKeyId"] for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]]


def group_members(iam, group):
    return sorted(u["UserName"] for u in iam.get_group(GroupName=group)["Users"])


def flat(text):
    """The output with the YAML callback's line wrapping undone."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def converged(iam_emulator, iam, tmp_path_factory):
    """One converge with two users and access keys, run with -vvv --diff; its output is kept."""
    tmp = tmp_path_factory.mktemp("converged")
    keys_dir = tmp / "keys"
    run = run_role(iam_emulator, tmp, role_vars("alpha", ["alice", "bob"], keys_dir), "-vvv", "--diff")
    return {"run": run, "tmp": tmp, "keys_dir": keys_dir, "vars": role_vars("alpha", ["alice", "bob"], keys_dir)}


def test_group_policy_and_document(iam, converged):
    assert converged["run"].recap["changed"] > 0
    policy_arn = f"arn:aws:iam::{ACCOUNT_ID}:policy/ec2mpi-alpha-{REGION}-operator"
    policy = iam.get_policy(PolicyArn=policy_arn)["Policy"]
    assert {"Key": "ec2mpi:cluster", "Value": "alpha"} in policy["Tags"]
    attached = iam.list_attached_group_policies(GroupName="ec2mpi-alpha-operators")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [policy_arn]

    document = iam.get_policy_version(PolicyArn=policy_arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"][
        "Document"
    ]
    if isinstance(document, str):
        document = json.loads(document)
    # Each statement's conditions are checked in tests/unit/roles/iam/test_operator_policy.py; here, that IAM holds that document.
    statements = {s["Sid"]: s for s in document["Statement"]}
    assert {"Key": "ec2mpi:region", "Value": REGION} in policy["Tags"]
    assert statements["RunAllowedTypesTaggedForCluster"]["Condition"]["StringEquals"]["ec2:InstanceType"] == INSTANCE_TYPES
    assert statements["StartStopTerminateClusterInstances"]["Condition"]["StringEquals"]["ec2:ResourceTag/ec2mpi:cluster"] == "alpha"
    assert statements["ChangeOwnPassword"]["Resource"] == f"arn:aws:iam::{ACCOUNT_ID}:user/${{aws:username}}"


def test_users_tagged_and_members(iam, converged):
    assert group_members(iam, "ec2mpi-alpha-operators") == ["alice", "bob"]
    for user in ("alice", "bob"):
        tags = iam.list_user_tags(UserName=user)["Tags"]
        assert {"Key": "ec2mpi:cluster", "Value": "alpha"} in tags
        assert {"Key": "ec2mpi:created-by", "Value": f"alpha/{REGION}"} in tags


def test_one_key_per_user_in_a_private_file(iam, converged):
    keys_dir = converged["keys_dir"]
    assert stat.S_IMODE(keys_dir.stat().st_mode) == 0o700
    for user in ("alice", "bob"):
        path = keys_dir / f"{user}.csv"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        key_id, secret = read_key_file(path)
        assert key_ids(iam, user) == [key_id]
        assert len(secret) == 40


def test_output_shows_signin_url_and_files_but_no_secret(converged):
    output = converged["run"].output
    secrets = [read_key_file(converged["keys_dir"] / f"{user}.csv")[1] for user in ("alice", "bob")]
    assert "ESTABLISH LOCAL CONNECTION" in output, "the run was not at -vvv"
    for secret in secrets:
        assert secret not in output
    flat_output = flat(output)
    # No console password was given, so no sign-in URL, but the command that gives one.
    assert "Operators: no console sign-in; alice, bob cannot sign in" in flat_output
    assert "alice, bob cannot sign in to the console until given a password: aws iam create-login-profile" in flat_output
    assert (
        f"Access-key files written: {converged['keys_dir']}/alice.csv, {converged['keys_dir']}/bob.csv" in flat_output
    )


def test_rerun_changes_nothing(iam_emulator, iam, converged):
    before = {u: (converged["keys_dir"] / f"{u}.csv").read_text() for u in ("alice", "bob")}
    run = run_role(iam_emulator, converged["tmp"], converged["vars"])
    assert run.recap["changed"] == 0, run.output[-4000:]
    for user in ("alice", "bob"):
        assert len(key_ids(iam, user)) == 1
        assert (converged["keys_dir"] / f"{user}.csv").read_text() == before[user]
    assert "Access-key files written: (none)" in flat(run.output)
    assert "WARNING: " not in run.output.replace("[WARNING]: Deprecation warnings", "")


def test_missing_key_file_warns_and_dropped_user_leaves_group(iam_emulator, iam, tmp_path):
    keys_dir = tmp_path / "keys"
    run_role(iam_emulator, tmp_path, role_vars("bravo", ["carol", "dave"], keys_dir))
    carol_key = read_key_file(keys_dir / "carol.csv")[0]
    (keys_dir / "carol.csv").unlink()

    run = run_role(iam_emulator, tmp_path, role_vars("bravo", ["carol"], keys_dir))

    assert key_ids(iam, "carol") == [carol_key], "a second key was created"
    assert not (keys_dir / "carol.csv").exists()
    warnings = re.findall(r"WARNING: IAM user carol .*? and rerun\.", flat(run.output))
    assert len(warnings) == 1, run.output[-4000:]
    assert f"{keys_dir}/carol.csv is missing" in warnings[0]
    assert f"aws iam delete-access-key --user-name carol --access-key-id {carol_key}" in warnings[0]
    # dave left the group but still exists, with his key.
    assert group_members(iam, "ec2mpi-bravo-operators") == ["carol"]
    assert iam.get_user(UserName="dave")["User"]["UserName"] == "dave"
    assert len(key_ids(iam, "dave")) == 1


def test_check_mode_changes_nothing(iam_emulator, iam, tmp_path):
    keys_dir = tmp_path / "keys"
    run = run_role(iam_emulator, tmp_path, role_vars("charlie", ["erin", "frank"], keys_dir), "--check", "--diff")
    assert run.recap["changed"] > 0, "check mode should report what it would change"
    assert not keys_dir.exists()
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_group(GroupName="ec2mpi-charlie-operators")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_policy(PolicyArn=f"arn:aws:iam::{ACCOUNT_ID}:policy/ec2mpi-charlie-{REGION}-operator")
    users = {u["UserName"] for u in iam.list_users()["Users"]}
    assert not users & {"erin", "frank"}


def test_access_keys_without_directory_fail_before_aws(iam_emulator, iam, tmp_path):
    bad_vars = role_vars("delta", ["gina"], "")
    run = run_role(iam_emulator, tmp_path, bad_vars, expect_rc=2)
    assert "iam_access_keys_dir is required when iam_create_access_keys is true" in run.output
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_user(UserName="gina")


def _set_auth(endpoint_url, initial_no_auth_action_count):
    """moto's own switch for INITIAL_NO_AUTH_ACTION_COUNT on a running server (what its
    set_initial_no_auth_action_count decorator uses in server mode)."""
    request = urllib.request.Request(
        f"{endpoint_url}/moto-api/reset-auth",
        data=str(initial_no_auth_action_count).encode(),
        headers={"Content-Type": "text/plain"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.load(response)["status"] == "ok"


def _error_code(call):
    with pytest.raises(ClientError) as error:
        call()
    return error.value.response["Error"]["Code"]


def test_operator_key_is_enforced(iam_emulator, iam, tmp_path):
    # An administrator, made while moto still accepts unsigned requests.
    iam.create_user(UserName="ec2mpi-test-admin")
    admin_policy = iam.create_policy(
        PolicyName="ec2mpi-test-admin-all",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        ),
    )["Policy"]["Arn"]
    iam.attach_user_policy(UserName="ec2mpi-test-admin", PolicyArn=admin_policy)
    admin = iam.create_access_key(UserName="ec2mpi-test-admin")["AccessKey"]
    admin_credentials = {"AWS_ACCESS_KEY_ID": admin["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": admin["SecretAccessKey"]}

    # From now on every request must be signed by a real moto IAM key and is checked against its policies.
    _set_auth(iam_emulator.endpoint_url, 0)
    try:
        keys_dir = tmp_path / "keys"
        run_role(iam_emulator, tmp_path, role_vars("echo", ["oscar"], keys_dir), credentials=admin_credentials)
        key_id, secret = read_key_file(keys_dir / "oscar.csv")
        operator = _client(iam_emulator, "ec2", key_id, secret)

        # Enforcement is really on: unsigned-equivalent credentials and a wrong secret are refused.
        assert _error_code(lambda: _client(iam_emulator, "ec2").describe_instances()) == "AuthFailure"
        assert _error_code(lambda: _client(iam_emulator, "ec2", key_id, "x" * 40).describe_instances()) == "AuthFailure"

        assert operator.describe_instances()["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert _error_code(lambda: operator.create_vpc(CidrBlock="10.99.0.0/16")) == "AccessDenied"
        assert _error_code(lambda: _client(iam_emulator, "iam", key_id, secret).list_users()) == "AccessDenied"
        # The same call with the administrator's key passes: the denial comes from the operator policy.
        admin_ec2 = _client(iam_emulator, "ec2", admin["AccessKeyId"], admin["SecretAccessKey"])
        assert admin_ec2.create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]
    finally:
        _set_auth(iam_emulator.endpoint_url, "inf")
