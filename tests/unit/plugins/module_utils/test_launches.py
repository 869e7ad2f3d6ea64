# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""launches: the answers AWS gives and moto never did, through botocore's Stubber."""

import datetime

import boto3
import pytest
from botocore.stub import ANY
from botocore.stub import Stubber

from ansible_collections.ec2mpi.cluster.plugins.module_utils import launches

REGION = "us-west-2"
CAPACITY_MESSAGE = ("We currently do not have sufficient p3.2xlarge capacity in the Availability Zone you requested (us-west-2a). "
                    "Our system will be working on provisioning additional capacity.")


@pytest.fixture
def ec2(aws_credentials, sleeps, monkeypatch):
    """A stubbed EC2 client; nothing really sleeps (AWSRetry's and the module's own waits)."""
    monkeypatch.setattr(launches.time, "sleep", sleeps.append)
    stubber = Stubber(boto3.client("ec2", region_name=REGION))
    with stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def request(instance_type):
    return {"ImageId": "ami-1", "InstanceType": instance_type, "MinCount": 2, "MaxCount": 2}


def launched(*instance_ids):
    return {"Instances": [{"InstanceId": instance_id} for instance_id in instance_ids]}


def test_no_capacity_for_the_type_launches_the_next_with_a_new_token_and_a_warning(ec2):
    ec2.add_client_error("run_instances", "InsufficientInstanceCapacity", CAPACITY_MESSAGE, 500,
                         expected_params=dict(request("p3.2xlarge"), ClientToken=ANY))
    ec2.add_response("run_instances", launched("i-1", "i-2"), dict(request("g5.xlarge"), ClientToken=ANY))
    warnings = []

    chosen = launches.launch_first_with_capacity(ec2.client, [("p3.2xlarge", request("p3.2xlarge")), ("g5.xlarge", request("g5.xlarge"))],
                                                 warnings.append)

    assert chosen == ("g5.xlarge", ["i-1", "i-2"])
    assert warnings == ["no capacity for p3.2xlarge (InsufficientInstanceCapacity): launched g5.xlarge instead, "
                        "the next type in instance_type_fallbacks"]


def test_no_capacity_for_any_type_launches_nothing_and_names_them(ec2):
    for instance_type in ("p3.2xlarge", "g5.xlarge"):
        ec2.add_client_error("run_instances", "InsufficientInstanceCapacity", CAPACITY_MESSAGE, 500)

    with pytest.raises(launches.LaunchError) as error:
        launches.launch_first_with_capacity(ec2.client, [("p3.2xlarge", request("p3.2xlarge")), ("g5.xlarge", request("g5.xlarge"))],
                                            pytest.fail)

    assert str(error.value) == (
        "AWS has no capacity for p3.2xlarge, g5.xlarge in this zone now (InsufficientInstanceCapacity); nothing was launched: "
        "run provision.yml again later, or add instance types to instance_type_fallbacks"
    )


@pytest.mark.parametrize("code", launches.NOT_YET_VISIBLE_CODES)
def test_a_just_made_resource_not_yet_visible_is_retried_with_the_same_token(ec2, sleeps, code):
    ec2.add_client_error("run_instances", code, "The key pair 'ec2mpi-lab' does not exist", 400)
    ec2.add_response("run_instances", launched("i-1", "i-2"))

    assert launches.launch_first_with_capacity(ec2.client, [("g5.xlarge", request("g5.xlarge"))], pytest.fail) == ("g5.xlarge", ["i-1", "i-2"])
    assert len(sleeps) == 1


def test_other_launch_errors_fail_at_once(ec2, sleeps):
    ec2.add_client_error("run_instances", "VcpuLimitExceeded", "You have requested more vCPU capacity than your current vCPU limit of 0 allows", 400)

    with pytest.raises(launches.AnsibleAWSError, match="run instances"):
        launches.launch_first_with_capacity(ec2.client, [("g5.xlarge", request("g5.xlarge")), ("g6.xlarge", request("g6.xlarge"))], pytest.fail)
    assert sleeps == []


