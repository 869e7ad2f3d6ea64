# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ec2_cluster_instances against moto (in-process), with every API call it makes recorded."""

import datetime
from collections import Counter
from typing import Dict
from typing import List

import boto3
import pytest
from botocore.client import BaseClient
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ec2.models import ec2_backends

from ansible_collections.ec2mpi.cluster.plugins.modules import ec2_cluster_instances

REGION = "us-west-2"
# One of moto's built-in images.
IMAGE_ID = "ami-12c6146b"
READ_ONLY_PREFIXES = ("Describe", "Get", "List")


@pytest.fixture
def api_calls(monkeypatch) -> Counter:
    """Every AWS operation any boto3 client makes from now on, by name (the calls still reach moto)."""
    calls: Counter = Counter()
    make_api_call = BaseClient._make_api_call

    def recording(self, operation_name, api_params):
        calls[operation_name] += 1
        return make_api_call(self, operation_name, api_params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    return calls


@pytest.fixture
def network(moto) -> Dict[str, str]:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc)["GroupId"]
    ec2.create_key_pair(KeyName="k")
    return dict(subnet_id=subnet, security_group_ids=[group], key_name="k")


@pytest.fixture
def converge(run_module, aws_credentials, network, api_calls):
    """converge(count, check_mode=False, **overrides) -> ModuleRun, with api_calls counting from this call only."""

    def run(count: int, check_mode: bool = False, **overrides):
        args = dict(
            network,
            region=REGION,
            cluster_name="lab",
            count=count,
            instance_type="g4dn.xlarge",
            image_id=IMAGE_ID,
            tags={"Name": "ec2mpi-lab", "ec2mpi:gpus": "1"},
            _ansible_diff=True,
        )
        args.update(overrides)
        api_calls.clear()
        return run_module(ec2_cluster_instances.main, args, check_mode=check_mode)

    return run


def live_instances(cluster: str = "lab") -> List[dict]:
    ec2 = boto3.client("ec2", region_name=REGION)
    filters = [
        {"Name": "tag:ec2mpi:cluster", "Values": [cluster]},
        {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]},
    ]
    return [i for r in ec2.describe_instances(Filters=filters)["Reservations"] for i in r["Instances"]]


def launched_an_hour_ago(instance_ids: List[str]) -> None:
    """Make instances older in moto's own records: launch times count whole seconds, and a test must not sleep."""
    for reservation in ec2_backends[DEFAULT_ACCOUNT_ID][REGION].reservations.values():
        for instance in reservation.instances:
            if instance.id in instance_ids:
                instance.launch_time -= datetime.timedelta(hours=1)


def roles() -> Dict[str, str]:
    return {i["InstanceId"]: {t["Key"]: t["Value"] for t in i["Tags"]}["ec2mpi:role"] for i in live_instances()}


def mutating(calls: Counter) -> Counter:
    return Counter({name: n for name, n in calls.items() if not name.startswith(READ_ONLY_PREFIXES)})


def test_launches_the_whole_cluster_with_one_run_instances_and_names_one_head(converge, api_calls):
    outcome = converge(5)

    assert not outcome.failed, outcome.result.get("msg")
    result = outcome.result
    assert result["changed"] is True
    assert len(result["launched_ids"]) == 5 and "would_launch" not in result
    assert mutating(api_calls) == Counter(RunInstances=1, CreateTags=1)
    ids = [node["id"] for node in result["instances"]]
    assert sorted(ids) == sorted(result["launched_ids"])
    # Launched together, so the same launch time: the head is the lowest instance id.
    assert ids[0] == min(ids)
    assert roles() == {i: ("head" if i == ids[0] else "worker") for i in ids}
    for node in result["instances"]:
        assert node["state"] == "running" and node["role"] == ("head" if node["id"] == ids[0] else "worker")
        assert node["private_ip_address"].startswith("10.0.1.")
        assert node["tags"] == {"Name": "ec2mpi-lab", "ec2mpi:gpus": "1", "ec2mpi:cluster": "lab",
                                "ec2mpi:role": "head" if node["id"] == ids[0] else "worker"}
    assert result["diff"] == {"before": {"count": 0}, "after": {"count": 5}}


