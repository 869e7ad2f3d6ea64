"""Faults switched on per test (localcloud/faults.py): each answers what AWS answers, and nothing else changes.

Most run on an API-only emulator (no containers needed); the launch failure's "no container" runs on the session's
emulator with containers."""

import tempfile
import time
import urllib.error
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from localcloud.config import ACCESS_KEY, SECRET_KEY
from localcloud.counter import RECONCILER_USER_AGENT
from localcloud.session import REGION, Emulator
from localcloud_harness import wait_for

CANONICAL = "099720109477"
# L-1216C47A is the Standard quota (t3); 8 vCPUs hold two t3.xlarge (4 vCPUs each).
QUOTAS = "L-1216C47A=8"
CAPACITY_MESSAGE = ("We currently do not have sufficient t3.micro capacity in the Availability Zone you requested (us-west-2a). "
                    "Our system will be working on provisioning additional capacity. You can currently get t3.micro capacity "
                    "by not specifying an Availability Zone in your request or choosing us-west-2b, us-west-2c, us-west-2d.")


@pytest.fixture(scope="module")
def api_emulator() -> Iterator[Emulator]:
    """An API-only emulator with a small Standard quota; faults are cleared after every test."""
    emulator = Emulator.create("pytest-faults", Path(tempfile.mkdtemp(prefix="localcloud-faults-")), LOCALCLOUD_VCPU_QUOTAS=QUOTAS)
    with emulator.running():
        yield emulator


@pytest.fixture
def faulty(api_emulator: Emulator) -> Iterator[Emulator]:
    """The API-only emulator, with no fault and an empty account again after the test."""
    yield api_emulator
    api_emulator.clear_faults()
    api_emulator.reset_state()


def no_retry_client(emulator: Emulator, user_agent_extra: str = "") -> Any:
    """An EC2 client that shows the first answer (botocore retries 500 and 503 itself)."""
    config = Config(retries={"mode": "standard", "total_max_attempts": 1}, user_agent_extra=user_agent_extra)
    return boto3.client("ec2", endpoint_url=emulator.endpoint_url, region_name=REGION, aws_access_key_id=ACCESS_KEY,
                        aws_secret_access_key=SECRET_KEY, config=config)


def error_of(call: Any) -> tuple[int, str, str]:
    """(HTTP status, code, message) of the ClientError the call raises."""
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def subnet_in(ec2: Any, zone: str) -> str:
    vpc_id = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    return ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.40.1.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]


def launch(ec2: Any, subnet_id: str, instance_type: str = "t3.micro", count: int = 1) -> list[str]:
    image_id = ec2.describe_images(Owners=[CANONICAL])["Images"][0]["ImageId"]
    reservation = ec2.run_instances(ImageId=image_id, InstanceType=instance_type, MinCount=count, MaxCount=count, SubnetId=subnet_id)
    return [instance["InstanceId"] for instance in reservation["Instances"]]


def test_the_faults_api_stores_lists_refuses_and_clears(faulty: Emulator) -> None:
    counted = faulty.requests(reset=False)["total"]
    stored = faulty.add_fault(kind="insufficient-capacity", instance_type="p3.2xlarge")
    assert stored == {"kind": "insufficient-capacity", "instance_type": "p3.2xlarge", "actions": ["RunInstances", "StartInstances"],
                      "id": stored["id"]}
    assert faulty.faults() == [stored]
    for bad in ({"kind": "nope"}, {"kind": "insufficient-capacity"}, {"kind": "request-limit", "count": 0},
                {"kind": "request-limit", "count": 1, "colour": "red"}):
        with pytest.raises(urllib.error.HTTPError) as refused:
            faulty.add_fault(**bad)
        assert refused.value.code == 400
        assert "\n" not in refused.value.read().decode()
    faulty.clear_faults()
    assert not faulty.faults()
    assert faulty.requests(reset=False)["total"] == counted


def test_insufficient_capacity_refuses_the_zone_and_type_and_launches_nothing(faulty: Emulator) -> None:
    ec2 = no_retry_client(faulty)
    subnet_a = subnet_in(ec2, "us-west-2a")
    faulty.add_fault(kind="insufficient-capacity", instance_type="t3.micro", zone="us-west-2a")
    assert error_of(lambda: launch(ec2, subnet_a)) == (500, "InsufficientInstanceCapacity", CAPACITY_MESSAGE)
    assert not ec2.describe_instances()["Reservations"]
    vpc_id = ec2.describe_subnets(SubnetIds=[subnet_a])["Subnets"][0]["VpcId"]
    subnet_b = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.40.2.0/24", AvailabilityZone="us-west-2b")["Subnet"]["SubnetId"]
    assert launch(ec2, subnet_b) and launch(ec2, subnet_a, instance_type="t3.small")
    faulty.clear_faults()
    assert launch(ec2, subnet_a)


def test_insufficient_capacity_refuses_starting_a_stopped_instance(faulty: Emulator) -> None:
    ec2 = no_retry_client(faulty)
    instance_id = launch(ec2, subnet_in(ec2, "us-west-2a"))[0]
    ec2.stop_instances(InstanceIds=[instance_id])
    faulty.add_fault(kind="insufficient-capacity", instance_type="t3.micro", actions=["StartInstances"], count=1)
    assert error_of(lambda: ec2.start_instances(InstanceIds=[instance_id]))[:2] == (500, "InsufficientInstanceCapacity")
    assert ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]["State"]["Name"] == "stopped"
    ec2.start_instances(InstanceIds=[instance_id])
    assert not faulty.faults()


