# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ec2_cluster_teardown against moto (in-process) and, for faults moto cannot make, botocore's Stubber."""

import boto3
import pytest

from ansible_collections.ec2mpi.cluster.plugins.module_utils import cluster_resources as cr
from ansible_collections.ec2mpi.cluster.plugins.modules import ec2_cluster_teardown
from ansible_collections.ec2mpi.cluster.tests.unit import cluster_world


@pytest.fixture
def run(run_module, aws_credentials):
    def run_teardown(check_mode=False, **args):
        return run_module(ec2_cluster_teardown.main, dict(args, region=cluster_world.REGION), check_mode=check_mode)

    return run_teardown


def empty(labels):
    return {resource_type: [] for resource_type in labels}


def remaining_is_empty(result):
    return result["remaining"] and not any(result["remaining"].values())


def all_vpc_ids():
    return {vpc["VpcId"] for vpc in boto3.client("ec2", region_name=cluster_world.REGION).describe_vpcs()["Vpcs"]}


def test_check_mode_lists_everything_and_deletes_nothing(run, world):
    before = cluster_world.sorted_labels(cr.labels(cluster_world.discover(None)))

    outcome = run(cluster_name="a", include_iam=True, _ansible_diff=True, check_mode=True)

    assert not outcome.failed, outcome.result.get("msg")
    result = outcome.result
    assert result["changed"] is True
    assert cluster_world.sorted_labels(result["would_delete"]) == cluster_world.sorted_labels(world.a)
    assert cluster_world.sorted_labels(result["diff"]["before"]) == cluster_world.sorted_labels(world.a)
    assert result["diff"]["after"] == empty(world.a)
    assert "deleted" not in result and "remaining" not in result
    assert cluster_world.sorted_labels(cr.labels(cluster_world.discover(None))) == before


def test_check_mode_without_iam_leaves_iam_out(run, world):
    result, failed = run(cluster_name="a", check_mode=True)

    assert not failed
    assert cluster_world.sorted_labels(result["would_delete"]) == cluster_world.sorted_labels(cluster_world.ec2_only(world.a))


def test_teardown_deletes_the_cluster_and_only_it_keeping_iam_by_default(run, world):
    outcome = run(cluster_name="a")

    assert not outcome.failed, outcome.result.get("msg")
    result = outcome.result
    assert result["changed"] is True
    assert cluster_world.sorted_labels(result["deleted"]) == cluster_world.sorted_labels(cluster_world.ec2_only(world.a))
    assert remaining_is_empty(result) and "iam_users" not in result["remaining"]
    assert outcome.warnings == []

    ec2 = boto3.client("ec2", region_name=cluster_world.REGION)
    states = [
        node["State"]["Name"]
        for page in ec2.describe_instances(InstanceIds=world.a["instances"])["Reservations"]
        for node in page["Instances"]
    ]
    assert states == ["terminated", "terminated"]
    iam_of_a = {resource_type: world.a[resource_type] for resource_type in cr.IAM_TYPES}
    left_of_a = cr.labels(cluster_world.discover("a"))
    assert cluster_world.sorted_labels(left_of_a) == cluster_world.sorted_labels(dict(empty(world.a), **iam_of_a))
    assert cluster_world.sorted_labels(cr.labels(cluster_world.discover("other"))) == cluster_world.sorted_labels(world.other)
    assert world.untagged_vpc in all_vpc_ids()


def test_second_run_changes_nothing(run, world):
    assert run(cluster_name="a").result["changed"] is True

    again = run(cluster_name="a", _ansible_diff=True)
    checked = run(cluster_name="a", check_mode=True)

    assert not again.failed and again.result["changed"] is False
    assert again.result["deleted"] == empty(cluster_world.ec2_only(world.a)) and remaining_is_empty(again.result)
    assert again.result["diff"] == {"before": empty(cluster_world.ec2_only(world.a)), "after": empty(cluster_world.ec2_only(world.a))}
    assert not checked.failed and checked.result["changed"] is False
    assert checked.result["would_delete"] == empty(cluster_world.ec2_only(world.a))


