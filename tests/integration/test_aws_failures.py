# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What AWS does to launches and starts, and moto never did, injected through the emulator's faults API.

API-only emulator; each test clears its faults whatever happens, since the emulator is the session's.
"""

import json

import pytest
from cluster_api import LIVE_STATES, SSH_INPUT, instances, tags_of


@pytest.fixture
def faults(emulator):
    """The session's emulator, with every fault cleared after the test."""
    try:
        yield emulator
    finally:
        emulator.clear_faults()


def cluster_args(name, local_dir, octet, instance_type, fallbacks):
    types = json.dumps({"instance_type": instance_type, "instance_type_fallbacks": fallbacks})
    return ["-e", f"cluster_name={name}", "-e", f"cluster_local_dir={local_dir}", *SSH_INPUT,
            "-e", f"vpc_cidr=10.{octet}.0.0/16", "-e", f"subnet_cidr=10.{octet}.1.0/24", "-e", types]


def test_a_launch_aws_terminates_fails_naming_the_instance_and_reason_and_a_rerun_replaces_it(faults, playbook, ec2_client, tmp_path):
    args = cluster_args("fail-launch", tmp_path, 71, "g5.xlarge", [])
    faults.add_fault(kind="launch-failure", instance_type="g5.xlarge", count=1,
                     code="Client.VolumeLimitExceeded", message="Client.VolumeLimitExceeded: Volume limit exceeded")

    rc, output, _recap = playbook("provision.yml", *args, "-e", "node_count=2")

    assert rc != 0
    dead = instances(ec2_client, "fail-launch", states=("shutting-down", "terminated"))
    assert len(dead) == 1
    said = " ".join(output.split())
    assert f"AWS terminated {dead[0]['InstanceId']} (g5.xlarge): Client.VolumeLimitExceeded: Volume limit exceeded" in said, output[-3000:]

    faults.clear_faults()
    rc, output, _recap = playbook("provision.yml", *args, "-e", "node_count=2")
    assert rc == 0, output[-3000:]
    assert len(instances(ec2_client, "fail-launch", states=LIVE_STATES)) == 2


def test_no_capacity_for_the_type_launches_the_next_fallback_and_says_so(faults, playbook, ec2_client, tmp_path):
    args = cluster_args("fail-capacity", tmp_path, 72, "g5.xlarge", ["g6.xlarge"])
    faults.add_fault(kind="insufficient-capacity", instance_type="g5.xlarge")

    rc, output, _recap = playbook("provision.yml", *args, "-e", "node_count=2")

    assert rc == 0, output[-3000:]
    nodes = instances(ec2_client, "fail-capacity")
    assert [node["InstanceType"] for node in nodes] == ["g6.xlarge", "g6.xlarge"]
    # Each node carries its own type's GPU model, which the GPU check and the hostfile read.
    assert {tags_of(node)["ec2mpi:gpu-name"] for node in nodes} == {"L4"}
    said = " ".join(output.split())
    assert "no capacity for g5.xlarge (InsufficientInstanceCapacity): launched g6.xlarge instead" in said, output[-3000:]
    assert "capacity: AWS had none for g5.xlarge, so the 2 new nodes are g6.xlarge (instance_type_fallbacks)" in said, output[-3000:]


def test_no_capacity_for_any_type_launches_nothing_and_says_what_to_do(faults, playbook, ec2_client, tmp_path):
    args = cluster_args("fail-nocapacity", tmp_path, 73, "g5.xlarge", ["g6.xlarge"])
    for instance_type in ("g5.xlarge", "g6.xlarge"):
        faults.add_fault(kind="insufficient-capacity", instance_type=instance_type)

    rc, output, _recap = playbook("provision.yml", *args, "-e", "node_count=1")

    assert rc != 0
    assert instances(ec2_client, "fail-nocapacity", states=LIVE_STATES) == []
    said = " ".join(output.split())
    assert ("AWS has no capacity for g5.xlarge, g6.xlarge in this zone now (InsufficientInstanceCapacity); nothing was launched: "
            "run provision.yml again later, or add instance types to instance_type_fallbacks") in said, output[-3000:]


def test_no_capacity_at_start_is_retried_then_fails_naming_the_nodes(faults, playbook, ec2_client, tmp_path):
    args = cluster_args("fail-start", tmp_path, 74, "g5.xlarge", [])
    rc, output, _recap = playbook("provision.yml", *args, "-e", "node_count=2")
    assert rc == 0, output[-3000:]
    rc, output, _recap = playbook("playbooks/stop.yml", *args)
    assert rc == 0, output[-3000:]
    faults.add_fault(kind="insufficient-capacity", instance_type="g5.xlarge", actions=["StartInstances"])

    rc, output, _recap = playbook("playbooks/start.yml", *args, "-e", "capacity_retry_timeout=20")

    assert rc != 0
    nodes = sorted(node["InstanceId"] for node in instances(ec2_client, "fail-start", states=LIVE_STATES))
    assert {node["State"]["Name"] for node in instances(ec2_client, "fail-start", states=LIVE_STATES)} == {"stopped"}
    said = " ".join(output.split())
    assert (f"AWS had no capacity to start {', '.join(nodes)} (g5.xlarge, InsufficientInstanceCapacity) for 20 s: "
            "run start.yml again later, or run provision.yml with another instance_type") in said, output[-3000:]