def instance(instance_id, instance_type, state, **extra):
    return dict({"InstanceId": instance_id, "InstanceType": instance_type, "State": {"Name": state},
                 "LaunchTime": datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)}, **extra)


def test_starts_retry_the_type_without_capacity_and_not_the_others(ec2, sleeps):
    nodes = [instance("i-1", "p3.2xlarge", "stopped"), instance("i-2", "g5.xlarge", "stopped"), instance("i-3", "p3.2xlarge", "stopped")]
    ec2.add_client_error("start_instances", "InsufficientInstanceCapacity", CAPACITY_MESSAGE, 500, expected_params={"InstanceIds": ["i-1", "i-3"]})
    ec2.add_response("start_instances", {}, {"InstanceIds": ["i-2"]})
    ec2.add_response("start_instances", {}, {"InstanceIds": ["i-1", "i-3"]})

    launches.start_with_capacity_retries(ec2.client, nodes, timeout=300)

    assert sleeps == [launches.CAPACITY_RETRY_DELAY]


def test_starts_without_capacity_until_the_timeout_fail_naming_the_nodes(ec2, sleeps):
    for _attempt in range(2):
        ec2.add_client_error("start_instances", "InsufficientInstanceCapacity", CAPACITY_MESSAGE, 500)
    clock = iter(range(0, 1000, launches.CAPACITY_RETRY_DELAY))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(launches.time, "monotonic", lambda: next(clock))
        with pytest.raises(launches.LaunchError) as error:
            launches.start_with_capacity_retries(ec2.client, [instance("i-1", "p3.2xlarge", "stopped"), instance("i-2", "p3.2xlarge", "stopped")],
                                                 timeout=2 * launches.CAPACITY_RETRY_DELAY)

    assert str(error.value) == (
        "AWS had no capacity to start i-1, i-2 (p3.2xlarge, InsufficientInstanceCapacity) for 30 s: "
        "run start.yml again later, or run provision.yml with another instance_type"
    )


def test_an_instance_terminated_at_launch_fails_the_wait_at_once_with_its_reason(ec2, sleeps):
    reason = {"Code": "Server.InternalError", "Message": "Server.InternalError: Internal error on launch"}
    ec2.add_response("describe_instances", {"Reservations": [{"Instances": [
        instance("i-1", "g5.xlarge", "running"),
        instance("i-2", "g5.xlarge", "terminated", StateReason=reason, StateTransitionReason="Server.InternalError"),
    ]}]})

    with pytest.raises(launches.LaunchError) as error:
        launches.wait_running(ec2.client, ["i-1", "i-2"], timeout=600)

    assert str(error.value) == (
        "AWS terminated i-2 (g5.xlarge): Server.InternalError: Internal error on launch; the other instances are kept: "
        "run the playbook again to replace it, or fix the cause first"
    )
    assert sleeps == []


def test_the_wait_says_how_many_run_after_each_round(ec2, sleeps, tmp_path):
    progress_file = tmp_path / "progress"
    said = []

    class Recorded(launches.Progress):
        def say(self, line):
            super().say(line)
            said.append(line)

    ec2.add_response("describe_instances", {"Reservations": [{"Instances": [
        instance("i-1", "g5.xlarge", "running"), instance("i-2", "g5.xlarge", "pending")]}]})
    ec2.add_response("describe_instances", {"Reservations": [{"Instances": [
        instance("i-1", "g5.xlarge", "running"), instance("i-2", "g5.xlarge", "running")]}]})
    clock = iter([100, 100, 112])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(launches.time, "monotonic", lambda: next(clock))
        launches.wait_running(ec2.client, ["i-1", "i-2"], timeout=600, progress=Recorded(str(progress_file)))

    assert said == ["1/2 instances running after 12 s (waiting up to 600 s)"]
    assert progress_file.read_text() == said[0]