def test_a_vpc_holding_someone_elses_subnet_is_left_at_once_naming_it(run, world, sleeps):
    ec2 = boto3.client("ec2", region_name=cluster_world.REGION)
    vpc = world.a["vpcs"][0]
    cidr = ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["CidrBlock"].replace(".0.0/16", ".9.0/24")
    foreign = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"]

    result, failed = run(cluster_name="a")

    assert failed
    deleted = sum(map(len, result["deleted"].values()))
    assert result["msg"] == (
        f"teardown of cluster a in us-west-2 deleted {deleted} resource(s) but left 1: vpcs {vpc}; vpc {vpc} holds subnet {foreign}, "
        "which are not the cluster's: delete them (or move them out) and run the teardown again"
    )
    assert result["changed"] is True and result["blocked_by"] == {vpc: [f"subnet {foreign}"]}
    assert sleeps == []  # no retrying what cannot succeed

    ec2.delete_subnet(SubnetId=foreign)
    again = run(cluster_name="a")
    assert not again.failed, again.result["msg"]
    assert again.result["deleted"]["vpcs"] == [vpc]


def test_include_iam_deletes_the_clusters_iam_too(run, world):
    outcome = run(cluster_name="a", include_iam=True)

    assert not outcome.failed, outcome.result.get("msg")
    assert cluster_world.sorted_labels(outcome.result["deleted"]) == cluster_world.sorted_labels(world.a)
    assert remaining_is_empty(outcome.result) and outcome.result["remaining"]["iam_policies"] == []

    iam = boto3.client("iam", region_name=cluster_world.REGION)
    assert sorted(user["UserName"] for user in iam.list_users()["Users"]) == ["bob", "carol"]
    assert [group["GroupName"] for group in iam.list_groups()["Groups"]] == ["ec2mpi-other-operators"]
    assert [policy["Arn"] for policy in iam.list_policies(Scope="Local")["Policies"]] == world.other["iam_policies"]
    assert cluster_world.sorted_labels(cr.labels(cluster_world.discover("other"))) == cluster_world.sorted_labels(world.other)
    assert world.untagged_vpc in all_vpc_ids()
    assert run(cluster_name="a", include_iam=True).result["changed"] is False


def test_include_iam_detaches_the_clusters_policy_from_other_holders(run, world):
    iam = boto3.client("iam", region_name=cluster_world.REGION)
    iam.attach_user_policy(UserName="carol", PolicyArn=world.a["iam_policies"][0])

    outcome = run(cluster_name="a", include_iam=True)

    assert not outcome.failed, outcome.result.get("msg")
    assert iam.list_attached_user_policies(UserName="carol")["AttachedPolicies"] == []
    assert [user["UserName"] for user in iam.list_users()["Users"] if user["UserName"] == "carol"] == ["carol"]


@pytest.mark.parametrize(
    "args, message",
    [
        ({"cluster_name": "*"}, "cluster_name '*' is invalid; use letters, digits and hyphens"),
        ({"cluster_name": "a", "wait_timeout": 0}, "wait_timeout 0 is not positive; set it to the seconds to wait"),
    ],
)
@pytest.mark.usefixtures("stubbed_client")
def test_bad_input_fails_before_any_aws_call(run, args, message):
    result, failed = run(**args)

    assert failed
    assert result["msg"].startswith(message) and "\n" not in result["msg"]


SECURITY_GROUP = {
    "GroupId": "sg-1",
    "GroupName": "ec2mpi-a",
    "VpcId": "vpc-1",
    "Tags": cluster_world.tag_list("a"),
    "IpPermissions": [],
    "IpPermissionsEgress": [],
}


def test_security_group_still_in_use_is_retried(run, stubbed_client, sleeps):
    ec2 = stubbed_client("ec2")
    cluster_world.stub_discovery(ec2, SecurityGroups=[SECURITY_GROUP])
    ec2.add_client_error(
        "delete_security_group",
        service_error_code="DependencyViolation",
        service_message="resource sg-1 has a dependent object",
        http_status_code=400,
        expected_params={"GroupId": "sg-1"},
    )
    ec2.add_response("delete_security_group", {}, {"GroupId": "sg-1"})
    cluster_world.stub_discovery(ec2)

    result, failed = run(cluster_name="a")

    assert not failed, result.get("msg")
    assert result["changed"] is True and result["deleted"]["security_groups"] == ["sg-1"]
    assert remaining_is_empty(result)
    assert len(sleeps) == 1


