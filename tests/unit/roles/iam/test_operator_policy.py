# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The operator policy as the iam role renders it: every statement's actions, resources and conditions.

moto does not evaluate conditions, so this is where what keeps operators inside their cluster is checked:
RunInstances only into the cluster's tagged subnet, security group, key pair and placement group, from the
allowed image owners, of the allowed types, tagged for the cluster; lifecycle actions only on its instances.
"""

import importlib.util
from pathlib import Path

import pytest

LINT = Path(__file__).resolve().parents[4] / "tools" / "lint-iam-policy.py"
SPEC = importlib.util.spec_from_file_location("lint_iam_policy", LINT)
lint = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(lint)

VALUES = dict(lint.EXAMPLE, iam_cluster_name="lab-1", iam_region="eu-west-1", iam_allowed_instance_types=["g5.xlarge", "g4dn.xlarge"],
              iam_image_owners=["099720109477", "111122223333"], iam_account_id="210987654321")
EC2 = "arn:aws:ec2:eu-west-1:210987654321:"
RUN_REQUIRED = ("image", "instance", "network-interface", "security-group", "subnet", "volume")


@pytest.fixture(scope="module")
def statements():
    policy = lint.render_policy(VALUES)
    assert policy["Version"] == "2012-10-17"
    by_sid = {statement["Sid"]: statement for statement in policy["Statement"]}
    assert len(by_sid) == len(policy["Statement"]), "Sids must be unique"
    assert all(statement["Effect"] == "Allow" for statement in by_sid.values())
    return by_sid


def as_list(value):
    return [value] if isinstance(value, str) else value


def test_nothing_but_the_listed_actions(statements):
    actions = {action for statement in statements.values() for action in as_list(statement["Action"])}
    assert actions == {
        "ec2:DescribeInstances", "ec2:DescribePlacementGroups", "ec2:DescribeSecurityGroups", "ec2:DescribeKeyPairs",
        "ec2:DescribeRouteTables", "ec2:DescribeInternetGateways", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "ec2:DescribeImages",
        "ec2:StartInstances", "ec2:StopInstances", "ec2:TerminateInstances", "ec2:RunInstances", "ec2:CreateTags",
        "iam:ChangePassword", "iam:GetAccountPasswordPolicy",
    }
    assert not any("*" in action for action in actions), "no wildcard actions"


def test_describes_only_in_the_region(statements):
    describe = statements["DescribeWhatStatusStartStopAndLaunchRead"]
    assert all(action.startswith("ec2:Describe") for action in describe["Action"])
    assert describe["Resource"] == "*"
    assert describe["Condition"] == {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}


def test_start_stop_terminate_only_the_clusters_instances_in_the_region(statements):
    lifecycle = statements["StartStopTerminateClusterInstances"]
    assert lifecycle["Action"] == ["ec2:StartInstances", "ec2:StopInstances", "ec2:TerminateInstances"]
    # These actions authorize only instances, so "*" grants what instance/* would; the tag does the scoping.
    assert lifecycle["Resource"] == "*"
    assert lifecycle["Condition"] == {
        "StringEquals": {"aws:RequestedRegion": "eu-west-1", "ec2:ResourceTag/ec2mpi:cluster": "lab-1"}}


def test_run_only_allowed_types_tagged_for_the_cluster(statements):
    instance = statements["RunAllowedTypesTaggedForCluster"]
    assert instance["Action"] == "ec2:RunInstances"
    assert instance["Resource"] == EC2 + "instance/*"
    assert instance["Condition"] == {"StringEquals": {
        "aws:RequestTag/ec2mpi:cluster": "lab-1", "ec2:InstanceType": ["g5.xlarge", "g4dn.xlarge"]}}

    created = statements["RunCreatesVolumesAndInterfacesTaggedForCluster"]
    assert created["Resource"] == [EC2 + "volume/*", EC2 + "network-interface/*"]
    assert created["Condition"] == {"StringEquals": {"aws:RequestTag/ec2mpi:cluster": "lab-1"}}


def test_run_into_another_subnet_or_with_an_untagged_key_is_not_allowed(statements):
    into = statements["RunIntoClusterNetworkKeyAndPlacement"]
    assert into["Resource"] == [EC2 + kind + "/*" for kind in ("subnet", "security-group", "key-pair", "placement-group")]
    # Only resources that carry the cluster's tag: another subnet, or a key pair someone imported, does not.
    assert into["Condition"] == {"StringEquals": {"ec2:ResourceTag/ec2mpi:cluster": "lab-1"}}
    # And no other statement lets RunInstances use a subnet, security group, key pair or placement group.
    others = [s for sid, s in statements.items() if sid != "RunIntoClusterNetworkKeyAndPlacement" and "ec2:RunInstances" in as_list(s["Action"])]
    for statement in others:
        assert not any(kind in resource for resource in as_list(statement["Resource"])
                       for kind in ("subnet/", "security-group/", "key-pair/", "placement-group/")), statement["Sid"]
        assert statement["Resource"] != "*"


def test_run_only_images_of_the_allowed_owners(statements):
    image = statements["RunFromAllowedImageOwners"]
    assert image["Resource"] == "arn:aws:ec2:eu-west-1::image/*"
    assert image["Condition"] == {"StringEquals": {"ec2:Owner": ["099720109477", "111122223333"]}}


def test_run_statements_together_cover_every_resource_runinstances_requires(statements):
    resources = [r for s in statements.values() if "ec2:RunInstances" in as_list(s["Action"]) for r in as_list(s["Resource"])]
    for kind in RUN_REQUIRED:
        assert any(f":{kind}/" in resource for resource in resources), kind


def test_tags_only_at_launch_or_the_role_tag_on_cluster_instances(statements):
    at_launch = statements["TagOnlyAtLaunchWithClusterTag"]
    assert at_launch["Action"] == "ec2:CreateTags"
    assert at_launch["Resource"] == [EC2 + "instance/*", EC2 + "volume/*", EC2 + "network-interface/*"]
    assert at_launch["Condition"] == {"StringEquals": {"aws:RequestTag/ec2mpi:cluster": "lab-1", "ec2:CreateAction": "RunInstances"}}

    role = statements["TagRoleOfClusterInstances"]
    assert role["Action"] == "ec2:CreateTags"
    assert role["Resource"] == EC2 + "instance/*"
    assert role["Condition"] == {
        "StringEquals": {"ec2:ResourceTag/ec2mpi:cluster": "lab-1"},
        "ForAllValues:StringEquals": {"aws:TagKeys": ["ec2mpi:role"]},
    }


def test_operators_may_change_only_their_own_password(statements):
    assert statements["ChangeOwnPassword"] == {
        "Sid": "ChangeOwnPassword", "Effect": "Allow", "Action": "iam:ChangePassword",
        "Resource": "arn:aws:iam::210987654321:user/${aws:username}"}
    # GetAccountPasswordPolicy has no resource type: it can only be granted on "*".
    assert statements["ReadPasswordRules"]["Resource"] == "*"
    assert statements["ReadPasswordRules"]["Action"] == "iam:GetAccountPasswordPolicy"


def test_names_with_any_character_stay_valid_json():
    policy = lint.render_policy(dict(VALUES, iam_image_owners=['a"b']))
    image = next(s for s in policy["Statement"] if s["Sid"] == "RunFromAllowedImageOwners")
    assert image["Condition"]["StringEquals"]["ec2:Owner"] == ['a"b']


def test_parliament_finds_nothing_outside_the_allow_list():
    allow_list = lint.yaml.safe_load(lint.ALLOW_LIST.read_text())
    failing = [f for f in lint.findings(lint.render_policy(VALUES))
               if f[0] in lint.FAILING and not lint.allowed(allow_list, f[1], f[2])]
    assert failing == []
