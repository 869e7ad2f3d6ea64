# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The playbooks on real nodes, the emulator's containers, reached over SSH at their public IPs as on AWS.

A cluster outside the default region, driven by nothing but the -e a user gives every command.
"""

import ipaddress

from cluster_api import ANY_STATE, LIVE_STATES, PUBLIC_RANGE, SSH_INPUT, footprint, instances

REGION = "eu-west-1"
CLUSTER = "eu"
# The same -e for every command; its own CIDRs, so its Docker networks never meet another test's.
ARGS = ["-e", f"cluster_name={CLUSTER}", "-e", f"aws_region={REGION}", "-e", "vpc_cidr=10.30.0.0/16",
        "-e", "subnet_cidr=10.30.1.0/24", *SSH_INPUT]
SMOKE_TEST_PASSED = "MPI smoke test passed: 2 ranks on 2 nodes, allreduce sum right"


def succeeds(run):
    rc, output, recap = run
    assert rc == 0, output[-4000:]
    return output, recap


def test_a_cluster_in_another_region_lives_its_whole_life_with_the_same_e(nodes_emulator, nodes_playbook, tmp_path):
    args = [*ARGS, "-e", f"cluster_local_dir={tmp_path}"]
    ec2 = nodes_emulator.client("ec2", region=REGION)
    iam = nodes_emulator.client("iam", region=REGION)

    succeeds(nodes_playbook("provision.yml", *args, "-e", "node_count=2"))
    nodes = instances(ec2, CLUSTER, states=("running",))
    assert len(nodes) == 2
    assert all(ipaddress.ip_address(node["PublicIpAddress"]) in PUBLIC_RANGE for node in nodes), nodes
    assert instances(nodes_emulator.client("ec2"), CLUSTER, states=ANY_STATE) == [], "something landed in us-west-2"

    output, _recap = succeeds(nodes_playbook("mpi-cluster.yml", *args))
    assert SMOKE_TEST_PASSED in output
    hostfile = [line.split()[0] for line in (tmp_path / "hostfile").read_text().splitlines() if not line.startswith("#")]
    assert sorted(hostfile) == sorted(node["PrivateIpAddress"] for node in nodes)

    succeeds(nodes_playbook("playbooks/stop.yml", *args))
    assert {node["State"]["Name"] for node in instances(ec2, CLUSTER, states=LIVE_STATES)} == {"stopped"}

    output, _recap = succeeds(nodes_playbook("playbooks/start.yml", *args))
    assert SMOKE_TEST_PASSED in output
    started = instances(ec2, CLUSTER, states=("running",))
    # As on EC2: the same private IPs, new public ones.
    assert sorted(node["PrivateIpAddress"] for node in started) == sorted(node["PrivateIpAddress"] for node in nodes)
    assert not {node["PublicIpAddress"] for node in started} & {node["PublicIpAddress"] for node in nodes}

    output, _recap = succeeds(nodes_playbook("playbooks/status.yml", *args))
    assert f"cluster {CLUSTER} in {REGION}: 2 instances (2 running)" in output
    assert all(node["InstanceId"] in output and node["PublicIpAddress"] in output for node in started)

    succeeds(nodes_playbook("playbooks/teardown.yml", *args, "-e", "teardown_iam=true", "-e", "teardown_local_files=true"))
    left = {kind: ids for kind, ids in footprint(ec2, iam, CLUSTER, instance_states=LIVE_STATES).items() if ids}
    assert left == {}