def test_request_limit_answers_the_next_requests_as_aws_throttles_and_spares_the_reconciler(faulty: Emulator) -> None:
    ec2 = no_retry_client(faulty)
    faulty.add_fault(kind="request-limit", count=2)
    reconciler = no_retry_client(faulty, user_agent_extra=RECONCILER_USER_AGENT)
    assert reconciler.describe_instances()["Reservations"] == []
    assert error_of(ec2.describe_vpcs) == (503, "RequestLimitExceeded", "Request limit exceeded.")
    assert error_of(ec2.describe_vpcs)[1] == "RequestLimitExceeded"
    assert ec2.describe_vpcs()["Vpcs"]
    # botocore's own retries (legacy mode: up to 4) ride out a short burst, as they do on AWS.
    faulty.add_fault(kind="request-limit", count=2)
    assert faulty.client("ec2").describe_vpcs()["ResponseMetadata"]["RetryAttempts"] == 2


def test_eventual_consistency_hides_new_resources_for_its_seconds(faulty: Emulator) -> None:
    ec2 = no_retry_client(faulty)
    faulty.add_fault(kind="eventual-consistency", seconds=2)
    vpc_id = ec2.create_vpc(CidrBlock="10.41.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.41.1.0/24")["Subnet"]["SubnetId"]
    ec2.create_key_pair(KeyName="new-key")
    ec2.create_placement_group(GroupName="new-group", Strategy="cluster")
    assert error_of(lambda: ec2.describe_vpcs(VpcIds=[vpc_id]))[:2] == (400, "InvalidVpcID.NotFound")
    assert vpc_id not in [vpc["VpcId"] for vpc in ec2.describe_vpcs()["Vpcs"]]
    assert error_of(lambda: ec2.describe_key_pairs(KeyNames=["new-key"]))[1] == "InvalidKeyPair.NotFound"
    assert error_of(lambda: ec2.describe_placement_groups(GroupNames=["new-group"]))[1] == "InvalidPlacementGroup.Unknown"
    assert error_of(lambda: launch(ec2, subnet_id))[1] == "InvalidSubnetID.NotFound"
    reconciler = no_retry_client(faulty, user_agent_extra=RECONCILER_USER_AGENT)
    assert reconciler.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    time.sleep(2.2)
    assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    instance_id = launch(ec2, subnet_id)[0]
    assert error_of(lambda: ec2.describe_instances(InstanceIds=[instance_id]))[1] == "InvalidInstanceID.NotFound"
    assert not ec2.describe_instances()["Reservations"]
    faulty.clear_faults()
    assert ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]


def test_vcpu_quota_is_enforced_on_run_and_start(faulty: Emulator) -> None:
    ec2 = no_retry_client(faulty)
    subnet_id = subnet_in(ec2, "us-west-2a")
    first, second = launch(ec2, subnet_id, instance_type="t3.xlarge", count=2)
    status, code, message = error_of(lambda: launch(ec2, subnet_id, instance_type="t3.xlarge"))
    assert (status, code) == (400, "VcpuLimitExceeded")
    assert message.startswith("You have requested more vCPU capacity than your current vCPU limit of 8 allows")
    assert launch(ec2, subnet_id, instance_type="g4dn.xlarge")  # another bucket
    ec2.stop_instances(InstanceIds=[first])
    third = launch(ec2, subnet_id, instance_type="t3.xlarge")[0]
    assert error_of(lambda: ec2.start_instances(InstanceIds=[first]))[1] == "VcpuLimitExceeded"
    ec2.terminate_instances(InstanceIds=[second, third])
    ec2.start_instances(InstanceIds=[first])


def launch_failure_states(ec2: Any, instance_ids: list[str]) -> list[dict[str, Any]]:
    return [i for r in ec2.describe_instances(InstanceIds=instance_ids)["Reservations"] for i in r["Instances"]]


def test_launch_failure_terminates_with_the_reason_and_never_gets_a_container(emulator: Emulator) -> None:
    ec2 = emulator.client("ec2")
    subnet_id = subnet_in(ec2, "us-west-2a")
    emulator.add_fault(kind="launch-failure", instance_type="t3.micro")
    try:
        failed, healthy = launch(ec2, subnet_id, count=2)
    finally:
        emulator.clear_faults()
    terminated = wait_for(lambda: launch_failure_states(ec2, [failed])[0]["State"]["Name"] == "terminated", timeout=5)
    assert terminated
    instance = launch_failure_states(ec2, [failed])[0]
    assert instance["StateReason"] == {"Code": "Server.InternalError", "Message": "Server.InternalError: Internal error on launch"}
    assert instance["StateTransitionReason"] == "Server.InternalError: Internal error on launch"
    assert wait_for(lambda: healthy in {c.labels["ec2mpi.localcloud.instance-id"] for c in emulator.containers()})
    assert failed not in {c.labels["ec2mpi.localcloud.instance-id"] for c in emulator.containers()}
    assert failed not in emulator.reconciler_log.read_text()
    ec2.terminate_instances(InstanceIds=[healthy])