@pytest.mark.parametrize("count", [1, 16])
def test_a_rerun_makes_one_describe_call_whatever_the_count(converge, api_calls, count):
    first = converge(count)
    again = converge(count)

    assert not again.failed, again.result.get("msg")
    assert again.result["changed"] is False
    assert api_calls == Counter(DescribeInstances=1)
    assert [n["id"] for n in again.result["instances"]] == [n["id"] for n in first.result["instances"]]
    assert again.result["instances"][0]["tags"]["ec2mpi:role"] == "head"
    checked = converge(count, check_mode=True)
    assert checked.result["changed"] is False and api_calls == Counter(DescribeInstances=1)


def test_growing_launches_only_the_missing_nodes_and_keeps_the_head(converge, api_calls):
    head = converge(2).result["instances"][0]["id"]

    result = converge(5).result

    assert len(result["launched_ids"]) == 3
    assert mutating(api_calls) == Counter(RunInstances=1)
    assert result["instances"][0]["id"] == head
    assert list(roles().values()).count("head") == 1 and roles()[head] == "head"
    assert len(live_instances()) == 5


def test_shrinking_terminates_the_newest_and_keeps_the_head(converge, api_calls):
    nodes = [n["id"] for n in converge(2).result["instances"]]
    launched_an_hour_ago(nodes)
    newer = converge(4).result["launched_ids"]

    result = converge(2).result

    assert result["changed"] is True
    assert sorted(result["terminated_ids"]) == sorted(newer)
    assert mutating(api_calls) == Counter(TerminateInstances=1)
    assert [n["id"] for n in result["instances"]] == nodes
    assert sorted(i["InstanceId"] for i in live_instances()) == sorted(nodes)


def test_a_lost_head_makes_the_next_oldest_the_head_with_one_tag_call(converge, api_calls):
    nodes = [n["id"] for n in converge(3).result["instances"]]
    boto3.client("ec2", region_name=REGION).terminate_instances(InstanceIds=[nodes[0]])

    result = converge(2).result

    assert result["changed"] is True and result["launched_ids"] == []
    assert mutating(api_calls) == Counter(CreateTags=1)
    assert result["instances"][0]["id"] == nodes[1]
    assert result["instances"][0]["tags"]["ec2mpi:role"] == "head"
    assert roles() == {nodes[1]: "head", nodes[2]: "worker"}


def test_stopped_nodes_are_started_not_replaced(converge, api_calls):
    nodes = [n["id"] for n in converge(2).result["instances"]]
    boto3.client("ec2", region_name=REGION).stop_instances(InstanceIds=nodes)

    result = converge(2).result

    assert result["changed"] is True
    assert sorted(result["started_ids"]) == sorted(nodes) and result["launched_ids"] == []
    assert mutating(api_calls) == Counter(StartInstances=1)
    assert [n["state"] for n in result["instances"]] == ["running", "running"]


def test_check_mode_says_what_would_happen_and_changes_nothing(converge, api_calls):
    nodes = [n["id"] for n in converge(3).result["instances"]]

    grow = converge(5, check_mode=True).result
    shrink = converge(1, check_mode=True).result

    assert grow["changed"] is True and grow["would_launch"] == 2 and "launched_ids" not in grow
    assert shrink["changed"] is True and shrink["would_terminate"] == nodes[:0:-1] and "terminated_ids" not in shrink
    assert [n["id"] for n in shrink["instances"]] == nodes[:1]
    assert shrink["diff"] == {"before": {"count": 3}, "after": {"count": 1}}
    assert mutating(api_calls) == Counter()
    assert sorted(i["InstanceId"] for i in live_instances()) == sorted(nodes)


def test_changed_tags_are_brought_up_to_date_in_one_call(converge, api_calls):
    converge(3)

    result = converge(3, tags={"Name": "ec2mpi-lab", "ec2mpi:gpus": "4"}).result

    assert result["changed"] is True
    assert mutating(api_calls) == Counter(CreateTags=1)
    assert {n["tags"]["ec2mpi:gpus"] for n in result["instances"]} == {"4"}


def test_other_clusters_are_left_alone(converge):
    converge(2, cluster_name="other")

    result = converge(1).result

    assert len(result["launched_ids"]) == 1
    assert len(live_instances("other")) == 2 and len(live_instances("lab")) == 1


