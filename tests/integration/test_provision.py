# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""provision.yml end to end, run by real ansible-playbook against this session's local emulator
(API-only: moto server, no containers), checked through the EC2 and IAM APIs with boto3.

The tests of one cluster change it in file order: create (4 nodes), rerun, grow to 6, shrink to 3,
inventory, mpi-cluster refusals; each passes alone too, whatever size the cluster has then.
"""

import ipaddress
import json
import re
import socket
import stat
import uuid

import pytest
from localcloud.session import Emulator, run_playbook
from cluster_api import PUBLIC_RANGE, SSH_ALLOWED_CIDRS, SSH_INPUT, footprint, instances, security_group, ssh_cidrs, tag_filter, tags_of

CLUSTER = "mpi"  # the default cluster_name: the happy path is the command a user types
WANTED_TYPE = "p2.xlarge"  # the default instance_type; moto, like AWS since 2025, offers no P2
FALLBACK_TYPE = "g4dn.xlarge"  # the first of the default instance_type_fallbacks
WORLD = {"0.0.0.0/0", "::/0"}
# The newest Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) owned by Amazon in the emulator's catalog.
DLAMI_22_04 = "ami-0c1a7f0e2b3d40012"


# ---------------------------------------------------------------------------------------------
# What the API shows of a cluster


def graph_groups(graph):
    """{group: [hosts]} from `ansible-inventory --graph` (direct members only)."""
    groups, stack = {}, []  # stack of (depth, group)
    for line in graph.splitlines():
        if "|--" not in line:
            continue
        depth = line.index("|--")
        entry = line[depth + 3:].strip()
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if entry.startswith("@"):
            group = entry[1:].rstrip(":")
            groups.setdefault(group, [])
            stack.append((depth, group))
        elif stack:
            groups[stack[-1][1]].append(entry)
    return groups


def plain(value):
    """A value as `ansible-inventory --list` prints it, without its {"__ansible_unsafe": ...} wrapper."""
    return value["__ansible_unsafe"] if isinstance(value, dict) else value


FAILURE_LINE = re.compile(r"^(?:fatal|failed): \[[^\]]+\].*?=> (\{.*\})\s*$")


def failure_result(output):
    """The result of the last failed task (or loop item), from output written with ANSIBLE_CALLBACK_RESULT_FORMAT=json."""
    results = [m.group(1) for m in map(FAILURE_LINE.match, output.splitlines()) if m]
    return json.loads(results[-1]) if results else None


def flat(text):
    """The output without any whitespace, so a secret wrapped by the YAML callback is still found."""
    return "".join(text.split())


# ---------------------------------------------------------------------------------------------
# The session cluster: 4 nodes, then rerun, 6, 3


@pytest.fixture(scope="module")
def cluster(playbook, tmp_path_factory):
    local_dir = tmp_path_factory.mktemp("cluster-mpi")
    args = ["provision.yml", "-e", f"cluster_local_dir={local_dir}", *SSH_INPUT]
    rc, output, recap = playbook(*args, "-e", "node_count=4")
    return {"local_dir": local_dir, "args": args, "rc": rc, "output": output, "recap": recap}


def provision_ok(rc, output):
    assert rc == 0, f"provision.yml exited {rc}:\n{output[-6000:]}"


def assert_one_head(nodes):
    heads = [i["InstanceId"] for i in nodes if tags_of(i).get("ec2mpi:role") == "head"]
    workers = [i["InstanceId"] for i in nodes if tags_of(i).get("ec2mpi:role") == "worker"]
    assert len(heads) == 1, f"expected exactly one head, found {heads}"
    assert len(workers) == len(nodes) - 1, f"every other node should be a worker: {[tags_of(i) for i in nodes]}"
    return heads[0]


def test_provision_creates_tagged_cluster(cluster, ec2_client, iam_client):
    provision_ok(cluster["rc"], cluster["output"])
    output = cluster["output"]

    # p2.xlarge is not offered, so the first fallback is used, and the output says so.
    warnings = [line for line in output.splitlines() if line.startswith("[WARNING]") and WANTED_TYPE in line]
    assert warnings, f"no [WARNING] line names {WANTED_TYPE}:\n{output[-4000:]}"
    assert any("instance_type_fallbacks" in w and FALLBACK_TYPE in w for w in warnings), warnings

    nodes = instances(ec2_client, CLUSTER, states=("running",))
    assert len(nodes) == 4, [i["InstanceId"] for i in nodes]
    assert instances(ec2_client, CLUSTER, states=("pending", "stopping", "stopped", "shutting-down", "terminated")) == []
    assert {i["InstanceType"] for i in nodes} == {FALLBACK_TYPE}

    vpcs = ec2_client.describe_vpcs(Filters=tag_filter(CLUSTER))["Vpcs"]
    subnets = ec2_client.describe_subnets(Filters=tag_filter(CLUSTER))["Subnets"]
    assert len(vpcs) == 1 and len(subnets) == 1, (vpcs, subnets)
    vpc, subnet = vpcs[0], subnets[0]
    assert subnet["VpcId"] == vpc["VpcId"]
    group = security_group(ec2_client, CLUSTER)
    assert group["VpcId"] == vpc["VpcId"]
    key_name = f"ec2mpi-{CLUSTER}"
    for node in nodes:
        assert node["SubnetId"] == subnet["SubnetId"], node["InstanceId"]
        assert node["VpcId"] == vpc["VpcId"], node["InstanceId"]
        assert [g["GroupId"] for g in node["SecurityGroups"]] == [group["GroupId"]], node["InstanceId"]
        assert node["KeyName"] == key_name, node["InstanceId"]

    # Every resource the nodes use carries the cluster tag: found from the nodes, not by the tag.
    igws = ec2_client.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpc["VpcId"]]}])["InternetGateways"]
    tables = ec2_client.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [subnet["SubnetId"]]}])["RouteTables"]
    key_pairs = ec2_client.describe_key_pairs(KeyNames=[key_name])["KeyPairs"]
    assert len(igws) == 1 and len(tables) == 1 and len(key_pairs) == 1, (igws, tables, key_pairs)
    tagged = {"vpc": vpc, "subnet": subnet, "internet gateway": igws[0], "route table": tables[0],
              "security group": group, "key pair": key_pairs[0], **{f"instance {i['InstanceId']}": i for i in nodes}}
    untagged = {kind: tags_of(r) for kind, r in tagged.items() if tags_of(r).get("ec2mpi:cluster") != CLUSTER}
    assert untagged == {}, f"missing ec2mpi:cluster={CLUSTER}: {untagged}"
    routes = {r.get("DestinationCidrBlock"): r.get("GatewayId") for r in tables[0]["Routes"]}
    assert routes.get("0.0.0.0/0") == igws[0]["InternetGatewayId"], routes

    # The security group: SSH only from the configured CIDRs, everything between members.
    assert not WORLD & set(ssh_cidrs(group)), group["IpPermissions"]
    opened = {r.get("CidrIp") or r.get("CidrIpv6") for p in group["IpPermissions"]
              for r in p.get("IpRanges", []) + p.get("Ipv6Ranges", [])}
    assert not WORLD & opened, group["IpPermissions"]
    assert ssh_cidrs(group) == SSH_ALLOWED_CIDRS
    assert any(p["IpProtocol"] == "-1" and any(pair["GroupId"] == group["GroupId"] for pair in p["UserIdGroupPairs"])
               for p in group["IpPermissions"]), f"no all-traffic rule from the group itself: {group['IpPermissions']}"

    # The private key stays on the controller, 0600.
    key_file = cluster["local_dir"] / "id_ed25519"
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600, oct(key_file.stat().st_mode)

    assert_one_head(nodes)

    # GPU nodes boot the newest Deep Learning Base GPU AMI of Amazon (not the newer look-alike of another account),
    # on a 100 GiB gp3 root volume, encrypted, deleted with the node and tagged like it; instance metadata needs IMDSv2.
    assert {i["ImageId"] for i in nodes} == {DLAMI_22_04}
    for node in nodes:
        assert node["MetadataOptions"]["HttpTokens"] == "required", node["MetadataOptions"]
        root = [m["Ebs"] for m in node["BlockDeviceMappings"] if m["DeviceName"] == "/dev/sda1"]
        assert len(root) == 1 and root[0]["DeleteOnTermination"], node["BlockDeviceMappings"]
        volume = ec2_client.describe_volumes(VolumeIds=[root[0]["VolumeId"]])["Volumes"][0]
        assert (volume["Size"], volume["VolumeType"], volume["Encrypted"]) == (100, "gp3", True), volume
        assert tags_of(volume).get("ec2mpi:cluster") == CLUSTER, tags_of(volume)
    said = " ".join(output.split())
    assert f"image {DLAMI_22_04} (Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) 20250815), root volume 100 GiB" in said
    # The helper that the bad-input tests rely on does see a real cluster.
    assert all(footprint(ec2_client, iam_client, CLUSTER).values()), footprint(ec2_client, iam_client, CLUSTER)


def test_rerun_changes_nothing(cluster, playbook, ec2_client):
    before = sorted(i["InstanceId"] for i in instances(ec2_client, CLUSTER))
    rc, output, recap = playbook(*cluster["args"], "-e", "node_count=4")
    provision_ok(rc, output)
    assert recap["localhost"]["changed"] == 0, f"recap {recap['localhost']}; changed tasks:\n" + "\n".join(
        line for line in output.splitlines() if line.startswith("changed:"))
    assert sorted(i["InstanceId"] for i in instances(ec2_client, CLUSTER)) == before


def test_grow_to_six_keeps_the_head(cluster, playbook, ec2_client):
    head = assert_one_head(instances(ec2_client, CLUSTER))
    rc, output = playbook(*cluster["args"], "-e", "node_count=6")[:2]
    provision_ok(rc, output)
    nodes = instances(ec2_client, CLUSTER, states=("pending", "running"))
    assert len(nodes) == 6 and {i["State"]["Name"] for i in nodes} == {"running"}, [(i["InstanceId"], i["State"]) for i in nodes]
    assert assert_one_head(nodes) == head


def test_shrink_to_three(cluster, playbook, ec2_client):
    before = {i["InstanceId"] for i in instances(ec2_client, CLUSTER)}
    rc, output = playbook(*cluster["args"], "-e", "node_count=3")[:2]
    provision_ok(rc, output)
    nodes = instances(ec2_client, CLUSTER, states=("pending", "running", "stopping", "stopped"))
    assert len(nodes) == 3 and {i["State"]["Name"] for i in nodes} == {"running"}, [(i["InstanceId"], i["State"]) for i in nodes]
    kept = {i["InstanceId"] for i in nodes}
    gone = {i["InstanceId"] for i in instances(ec2_client, CLUSTER, states=("shutting-down", "terminated"))}
    assert kept <= before and before - kept <= gone, (before, kept, gone)
    assert_one_head(nodes)


def test_inventory_has_a_host_per_running_node_reached_at_its_public_ip(inventory, ec2_client):
    rc, graph, err = inventory("--graph")
    assert rc == 0, err
    running = instances(ec2_client, CLUSTER, states=("running",))
    # One host per instance (every node has the same Name tag), named by its id.
    assert sorted(graph_groups(graph)[f"cluster_{CLUSTER}"]) == sorted(i["InstanceId"] for i in running), graph

    rc, listing, err = inventory("--list")
    assert rc == 0, err
    hostvars = json.loads(listing)["_meta"]["hostvars"]
    # The subnet maps public IPs, as provision.yml makes it: the controller uses them, as on AWS.
    reached = {i["InstanceId"]: (plain(hostvars[i["InstanceId"]]["ansible_host"]), plain(hostvars[i["InstanceId"]]["ansible_user"]))
               for i in running}
    assert reached == {i["InstanceId"]: (i["PublicIpAddress"], "ubuntu") for i in running}
    assert all(ipaddress.ip_address(i["PublicIpAddress"]) in PUBLIC_RANGE for i in running), reached


def test_mpi_cluster_refuses_a_bad_mpi_slots_before_touching_a_node(cluster, playbook):
    # The nodes of this API-only emulator have no SSH: any task that reached them would fail otherwise.
    rc, output, recap = playbook("mpi-cluster.yml", "-e", f"cluster_local_dir={cluster['local_dir']}", "-e", "mpi_slots=bogus")
    assert rc != 0
    assert "mpi_slots 'bogus' is not a slot policy; use gpus, cores, vcpus, auto or a whole number above 0" in output, output[-3000:]
    assert "Wait for SSH on every node" not in output, output[-3000:]
    assert all(host["changed"] == 0 and host["unreachable"] == 0 for host in recap.values()), recap


def test_mpi_cluster_refuses_a_play_that_misses_a_node_before_changing_any(cluster, playbook, ec2_client):
    # A user re-running on part of the cluster: the one inventory, limited to all nodes but one.
    running = sorted(instances(ec2_client, CLUSTER, states=("running",)), key=lambda i: i["InstanceId"])
    left_out = running[-1]
    rc, output, recap = playbook(
        "-i", "inventories/aws_ec2.yml", "mpi-cluster.yml", "--limit", f"localhost:cluster_{CLUSTER}:!{left_out['InstanceId']}",
        "-e", f"cluster_local_dir={cluster['local_dir']}", env={"ANSIBLE_CALLBACK_RESULT_FORMAT": "json"})
    assert rc != 0
    msg = failure_result(output)["msg"]
    assert msg == (f"MPI smoke test: EC2 runs {len(running)} nodes of the cluster but this play reaches {len(running) - 1}; "
                   f"missing {left_out['InstanceId']} "
                   f"at {left_out['PrivateIpAddress']}: run mpi-cluster.yml without --limit, on every node"), msg
    # Nothing reached a node (this API-only emulator's nodes have no SSH: any connection would fail).
    assert "Wait for SSH on every node" not in output, output[-3000:]
    assert all(host["changed"] == 0 and host["unreachable"] == 0 for host in recap.values()), recap


def test_mpi_cluster_of_a_cluster_that_does_not_exist_fails_in_one_line(playbook, tmp_path):
    rc, output, _recap = playbook("mpi-cluster.yml", "-e", "cluster_name=nosuch", "-e", "aws_region=eu-west-1",
                                  "-e", f"cluster_local_dir={tmp_path}", env={"ANSIBLE_CALLBACK_RESULT_FORMAT": "json"})
    assert rc != 0
    assert failure_result(output)["msg"] == (
        "cluster nosuch has no instances in eu-west-1: check cluster_name and aws_region (the -e given to provision.yml) "
        "and that the AWS credentials are for the account that has it")
    assert "skipping: no hosts matched" not in output


def test_without_credentials_the_first_failure_says_how_to_give_them(emulator, tmp_path, ec2_client, iam_client):
    # The endpoint stays the emulator's: nothing can reach AWS even without the key pair.
    env = {k: v for k, v in emulator.env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    rc, output, _recap = run_playbook("provision.yml", "-e", "cluster_name=nocreds", "-e", f"cluster_local_dir={tmp_path}",
                                      *SSH_INPUT, env=dict(env, ANSIBLE_CALLBACK_RESULT_FORMAT="json"))
    assert rc != 0
    first_problem = next(line for line in output.splitlines() if re.match(r"^(\[WARNING\]|\[ERROR\]|fatal|failed)", line))
    assert first_problem.startswith("[ERROR]: Task failed: Action failed: no AWS credentials were found: "), output[-3000:]
    msg = failure_result(output)["msg"]
    assert "\n" not in msg and all(way in msg for way in ("aws configure", "aws sso login", "AWS_PROFILE", "AWS_ACCESS_KEY_ID")), msg
    assert {kind: ids for kind, ids in footprint(ec2_client, iam_client, "nocreds").items() if ids} == {}
    assert not (tmp_path / "id_ed25519").exists()


# ---------------------------------------------------------------------------------------------
# A second cluster with the other options, in one run (each run costs ~30 s): -vvv, ssh_allowed_cidrs=auto
# answered by a local stand-in for checkip, and an operator with an access key. A fresh cluster, so the key
# pair and the access key are made in this very -vvv run.


@pytest.fixture(scope="module")
def options_cluster(playbook, address_server, tmp_path_factory):
    name = "prov-opts"
    local_dir = tmp_path_factory.mktemp(name)
    rc, output, _recap = playbook(
        "provision.yml", "-vvv", "-e", f"cluster_name={name}", "-e", f"cluster_local_dir={local_dir}", "-e", "node_count=1",
        "-e", "vpc_cidr=10.20.0.0/16", "-e", "subnet_cidr=10.20.1.0/24",
        "-e", "ssh_allowed_cidrs=auto", "-e", f"ssh_allowed_cidrs_auto_url={address_server}/203.0.113.7",
        "-e", json.dumps({"operator_users": ["alice"], "operator_access_keys": True}),
    )
    provision_ok(rc, output)
    return {"name": name, "local_dir": local_dir, "output": output}


def test_verbose_output_holds_no_secret(options_cluster):
    output, local_dir = options_cluster["output"], options_cluster["local_dir"]
    assert "ESTABLISH LOCAL CONNECTION" in output, "the run was not -vvv"

    key_lines = (local_dir / "id_ed25519").read_text().strip().splitlines()
    public_key = (local_dir / "id_ed25519.pub").read_text()
    assert key_lines[0] == "-----BEGIN OPENSSH PRIVATE KEY-----"
    # The first base64 line is the same in every OpenSSH key; the others hold this key's secret.
    distinctive = [line for line in key_lines[2:-1] if line not in public_key]
    assert distinctive, key_lines
    leaked = [line for line in distinctive if line in output or line in flat(output)]
    assert leaked == [], "private key lines in the -vvv output"
    assert "PRIVATE KEY-----" not in output

    row = (local_dir / "access-keys" / "alice.csv").read_text().splitlines()[1]
    secret = row.split(",")[1]
    assert len(secret) >= 20, "the access-key CSV holds no secret"
    assert secret not in output and secret not in flat(output), "the access key secret is in the -vvv output"


def test_auto_ssh_cidr_is_this_address(options_cluster, ec2_client):
    group = security_group(ec2_client, options_cluster["name"])
    assert ssh_cidrs(group) == ["203.0.113.7/32"], group["IpPermissions"]


def test_inventory_group_of_a_hyphenated_cluster_name(options_cluster, inventory, ec2_client):
    name = options_cluster["name"]
    rc, graph, err = inventory("--graph")
    assert rc == 0, err
    groups = graph_groups(graph)
    running = sorted(i["InstanceId"] for i in instances(ec2_client, name, states=("running",)))
    assert len(running) == 1
    # Ansible group names cannot hold hyphens: the inventory writes them as underscores (documented).
    group = "cluster_" + name.replace("-", "_")
    assert group in groups, f"groups: {sorted(groups)}"
    assert sorted(groups[group]) == running


def test_an_instance_type_of_any_real_shape_passes_the_input_checks(playbook, ec2_client, tmp_path):
    # c7i.metal-24xl: a size with a suffix, which an earlier regex of the inputs role refused.
    rc, output, _recap = playbook("provision.yml", "-e", "cluster_name=metal", "-e", f"cluster_local_dir={tmp_path}", *SSH_INPUT,
                                  "-e", "node_count=1", "-e", "vpc_cidr=10.50.0.0/16", "-e", "subnet_cidr=10.50.1.0/24",
                                  "-e", json.dumps({"instance_type": "c7i.metal-24xl", "instance_type_fallbacks": []}))
    provision_ok(rc, output)
    assert [i["InstanceType"] for i in instances(ec2_client, "metal")] == ["c7i.metal-24xl"]


# ---------------------------------------------------------------------------------------------
# Bad inputs: fail fast, one line naming the variable, nothing created


def case(case_id, args, variables, cluster_name=None):
    return pytest.param(args, variables, cluster_name, id=case_id)


BAD_INPUTS = [
    case("vpc_cidr-host-bits", ["-e", "vpc_cidr=10.0.0.1/16"], ["vpc_cidr"]),
    case("vpc_cidr-not-a-cidr", ["-e", "vpc_cidr=not-a-cidr"], ["vpc_cidr"]),
    case("vpc_cidr-larger-than-16", ["-e", "vpc_cidr=10.0.0.0/8"], ["vpc_cidr"]),
    case("subnet_cidr-outside-vpc", ["-e", "subnet_cidr=10.1.0.0/24"], ["subnet_cidr"]),
    case("subnet_cidr-smaller-than-28", ["-e", "subnet_cidr=10.0.1.0/29"], ["subnet_cidr"]),
    case("world-ssh-ipv4", ["-e", json.dumps({"ssh_allowed_cidrs": ["0.0.0.0/0"]})], ["ssh_allowed_cidrs", "allow_world_ssh"]),
    case("world-ssh-ipv6", ["-e", json.dumps({"ssh_allowed_cidrs": ["::/0"]})], ["ssh_allowed_cidrs", "allow_world_ssh"]),
    case("world-ssh-ipv6-spelled-0", ["-e", json.dumps({"ssh_allowed_cidrs": ["::0/0"]}), "-e", "node_count=1"],
         ["ssh_allowed_cidrs", "allow_world_ssh"]),
    case("world-ssh-ipv4-host-bits", ["-e", json.dumps({"ssh_allowed_cidrs": ["10.0.0.0/0"]}), "-e", "node_count=1"],
         ["ssh_allowed_cidrs", "allow_world_ssh"]),
    case("world-ssh-two-halves", ["-e", json.dumps({"ssh_allowed_cidrs": ["0.0.0.0/1", "128.0.0.0/1"]})],
         ["ssh_allowed_cidrs", "allow_world_ssh"]),
    case("world-ssh-a-slash-15", ["-e", json.dumps({"ssh_allowed_cidrs": ["203.0.0.0/15"]})], ["ssh_allowed_cidrs", "allow_world_ssh"]),
    case("node_count-0", ["-e", "node_count=0"], ["node_count"]),
    case("node_count-abc", ["-e", "node_count=abc"], ["node_count"]),
    case("node_count-more-than-the-subnet-holds", ["-e", "node_count=10000"], ["node_count", "subnet_cidr"]),
    case("p2-without-fallbacks", ["-e", json.dumps({"instance_type": "p2.xlarge", "instance_type_fallbacks": []})],
         ["instance_type", "instance_type_fallbacks"]),
    case("instance_type-malformed", ["-e", "instance_type=p2xlarge"], ["instance_type"]),
    case("instance_type_fallbacks-malformed", ["-e", json.dumps({"instance_type_fallbacks": ["g4dn.xlarge", "G5 xlarge"]})],
         ["instance_type_fallbacks"]),
    case("cluster_name-underscore", [], ["cluster_name"], cluster_name="a_b"),
    case("cluster_name-leading-digit", [], ["cluster_name"], cluster_name="9lives"),
    case("aws_region-unknown", ["-e", "aws_region=xx-east-9"], ["aws_region"]),
    case("ssh_allowed_cidrs-empty", ["-e", json.dumps({"ssh_allowed_cidrs": []})], ["ssh_allowed_cidrs"]),
    case("vpc_id-without-subnet_id", ["-e", "vpc_id=vpc-0123456789abcdef0"], ["subnet_id"]),
    case("subnet_id-without-vpc_id", ["-e", "subnet_id=subnet-0123456789abcdef0"], ["vpc_id"]),
    case("ami_id-malformed", ["-e", "ami_id=ami-nothex"], ["ami_id"]),
    case("ami_id-not-found", ["-e", "ami_id=ami-0123456789abcdef0"], ["ami_id"]),
    # Images of the emulator's catalog (emulator/localcloud/amis.json), as AWS lists them.
    case("ami_id-arm64-for-an-x86-type", ["-e", "ami_id=ami-0c1a7f0e2b3d40003"], ["ami_id"]),
    case("ami_id-paravirtual", ["-e", "ami_id=ami-0c1a7f0e2b3d40007"], ["ami_id"]),
    case("ami_name_filter-arm64-for-an-x86-type", ["-e", "ami_owner=099720109477",
                                                   "-e", "ami_name_filter=ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-arm64-server-*"],
         ["ami_name_filter"]),
    # The default GPU image's name, looked up under an owner that has no such image.
    case("ami_owner-without-the-image", ["-e", "ami_owner=210987654321"], ["ami_name_filter", "ami_owner"]),
    case("root_volume_size-not-a-number", ["-e", "root_volume_size=big"], ["root_volume_size"]),
    case("root_volume_size-0", ["-e", "root_volume_size=0"], ["root_volume_size"]),
    case("root_volume_size-absurd", ["-e", "root_volume_size=20000"], ["root_volume_size"]),
    case("root_volume_size-a-fraction", ["-e", "root_volume_size=99.5"], ["root_volume_size"]),
    # moto gives every image a root snapshot of 15 GiB.
    case("root_volume_size-below-the-image-s-snapshot", ["-e", "root_volume_size=10"], ["root_volume_size", "15"]),
    case("ssh_key_type-unknown", ["-e", "ssh_key_type=dsa"], ["ssh_key_type"]),
    case("ssh_private_key_path-a-directory", ["-e", "ssh_private_key_path={tmp}"], ["ssh_private_key_path"]),
    case("ssh_private_key_path-under-a-file", ["-e", "ssh_private_key_path={tmp}/notes.txt/id_ed25519"], ["ssh_private_key_path"]),
    case("ssh_private_key_path-not-a-key", ["-e", "ssh_private_key_path={tmp}/notes.txt"], ["ssh_private_key_path"]),
    case("ssh_private_key_path-the-users-own-key", ["-e", "ssh_private_key_path={tmp}/id_ed25519_own"], ["ssh_private_key_path"]),
    case("vpc_id-and-subnet_id-that-do-not-exist", ["-e", "vpc_id=vpc-0123456789abcdef0", "-e", "subnet_id=subnet-0123456789abcdef0"],
         ["vpc_id"]),
    case("subnet_id-that-does-not-exist", ["-e", "vpc_id={default_vpc}", "-e", "subnet_id=subnet-0123456789abcdef0"], ["subnet_id"]),
    case("subnet_id-of-another-vpc", ["-e", "vpc_id={default_vpc}", "-e", "subnet_id={foreign_subnet}"], ["subnet_id", "vpc_id"]),
    case("mpi_slots-unknown", ["-e", "mpi_slots=bogus"], ["mpi_slots"]),
    case("shared_dir-relative", ["-e", "shared_dir=shared"], ["shared_dir", "relative", "/shared"]),
    case("shared_dir-the-root", ["-e", "shared_dir=/"], ["shared_dir", "root directory", "/shared"]),
    case("shared_dir-usr", ["-e", "shared_dir=/usr"], ["shared_dir", "system directory", "/shared"]),
    case("shared_dir-home-itself", ["-e", "shared_dir=/home"], ["shared_dir", "/home", "/shared"]),
    case("instance_type_fallbacks-a-string", ["-e", "instance_type_fallbacks=g4dn.xlarge"], ["instance_type_fallbacks"]),
    case("operator_users-a-string", ["-e", "operator_users=alice"], ["operator_users"]),
    case("a-value-with-a-space", ["-e", "operator_users=alice bob"], ["-e", "bob", "JSON"]),
    case("operator_users-invalid", ["-e", json.dumps({"operator_users": ["bad user!"]})], ["operator_users"]),
    case("auto-answers-garbage", ["-e", "ssh_allowed_cidrs=auto", "-e", "ssh_allowed_cidrs_auto_url={address_server}/%3Chtml%3Eno%20address%20here%3C/html%3E"],
         ["ssh_allowed_cidrs"]),
    case("auto-unreachable", ["-e", "ssh_allowed_cidrs=auto", "-e", "ssh_allowed_cidrs_auto_url={closed_url}"],
         ["ssh_allowed_cidrs"]),
]


@pytest.mark.parametrize("args, variables, cluster_name", BAD_INPUTS)
def test_bad_input_fails_before_any_change(args, variables, cluster_name, request, playbook, address_server,
                                           ec2_client, iam_client, tmp_path):
    name = cluster_name or f"bad-{uuid.uuid4().hex[:8]}"
    closed_url = f"http://127.0.0.1:{_closed_port()}/"
    # Files a key path may wrongly point at: a text file, and someone's own key (its .pub has their comment).
    (tmp_path / "notes.txt").write_text("not a key\n")
    (tmp_path / "id_ed25519_own").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    (tmp_path / "id_ed25519_own.pub").write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA me@laptop\n")
    default_vpc = ec2_client.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    foreign_subnet = ""
    if any("{foreign_subnet}" in a for a in args):  # someone else's network, made here
        vpc = ec2_client.create_vpc(CidrBlock="10.222.0.0/16")["Vpc"]["VpcId"]
        foreign_subnet = ec2_client.create_subnet(VpcId=vpc, CidrBlock="10.222.1.0/24")["Subnet"]["SubnetId"]
    args = [a.replace("{address_server}", address_server).replace("{closed_url}", closed_url).replace("{tmp}", str(tmp_path))
            .replace("{default_vpc}", default_vpc).replace("{foreign_subnet}", foreign_subnet) for a in args]
    local_dir = tmp_path / "local"
    rc, output, _recap = playbook(
        "provision.yml", "-e", f"cluster_name={name}", "-e", f"cluster_local_dir={local_dir}", *SSH_INPUT, *args,
        env={"ANSIBLE_CALLBACK_RESULT_FORMAT": "json"},  # one JSON result per line: msg exactly as the task failed
    )
    assert rc != 0, f"provision.yml succeeded with {args}:\n{output[-3000:]}"
    result = failure_result(output)
    assert result is not None, f"no failed task in the output:\n{output[-3000:]}"
    msg = str(result.get("msg", ""))
    assert msg.strip() and "\n" not in msg.strip(), f"the failure message is not one line: {msg!r}"
    missing = [v for v in variables if v not in msg]
    assert missing == [], f"the failure message does not name {missing}: {msg!r}"
    created = {kind: ids for kind, ids in footprint(ec2_client, iam_client, name).items() if ids}
    assert created == {}, f"created before failing: {created}"
    assert not (local_dir / "id_ed25519").exists(), "the private key was written before failing"
    assert (tmp_path / "id_ed25519_own.pub").read_text().endswith("me@laptop\n"), "someone's own key was rewritten"


def _closed_port():
    """A loopback port nothing listens on (bound and released at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# vCPU quotas: an emulator of its own serves a new account's G quota of 0 and a Standard quota of 8 vCPUs


G_AND_VT_QUOTA = "L-DB2E81BA"
STANDARD_QUOTA = "L-1216C47A"


@pytest.fixture(scope="module")
def quota_playbook(tmp_path_factory):
    emulator = Emulator.create("quota-tests", tmp_path_factory.mktemp("quota-state"),
                               LOCALCLOUD_VCPU_QUOTAS=f"{G_AND_VT_QUOTA}=0,{STANDARD_QUOTA}=8")
    with emulator.running():
        def run(name, tmp_path, *args):
            return emulator.client("ec2"), emulator.client("iam"), run_playbook(
                "provision.yml", "-e", f"cluster_name={name}", "-e", f"cluster_local_dir={tmp_path}", *SSH_INPUT, *args,
                env={**emulator.env, "ANSIBLE_CALLBACK_RESULT_FORMAT": "json"})
        yield run


def assert_quota_failure(output, ec2, iam, name, *words):
    result = failure_result(output)
    assert result is not None, f"no failed task in the output:\n{output[-3000:]}"
    msg = str(result.get("msg", ""))
    assert "\n" not in msg.strip() and all(word in msg for word in words), msg
    created = {kind: ids for kind, ids in footprint(ec2, iam, name).items() if ids}
    assert created == {}, f"created before failing: {created}"


def test_a_g_quota_of_0_fails_before_any_change(quota_playbook, tmp_path):
    ec2, iam, (rc, output, _recap) = quota_playbook("no-gpus", tmp_path, "-e", "node_count=2")

    assert rc != 0
    assert_quota_failure(output, ec2, iam, "no-gpus", "'Running On-Demand G and VT instances' (L-DB2E81BA)",
                         "needs 8 vCPUs", "node_count 2 x 4 vCPUs of g4dn.xlarge", "the quota is 0",
                         "--quota-code L-DB2E81BA --desired-value 8")


def test_a_sufficient_quota_passes_and_what_runs_counts_against_it(quota_playbook, tmp_path):
    standard = ["-e", json.dumps({"instance_type": "m5.xlarge", "instance_type_fallbacks": []})]  # 4 vCPUs each
    ec2, iam, (rc, output, _recap) = quota_playbook("fits", tmp_path / "fits", "-e", "node_count=2", *standard,
                                                    "-e", "vpc_cidr=10.60.0.0/16", "-e", "subnet_cidr=10.60.1.0/24")
    provision_ok(rc, output)
    assert len(instances(ec2, "fits", states=("running",))) == 2

    ec2, iam, (rc, output, _recap) = quota_playbook("one-more", tmp_path / "more", "-e", "node_count=1", *standard)

    assert rc != 0
    assert_quota_failure(output, ec2, iam, "one-more", "needs 12 vCPUs", "+ 8 already running there", "the quota is 8")