def test_other_errors_fail_at_once_naming_the_call(run, stubbed_client, sleeps):
    ec2 = stubbed_client("ec2")
    cluster_world.stub_discovery(ec2, SecurityGroups=[SECURITY_GROUP])
    ec2.add_client_error("delete_security_group", service_error_code="UnauthorizedOperation", http_status_code=403)

    result, failed = run(cluster_name="a")

    assert failed
    assert result["msg"].startswith("Failed to delete security group: ")
    assert "UnauthorizedOperation" in result["msg"] and "DeleteSecurityGroup" in result["msg"]
    assert sleeps == []


def test_rules_referencing_cluster_groups_are_revoked_first(run, stubbed_client, sleeps):
    nodes = dict(
        SECURITY_GROUP,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "198.51.100.0/24"}],
                "UserIdGroupPairs": [],
            },
            {
                "IpProtocol": "-1",
                "UserIdGroupPairs": [{"GroupId": "sg-1", "UserId": "123456789012"}, {"GroupId": "sg-elsewhere"}],
            },
        ],
    )
    bastion = dict(
        SECURITY_GROUP,
        GroupId="sg-2",
        IpPermissions=[],
        IpPermissionsEgress=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "UserIdGroupPairs": [{"GroupId": "sg-1", "Description": "to the nodes"}],
            },
        ],
    )
    ec2 = stubbed_client("ec2")
    cluster_world.stub_discovery(ec2, SecurityGroups=[nodes, bastion])
    ec2.add_response(
        "revoke_security_group_ingress",
        {"Return": True},
        # The pairs go back as described: moto (unlike AWS) matches the whole pair.
        {"GroupId": "sg-1", "IpPermissions": [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-1", "UserId": "123456789012"}]}]},
    )
    ec2.add_response(
        "revoke_security_group_egress",
        {"Return": True},
        {
            "GroupId": "sg-2",
            "IpPermissions": [
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "UserIdGroupPairs": [{"GroupId": "sg-1", "Description": "to the nodes"}]}
            ],
        },
    )
    ec2.add_response("delete_security_group", {}, {"GroupId": "sg-1"})
    ec2.add_response("delete_security_group", {}, {"GroupId": "sg-2"})
    cluster_world.stub_discovery(ec2)

    result, failed = run(cluster_name="a")

    assert not failed, result.get("msg")
    assert result["deleted"]["security_groups"] == ["sg-1", "sg-2"]


# What the teardown asks about a VPC before deleting it, in order (ec2_cluster_teardown.foreign_dependencies()).
VPC_CONTENTS = [
    ("describe_subnets", "Subnets"),
    ("describe_security_groups", "SecurityGroups"),
    ("describe_route_tables", "RouteTables"),
    ("describe_internet_gateways", "InternetGateways"),
    ("describe_instances", "Reservations"),
]


def stub_vpc_deletion(ec2, vpc):
    """The discovery of a cluster that has only vpc, and its deletion."""
    cluster_world.stub_discovery(ec2, Vpcs=[vpc])
    for operation, key in VPC_CONTENTS:
        ec2.add_response(operation, {key: []})
    ec2.add_response("delete_vpc", {}, {"VpcId": vpc["VpcId"]})


VPC = {"VpcId": "vpc-1", "Tags": cluster_world.tag_list("a")}
# Discoveries after the deletion while the Describe calls still list it: the first, then one every WAIT_DELAY seconds.
LOOKUPS = ec2_cluster_teardown.CONSISTENCY_TIMEOUT // cr.WAIT_DELAY + 1


def test_a_deletion_the_describe_calls_lag_behind_is_waited_for(run, stubbed_client, sleeps):
    ec2 = stubbed_client("ec2")
    stub_vpc_deletion(ec2, VPC)
    cluster_world.stub_discovery(ec2, Vpcs=[VPC])  # eventual consistency: DeleteVpc succeeded, DescribeVpcs lags
    cluster_world.stub_discovery(ec2, Vpcs=[VPC])
    cluster_world.stub_discovery(ec2)

    result, failed = run(cluster_name="a")

    assert not failed, result.get("msg")
    assert result["deleted"]["vpcs"] == ["vpc-1"] and remaining_is_empty(result)
    assert sleeps == [cr.WAIT_DELAY, cr.WAIT_DELAY]


def test_what_is_still_listed_after_the_consistency_timeout_fails_naming_it(run, stubbed_client, sleeps):
    ec2 = stubbed_client("ec2")
    stub_vpc_deletion(ec2, VPC)
    for lookup in range(LOOKUPS):  # someone recreating it, or AWS lagging for longer than it ever should
        cluster_world.stub_discovery(ec2, Vpcs=[VPC])

    result, failed = run(cluster_name="a")

    assert failed
    assert result["msg"] == (
        "teardown of cluster a in us-west-2 deleted 1 resource(s) but left 1: vpcs vpc-1 (deleted, but still listed after "
        f"{ec2_cluster_teardown.CONSISTENCY_TIMEOUT} s); run the teardown again, or delete them (and whatever they depend on) in the AWS console"
    )
    assert result["deleted"]["vpcs"] == ["vpc-1"] and [vpc["id"] for vpc in result["remaining"]["vpcs"]] == ["vpc-1"]
    assert sleeps == [cr.WAIT_DELAY] * (LOOKUPS - 1)  # bounded: 8 Describe calls a lookup, 13 lookups at most


def test_what_was_not_deleted_is_not_waited_for(run, stubbed_client, sleeps):
    # A VPC someone else's subnet keeps: no lookup will ever miss it.
    ec2 = stubbed_client("ec2")
    cluster_world.stub_discovery(ec2, Vpcs=[VPC])
    for operation, key in VPC_CONTENTS:
        ec2.add_response(operation, {key: [{"SubnetId": "subnet-9"}] if key == "Subnets" else []})
    cluster_world.stub_discovery(ec2, Vpcs=[VPC])

    result, failed = run(cluster_name="a")

    assert failed and result["blocked_by"] == {"vpc-1": ["subnet subnet-9"]}
    assert result["msg"].startswith("teardown of cluster a in us-west-2 deleted 0 resource(s) but left 1: vpcs vpc-1; vpc vpc-1 holds")
    assert sleeps == []


def node(state):
    return {"InstanceId": "i-1", "State": {"Name": state}, "Tags": cluster_world.tag_list("a")}


def stub_termination(ec2, first_state, *states_seen):
    """Discovery of one instance in first_state, its termination, and what each poll then sees."""
    cluster_world.stub_discovery(ec2, Reservations=[{"Instances": [node(first_state)]}])
    ec2.add_response("terminate_instances", {"TerminatingInstances": []}, {"InstanceIds": ["i-1"]})
    for state in states_seen:
        ec2.add_response(
            "describe_instances",
            {"Reservations": [{"Instances": [node(state)]}]},
            {"Filters": [{"Name": "instance-id", "Values": ["i-1"]}]},
        )


@pytest.mark.parametrize(
    "first_state, states_seen",
    [
        # Still launching when the teardown came, or a Describe call lagging behind: boto3's waiter gave up on pending.
        ("pending", ["pending", "running", "shutting-down", "terminated"]),
        # Terminated while it was stopping: boto3's waiter gave up on stopping.
        ("stopping", ["stopping", "stopped", "terminated"]),
    ],
)
def test_the_instances_are_waited_for_through_every_state_until_terminated(run, stubbed_client, sleeps, first_state, states_seen):
    ec2 = stubbed_client("ec2")
    stub_termination(ec2, first_state, *states_seen)
    cluster_world.stub_discovery(ec2)

    result, failed = run(cluster_name="a")

    assert not failed, result.get("msg")
    assert result["deleted"]["instances"] == ["i-1"] and remaining_is_empty(result)
    assert sleeps == [cr.WAIT_DELAY] * (len(states_seen) - 1)


def test_the_wait_says_how_many_instances_are_terminated_after_each_poll(run, stubbed_client, sleeps, tmp_path):
    ec2 = stubbed_client("ec2")
    stub_termination(ec2, "running", "pending", "running", "terminated")
    cluster_world.stub_discovery(ec2)
    progress = tmp_path / "progress"

    result, failed = run(cluster_name="a", progress_file=str(progress))

    assert not failed, result.get("msg")
    # The action plugin shows each line while the module runs; the last one stays in the file.
    assert progress.read_text() == f"0/1 instances terminated after {2 * cr.WAIT_DELAY} s; waiting for i-1 (running)"


def test_an_instance_no_longer_listed_counts_as_terminated(run, stubbed_client, sleeps):
    ec2 = stubbed_client("ec2")
    stub_termination(ec2, "running")
    ec2.add_response("describe_instances", {"Reservations": []}, {"Filters": [{"Name": "instance-id", "Values": ["i-1"]}]})
    cluster_world.stub_discovery(ec2)

    result, failed = run(cluster_name="a")

    assert not failed, result.get("msg")
    assert sleeps == []


def test_instances_that_do_not_terminate_in_time_fail_naming_them_and_their_state(run, stubbed_client, sleeps):
    ec2 = stubbed_client("ec2")
    stub_termination(ec2, "running", "shutting-down", "stopped")

    result, failed = run(cluster_name="a", wait_timeout=10)  # two polls

    assert failed
    assert result["msg"] == (
        "instances i-1 (stopped) of cluster a are not terminated after wait_timeout 10 s: "
        "raise wait_timeout and run the teardown again, or look at them in the EC2 console"
    )
    assert sleeps == [cr.WAIT_DELAY]


def placement_group(state):
    return {"GroupName": "ec2mpi-a", "GroupId": "pg-1", "State": state, "Strategy": "cluster", "Tags": cluster_world.tag_list("a")}


@pytest.mark.parametrize("state", ["deleting", "deleted"])
def test_a_placement_group_being_deleted_is_gone_already(run, stubbed_client, sleeps, state):
    # DeletePlacementGroup returns at once; the group is listed deleting, then deleted, for a while.
    ec2 = stubbed_client("ec2")
    cluster_world.stub_discovery(ec2, PlacementGroups=[placement_group(state)])  # a second teardown's lookup
    cluster_world.stub_discovery(ec2, PlacementGroups=[placement_group(state)])

    result, failed = run(cluster_name="a")

    assert not failed, result.get("msg")
    assert result["changed"] is False and result["deleted"]["placement_groups"] == [] and remaining_is_empty(result)
    assert sleeps == []


def test_a_placement_group_listed_deleting_after_its_deletion_is_not_left(run, stubbed_client, sleeps):
    ec2 = stubbed_client("ec2")
    cluster_world.stub_discovery(ec2, PlacementGroups=[placement_group("available")])
    ec2.add_response("delete_placement_group", {}, {"GroupName": "ec2mpi-a"})
    cluster_world.stub_discovery(ec2, PlacementGroups=[placement_group("deleting")])

    result, failed = run(cluster_name="a")

    assert not failed, result.get("msg")
    assert result["deleted"]["placement_groups"] == ["ec2mpi-a"] and remaining_is_empty(result)
    assert sleeps == []


def test_check_mode_makes_describe_calls_only(run, stubbed_client):
    # The Stubber answers only the discovery's Describe calls: any other call would fail the run.
    ec2 = stubbed_client("ec2")
    cluster_world.stub_discovery(ec2, SecurityGroups=[SECURITY_GROUP], Vpcs=[{"VpcId": "vpc-1", "Tags": cluster_world.tag_list("a")}])

    result, failed = run(cluster_name="a", check_mode=True)

    assert not failed, result.get("msg")
    assert result["changed"] is True
    assert result["would_delete"]["security_groups"] == ["sg-1"] and result["would_delete"]["vpcs"] == ["vpc-1"]