@pytest.mark.parametrize(
    "overrides, message",
    [
        (dict(count=-1), "count -1 is negative; set it to the number of instances that must run (0 or more)"),
        (dict(wait_timeout=0), "wait_timeout 0 is not positive; set it to the seconds to wait for the instances to run (e.g. 600)"),
        (dict(cluster_name="no_underscores"), "cluster_name 'no_underscores' is invalid; use letters, digits and hyphens, starting with a "
                                              "letter, at most 32 characters (the cluster_name the playbooks were run with, e.g. mpi-lab)"),
        (dict(tags={"ec2mpi:role": "head"}),
         "tags must not set ec2mpi:cluster or ec2mpi:role: the module sets them from cluster_name and the nodes' age"),
        (dict(launch_tags={"ec2mpi:cluster": "x"}),
         "launch_tags must not set ec2mpi:cluster or ec2mpi:role: the module sets them from cluster_name and the nodes' age"),
        (dict(root_device_name="/dev/sda1", root_volume_size=16385),
         "root_volume_size 16385 is not a size EBS makes; set it to 1 to 16384 GiB"),
    ],
)
def test_bad_input_fails_in_one_line_before_any_call(converge, api_calls, overrides, message):
    outcome = converge(**dict(dict(count=1), **overrides))

    assert outcome.failed
    assert outcome.result["msg"] == message
    assert api_calls == Counter()


def test_a_launch_error_names_the_action_and_creates_nothing(converge, sleeps):
    # A subnet that does not exist answers what a subnet made a second ago does: retried a few times, then reported.
    outcome = converge(2, subnet_id="subnet-00000000")

    assert outcome.failed
    assert "run instances" in outcome.result["msg"] and "InvalidSubnetID.NotFound" in outcome.result["msg"]
    assert len(sleeps) == 4
    assert live_instances() == []


def test_new_nodes_get_their_root_volume_imdsv2_and_tags_on_volume_and_interface(converge):
    result = converge(2, root_device_name="/dev/sda1", root_volume_size=100, launch_tags={"ec2mpi:root-volume-size": "100"}).result

    ec2 = boto3.client("ec2", region_name=REGION)
    nodes = live_instances()
    assert len(nodes) == 2
    for node in nodes:
        assert (node["MetadataOptions"]["HttpTokens"], node["MetadataOptions"]["HttpEndpoint"]) == ("required", "enabled")
        root = [m for m in node["BlockDeviceMappings"] if m["DeviceName"] == "/dev/sda1"]
        assert len(root) == 1 and root[0]["Ebs"]["DeleteOnTermination"] is True
        volume = ec2.describe_volumes(VolumeIds=[root[0]["Ebs"]["VolumeId"]])["Volumes"][0]
        assert (volume["Size"], volume["VolumeType"], volume["Encrypted"]) == (100, "gp3", True)
        assert {t["Key"]: t["Value"] for t in volume["Tags"]} == {"Name": "ec2mpi-lab", "ec2mpi:gpus": "1", "ec2mpi:cluster": "lab"}
        assert {t["Key"]: t["Value"] for t in node["Tags"]}["ec2mpi:root-volume-size"] == "100"
    assert sorted(i["tags"]["ec2mpi:role"] for i in result["instances"]) == ["head", "worker"]


def test_the_run_instances_request_tags_instance_volume_and_interface():
    """moto keeps no tags of network interfaces made at launch: the request itself is checked."""
    params = dict(image_id=IMAGE_ID, instance_type="g4dn.xlarge", key_name="k", subnet_id="subnet-1", security_group_ids=["sg-1"],
                  placement_group="ec2mpi-lab", root_device_name="/dev/xvda", root_volume_size=64,
                  launch_tags={"ec2mpi:root-volume-size": "64"})
    request = ec2_cluster_instances.launch_request(params, 3, {"Name": "ec2mpi-lab", "ec2mpi:cluster": "lab"})

    tags = {spec["ResourceType"]: {t["Key"]: t["Value"] for t in spec["Tags"]} for spec in request["TagSpecifications"]}
    assert tags == {
        "instance": {"Name": "ec2mpi-lab", "ec2mpi:cluster": "lab", "ec2mpi:root-volume-size": "64", "ec2mpi:role": "worker"},
        "volume": {"Name": "ec2mpi-lab", "ec2mpi:cluster": "lab"},
        "network-interface": {"Name": "ec2mpi-lab", "ec2mpi:cluster": "lab"},
    }
    assert request["BlockDeviceMappings"] == [
        {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 64, "VolumeType": "gp3", "Encrypted": True, "DeleteOnTermination": True}}
    ]
    assert request["MetadataOptions"] == {"HttpTokens": "required", "HttpEndpoint": "enabled"}
    assert (request["MinCount"], request["MaxCount"], request["Placement"]) == (3, 3, {"GroupName": "ec2mpi-lab"})
