# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""stop, status and teardown against this session's API-only emulator, checked through the API.

What needs real hosts (start.yml's smoke test, containers stopped and removed) is in Molecule's
default scenario. Every cluster here has its own name and CIDRs.
"""

import json
import os
import signal
import subprocess
import time

import pytest
from cluster_api import LIVE_STATES, SSH_INPUT, footprint, instances, tag_filter, tags_of


def operator(name):
    """Each cluster its own operator: a user that one cluster created is never another's."""
    return json.dumps({"operator_users": [f"ops-{name}"], "operator_access_keys": True})


def cluster_args(name, local_dir, octet):
    return ["-e", f"cluster_name={name}", "-e", f"cluster_local_dir={local_dir}", *SSH_INPUT,
            "-e", f"vpc_cidr=10.{octet}.0.0/16", "-e", f"subnet_cidr=10.{octet}.1.0/24"]


def provision(playbook, args, nodes=2):
    name = args[1].removeprefix("cluster_name=")  # as cluster_args() puts it
    rc, output, _recap = playbook("provision.yml", *args, "-e", f"node_count={nodes}", "-e", operator(name))
    assert rc == 0, output[-3000:]


def nothing_left(ec2, iam, name):
    return {kind: ids for kind, ids in footprint(ec2, iam, name, instance_states=LIVE_STATES).items() if ids}


def test_stop_stops_every_instance(playbook, ec2_client, tmp_path):
    args = cluster_args("life-stop", tmp_path, 41)
    provision(playbook, args)
    rc, output, recap = playbook("playbooks/stop.yml", *args)
    assert rc == 0, output[-3000:]
    assert recap["localhost"]["changed"] == 1
    states = {i["State"]["Name"] for i in instances(ec2_client, "life-stop", states=LIVE_STATES)}
    assert states == {"stopped"}
    rc, output, recap = playbook("playbooks/stop.yml", *args)
    assert rc == 0 and recap["localhost"]["changed"] == 0, output[-3000:]


def node_rows(output):
    """status.j2's instance table: one list of columns (id, type, state, ips, role, slots, uptime) per node."""
    return [line.split() for line in output.splitlines() if line.strip().startswith("i-")]


def test_status_shows_nodes_cost_and_orphans(playbook, ec2_client, tmp_path):
    args = cluster_args("life-status", tmp_path, 42)
    provision(playbook, args)
    rc, output, _recap = playbook("playbooks/status.yml", *args)
    assert rc == 0, output[-3000:]
    running = instances(ec2_client, "life-status")
    assert len(running) == 2
    for node in running:
        assert node["InstanceId"] in output and node["PrivateIpAddress"] in output
    assert "USD/hour" in output
    # Head first, with the slots the hostfile gives a p2.xlarge (its one GPU).
    head, worker = sorted(running, key=lambda node: tags_of(node).get("ec2mpi:role") != "head")
    assert [(row[0], row[5], row[6]) for row in node_rows(output)] == [(head["InstanceId"], "head", "1"), (worker["InstanceId"], "worker", "1")]
    assert "life-status" not in output.split("orphans in us-west-2")[-1]

    # The head is whichever node carries the tag, not the oldest.
    ec2_client.create_tags(Resources=[head["InstanceId"]], Tags=[{"Key": "ec2mpi:role", "Value": "worker"}])
    ec2_client.create_tags(Resources=[worker["InstanceId"]], Tags=[{"Key": "ec2mpi:role", "Value": "head"}])
    rc, output, _recap = playbook("playbooks/status.yml", *args)
    assert rc == 0, output[-3000:]
    assert [row[0] for row in node_rows(output)] == [worker["InstanceId"], head["InstanceId"]]

    # Instances gone behind the playbooks' back: the rest of the cluster is an orphan.
    ec2_client.terminate_instances(InstanceIds=[node["InstanceId"] for node in running])
    rc, output, _recap = playbook("playbooks/status.yml", *args)
    assert rc == 0, output[-3000:]
    assert "life-status" in output.split("orphans in us-west-2")[-1]


def test_teardown_leaves_nothing_and_a_second_run_changes_nothing(playbook, ec2_client, iam_client, tmp_path):
    args = cluster_args("life-down", tmp_path, 43)
    provision(playbook, args)
    assert (tmp_path / "id_ed25519").exists()
    there = nothing_left(ec2_client, iam_client, "life-down")
    assert there, "provision created nothing to tear down"

    # --check names what it would delete, without --diff, and deletes nothing.
    rc, output, _recap = playbook("playbooks/teardown.yml", *args, "-e", "teardown_iam=true", "--check")
    assert rc == 0, output[-3000:]
    listed = " ".join(output.split())
    assert all(item in listed for item in there["instances"] + there["vpcs"] + there["security groups"] + there["key pairs"]), listed[-3000:]
    assert "cluster life-down: would delete" in listed
    assert nothing_left(ec2_client, iam_client, "life-down") == there

    rc, output, recap = playbook("playbooks/teardown.yml", *args, "-e", "teardown_iam=true", "-e", "teardown_local_files=true")
    assert rc == 0, output[-3000:]
    assert recap["localhost"]["changed"] >= 1
    assert nothing_left(ec2_client, iam_client, "life-down") == {}
    assert "ops-life-down" not in [u["UserName"] for u in iam_client.list_users()["Users"]]
    assert not tmp_path.exists()

    rc, output, recap = playbook("playbooks/teardown.yml", *args, "-e", "teardown_iam=true", "-e", "teardown_local_files=true")
    assert rc == 0, output[-3000:]
    assert recap["localhost"]["changed"] == 0


def test_teardown_keeps_iam_and_local_files_unless_asked(playbook, ec2_client, iam_client, tmp_path):
    args = cluster_args("life-keep", tmp_path, 44)
    provision(playbook, args)
    rc, output, _recap = playbook("playbooks/teardown.yml", *args)
    assert rc == 0, output[-3000:]
    left = nothing_left(ec2_client, iam_client, "life-keep")
    assert set(left) == {"iam groups", "iam policies"}, left
    assert (tmp_path / "id_ed25519").exists()
    rc, output, _recap = playbook("playbooks/teardown.yml", *args, "-e", "teardown_iam=true")
    assert rc == 0, output[-3000:]
    assert nothing_left(ec2_client, iam_client, "life-keep") == {}


def test_two_clusters_tearing_one_down_leaves_the_other(playbook, ec2_client, iam_client, tmp_path):
    one, other = tmp_path / "one", tmp_path / "other"
    provision(playbook, cluster_args("life-one", one, 45))
    provision(playbook, cluster_args("life-other", other, 46))
    before = footprint(ec2_client, iam_client, "life-other", instance_states=LIVE_STATES)
    # Each cluster's instances carry its own key pair (not the default cluster's).
    assert {node["KeyName"] for node in instances(ec2_client, "life-other")} == {"ec2mpi-life-other"}

    rc, output, _recap = playbook("playbooks/teardown.yml", *cluster_args("life-one", one, 45), "-e", "teardown_iam=true")
    assert rc == 0, output[-3000:]
    assert nothing_left(ec2_client, iam_client, "life-one") == {}
    assert footprint(ec2_client, iam_client, "life-other", instance_states=LIVE_STATES) == before
    # And the other one still works: a rerun of its provision changes nothing.
    rc, output, recap = playbook("provision.yml", *cluster_args("life-other", other, 46), "-e", "node_count=2", "-e", operator("life-other"))
    assert rc == 0 and recap["localhost"]["changed"] == 0, output[-3000:]


def kill_provision_once_security_group_exists(emulator, ec2, name, args):
    """Start provision.yml and SIGKILL it (and its workers) as soon as the cluster's security group exists."""
    command = [str(emulator.bin_dir / "ansible-playbook"), "provision.yml", *args, "-e", "node_count=3"]
    process = subprocess.Popen(command, cwd=emulator.repo_root, env=emulator.env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    # A bound, not a timing: provision reaches its security group in about a minute, several on a loaded machine.
    deadline = time.monotonic() + 600
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if ec2.describe_security_groups(Filters=tag_filter(name))["SecurityGroups"]:
                break
            time.sleep(0.2)
        else:
            pytest.fail("provision.yml ended or took too long before the security group existed")
    finally:
        if process.poll() is None:
            # Its own session: the group holds ansible-playbook and its workers, never this test.
            assert os.getpgid(process.pid) == process.pid != os.getpgid(0)
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def test_provision_killed_part_way_then_teardown_leaves_nothing(emulator, playbook, ec2_client, iam_client, tmp_path):
    args = cluster_args("life-killed", tmp_path, 47)
    kill_provision_once_security_group_exists(emulator, ec2_client, "life-killed", args)
    assert nothing_left(ec2_client, iam_client, "life-killed"), "the kill left nothing half-created to clean up"
    rc, output, _recap = playbook("playbooks/teardown.yml", *args, "-e", "teardown_iam=true")
    assert rc == 0, output[-3000:]
    assert nothing_left(ec2_client, iam_client, "life-killed") == {}


def test_provision_killed_part_way_then_rerun_converges(emulator, playbook, ec2_client, tmp_path):
    args = cluster_args("life-rerun", tmp_path, 48)
    kill_provision_once_security_group_exists(emulator, ec2_client, "life-rerun", args)
    rc, output, _recap = playbook("provision.yml", *args, "-e", "node_count=3")
    assert rc == 0, output[-3000:]
    assert len(instances(ec2_client, "life-rerun")) == 3
    assert len(ec2_client.describe_vpcs(Filters=tag_filter("life-rerun"))["Vpcs"]) == 1
    assert len(ec2_client.describe_security_groups(Filters=tag_filter("life-rerun"))["SecurityGroups"]) == 1


def test_provision_check_of_a_new_cluster_says_what_it_would_create_and_creates_nothing(playbook, ec2_client, iam_client, tmp_path):
    # As for a new user: the cluster's local directory does not exist yet either.
    args = cluster_args("life-plan", tmp_path / "new", 51)
    rc, output, _recap = playbook("provision.yml", *args, "--check")
    assert rc == 0, output[-3000:]
    summary = " ".join(output.split())
    assert "check mode: cluster life-plan does not exist in us-west-2 yet; a real run would create:" in summary
    assert "vpc (10.51.0.0/16) with subnet 10.51.1.0/24 in us-west-2a" in summary
    assert nothing_left(ec2_client, iam_client, "life-plan") == {}
    assert not (tmp_path / "new").exists()


def test_teardown_of_a_cluster_that_does_not_exist_says_so(playbook, tmp_path):
    rc, output, recap = playbook("playbooks/teardown.yml", *cluster_args("life-ghost", tmp_path, 49))
    assert rc == 0 and recap["localhost"]["changed"] == 0, output[-3000:]
    assert ("no resources tagged ec2mpi:cluster=life-ghost in us-west-2: nothing to delete; "
            "check cluster_name and aws_region if you expected a cluster there") in " ".join(output.split())


def test_a_lost_private_key_is_never_replaced_behind_the_nodes_back(playbook, ec2_client, tmp_path):
    args = cluster_args("life-lostkey", tmp_path, 50)
    provision(playbook, args, nodes=1)
    fingerprint = ec2_client.describe_key_pairs(KeyNames=["ec2mpi-life-lostkey"])["KeyPairs"][0]["KeyFingerprint"]
    node = instances(ec2_client, "life-lostkey")[0]["InstanceId"]
    (tmp_path / "id_ed25519").unlink()

    rc, output, _recap = playbook("provision.yml", *args, "-e", "node_count=1")

    assert rc != 0
    assert (f"the private key {tmp_path}/id_ed25519 of key pair ec2mpi-life-lostkey is missing, and 1 instances launched with it "
            f"({node}) trust only that key: restore the file from a backup") in " ".join(output.split()), output[-3000:]
    assert not (tmp_path / "id_ed25519").exists()
    assert ec2_client.describe_key_pairs(KeyNames=["ec2mpi-life-lostkey"])["KeyPairs"][0]["KeyFingerprint"] == fingerprint
    assert [i["InstanceId"] for i in instances(ec2_client, "life-lostkey")] == [node]


def test_a_user_of_another_cluster_is_refused_and_a_user_from_before_survives_teardown(playbook, ec2_client, iam_client, tmp_path):
    # "life-ab" created ops-ab; "preexisting" was there before any cluster.
    iam_client.create_user(UserName="preexisting")
    ab = cluster_args("life-ab", tmp_path / "ab", 51)
    rc, output, _recap = playbook("provision.yml", *ab, "-e", "node_count=1", "-e", '{"operator_users": ["ops-ab", "preexisting"]}')
    assert rc == 0, output[-3000:]
    assert tags_of(iam_client.get_user(UserName="ops-ab")["User"]) == {"ec2mpi:cluster": "life-ab", "ec2mpi:created-by": "life-ab/us-west-2"}
    assert tags_of(iam_client.get_user(UserName="preexisting")["User"]) == {}

    a = cluster_args("life-a", tmp_path / "a", 52)
    rc, output, _recap = playbook("provision.yml", *a, "-e", "node_count=1", "-e", '{"operator_users": ["ops-ab"]}')
    assert rc != 0
    assert ("IAM user ops-ab in iam_operator_users belongs to ec2mpi cluster life-ab (tag ec2mpi:cluster), so cluster life-a cannot "
            "share it") in " ".join(output.split()), output[-3000:]
    assert nothing_left(ec2_client, iam_client, "life-a") == {}
    assert tags_of(iam_client.get_user(UserName="ops-ab")["User"]) == {"ec2mpi:cluster": "life-ab", "ec2mpi:created-by": "life-ab/us-west-2"}

    rc, output, _recap = playbook("playbooks/teardown.yml", *ab, "-e", "teardown_iam=true")
    assert rc == 0, output[-3000:]
    users = [u["UserName"] for u in iam_client.list_users()["Users"]]
    assert "ops-ab" not in users and "preexisting" in users
    assert iam_client.list_groups_for_user(UserName="preexisting")["Groups"] == []


def test_a_changed_vpc_cidr_is_refused_and_the_cluster_keeps_one_network(playbook, ec2_client, tmp_path):
    args = cluster_args("life-cidr", tmp_path, 53)
    rc, output, _recap = playbook("provision.yml", *args, "-e", "node_count=1")
    assert rc == 0, output[-3000:]
    vpc = ec2_client.describe_vpcs(Filters=tag_filter("life-cidr"))["Vpcs"][0]["VpcId"]

    rc, output, _recap = playbook("provision.yml", *args, "-e", "node_count=1", "-e", "vpc_cidr=10.54.0.0/16", "-e", "subnet_cidr=10.54.1.0/24")
    assert rc != 0
    assert (f"vpc_cidr 10.54.0.0/16 differs from the 10.53.0.0/16 of cluster life-cidr's {vpc}, which cannot change under its nodes: "
            "give vpc_cidr=10.53.0.0/16") in " ".join(output.split()), output[-3000:]
    assert [v["VpcId"] for v in ec2_client.describe_vpcs(Filters=tag_filter("life-cidr"))["Vpcs"]] == [vpc]
    assert len(ec2_client.describe_subnets(Filters=tag_filter("life-cidr"))["Subnets"]) == 1
    assert len(ec2_client.describe_security_groups(Filters=tag_filter("life-cidr"))["SecurityGroups"]) == 1


def test_a_changed_instance_type_says_which_nodes_keep_theirs(playbook, ec2_client, tmp_path):
    args = cluster_args("life-type", tmp_path, 55)
    one_type = '{"instance_type": "g4dn.xlarge", "instance_type_fallbacks": []}'
    rc, output, _recap = playbook("provision.yml", *args, "-e", "node_count=1", "-e", one_type)
    assert rc == 0, output[-3000:]
    first = instances(ec2_client, "life-type")[0]["InstanceId"]

    other_type = '{"instance_type": "g4dn.12xlarge", "instance_type_fallbacks": []}'
    rc, output, _recap = playbook("provision.yml", *args, "-e", "node_count=2", "-e", other_type)
    assert rc == 0, output[-3000:]
    said = " ".join(output.split())
    assert "cluster life-type in us-west-2: 1 x g4dn.12xlarge, 1 x g4dn.xlarge" in said, output[-3000:]
    assert f"instance type: {first} keep their type (g4dn.xlarge); only new nodes get g4dn.12xlarge" in said, output[-3000:]
    nodes = {i["InstanceId"]: i for i in instances(ec2_client, "life-type")}
    assert sorted(i["InstanceType"] for i in nodes.values()) == ["g4dn.12xlarge", "g4dn.xlarge"]
    # Each node keeps its own type's GPUs, so its slots: the rule the hostfile uses, as status shows it.
    rc, output, _recap = playbook("playbooks/status.yml", *args)
    assert rc == 0, output[-3000:]
    slots = {row[0]: row[6] for row in node_rows(output)}
    assert slots == {node_id: "1" if node["InstanceType"] == "g4dn.xlarge" else "4" for node_id, node in nodes.items()}


def test_a_changed_root_volume_size_reaches_new_nodes_only_and_says_which_keep_theirs(playbook, ec2_client, tmp_path):
    args = cluster_args("life-disk", tmp_path, 58)
    rc, output, _recap = playbook("provision.yml", *args, "-e", "node_count=1")
    assert rc == 0, output[-3000:]
    first = instances(ec2_client, "life-disk")[0]["InstanceId"]

    rc, output, _recap = playbook("provision.yml", *args, "-e", "node_count=2", "-e", "root_volume_size=120")
    assert rc == 0, output[-3000:]
    said = " ".join(output.split())
    assert f"root volume: {first} keep the root volume they were launched with; only new nodes get 120 GiB" in said, output[-3000:]
    sizes = {i["InstanceId"]: ec2_client.describe_volumes(VolumeIds=[m["Ebs"]["VolumeId"] for m in i["BlockDeviceMappings"]])["Volumes"][0]["Size"]
             for i in instances(ec2_client, "life-disk")}
    assert sizes[first] == 100 and sorted(sizes.values()) == [100, 120], sizes


def test_teardown_names_what_someone_else_put_in_the_clusters_vpc(playbook, ec2_client, iam_client, tmp_path):
    args = cluster_args("life-foreign", tmp_path, 56)
    provision(playbook, args, nodes=1)
    vpc = ec2_client.describe_vpcs(Filters=tag_filter("life-foreign"))["Vpcs"][0]["VpcId"]
    foreign = ec2_client.create_subnet(VpcId=vpc, CidrBlock="10.56.9.0/24")["Subnet"]["SubnetId"]

    rc, output, _recap = playbook("playbooks/teardown.yml", *args)

    assert rc != 0
    said = " ".join(output.split())
    assert f"but left 1: vpcs {vpc}; vpc {vpc} holds subnet {foreign}, which are not the cluster's" in said, output[-3000:]
    assert nothing_left(ec2_client, iam_client, "life-foreign") == {
        "vpcs": [vpc], "iam groups": ["ec2mpi-life-foreign-us-west-2-operators"],
        "iam policies": ["ec2mpi-life-foreign-us-west-2-operator"]}
    ec2_client.delete_subnet(SubnetId=foreign)
    rc, output, _recap = playbook("playbooks/teardown.yml", *args, "-e", "teardown_iam=true")
    assert rc == 0, output[-3000:]
    assert nothing_left(ec2_client, iam_client, "life-foreign") == {}


def test_a_misspelled_input_is_named_not_silently_ignored(playbook, tmp_path):
    rc, output, _recap = playbook("playbooks/teardown.yml", *cluster_args("life-typo", tmp_path, 57), "-e", "node_cout=4")
    assert rc == 0, output[-3000:]
    assert "WARNING: node_cout is not an input, so it has no effect; did you mean node_count?" in " ".join(output.split())


def test_three_concurrent_provisions_of_one_cluster_leave_its_nodes_once(emulator, ec2_client, tmp_path):
    args = cluster_args("life-race", tmp_path, 49)
    command = [str(emulator.bin_dir / "ansible-playbook"), "provision.yml", *args, "-e", "node_count=3"]
    runs = [subprocess.Popen(command, cwd=emulator.repo_root, env=emulator.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for _run in range(3)]
    outputs = [(run.communicate(timeout=900)[0], run.returncode) for run in runs]

    held = "cluster life-race is being changed by another run ("
    for output, returncode in outputs:
        assert returncode == 0 or held in " ".join(output.split()), output[-3000:]
    assert any(returncode == 0 for _output, returncode in outputs)
    assert len(instances(ec2_client, "life-race")) == 3
    assert len(ec2_client.describe_vpcs(Filters=tag_filter("life-race"))["Vpcs"]) == 1
    # Every run gave the cluster back.
    assert ec2_client.describe_key_pairs(Filters=[{"Name": "key-name", "Values": ["ec2mpi-lease.life-race"]}])["KeyPairs"] == []
