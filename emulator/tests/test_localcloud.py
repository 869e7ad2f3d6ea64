"""Acceptance tests of the local EC2 emulator: a real moto server, real containers, real ssh.

The lifecycle tests share one cluster and run in file order: launch, ssh, first boot, stop/start, terminate.
"""

import ipaddress
import json
import os
import re
import socket
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from localcloud.nat import chain_name
from localcloud.session import LOCALCLOUD, Emulator
from localcloud_harness import DPKG_LOCK_SECONDS, wait_for

INSTANCE_TYPE = "p2.xlarge"
CANONICAL = "099720109477"
JAMMY_AMD64 = "ubuntu/images/hvm-ssd*/ubuntu-jammy-22.04-amd64-server-*"
DLAMI_22_04 = "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) *"
# RFC 2544's range, never routed: every public IP the emulator hands out lies in it.
RESERVED_RANGE = ipaddress.ip_network("198.18.0.0/15")


@dataclass
class Cluster:
    """Three instances in 10.0.1.0/24, a subnet that maps public IPs, launched with an imported ed25519 key pair."""

    emulator: Emulator
    subnet_id: str
    key: Path
    known_hosts: Path
    instances: dict[str, dict[str, Any]]


def container_ip(container: Any) -> str:
    """The static IP the reconciler gave the container (kept while it is stopped)."""
    networks = container.attrs["NetworkSettings"]["Networks"]
    return next(iter(networks.values()))["IPAMConfig"]["IPv4Address"]


def containers_by_instance(emulator: Emulator) -> dict[str, Any]:
    """The emulator's containers keyed by the instance id on their label."""
    return {c.labels["ec2mpi.localcloud.instance-id"]: c for c in emulator.containers()}


def ssh(cluster: Cluster, ip: str, command: str = "hostname") -> subprocess.CompletedProcess:
    """ssh as the default login user with the key pair's private key, as Ansible would."""
    return subprocess.run(
        ["ssh", "-F", "/dev/null", "-i", str(cluster.key), "-o", f"UserKnownHostsFile={cluster.known_hosts}",
         "-o", "StrictHostKeyChecking=accept-new", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
         "-o", "ConnectTimeout=5", f"ubuntu@{ip}", command],
        capture_output=True, text=True, timeout=30, check=False)


def ssh_when_up(cluster: Cluster, ip: str, command: str = "hostname") -> subprocess.CompletedProcess:
    """ssh once sshd answers (a fresh container needs a moment for its host keys)."""
    return wait_for(lambda: (result := ssh(cluster, ip, command)).returncode == 0 and result, timeout=30) or ssh(cluster, ip, command)


# Exits 0 if dpkg's frontend lock is free (taken and let go at once), 1 (an uncaught error) if a process holds it.
TRY_DPKG_LOCK = "sudo python3 -c \"import fcntl; fcntl.lockf(open('/var/lib/dpkg/lock-frontend', 'w'), fcntl.LOCK_EX | fcntl.LOCK_NB)\""


def counts(emulator: Emulator, reset: bool = False) -> dict[str, Any]:
    """The request counter's document (POST also resets it)."""
    path = "/_localcloud/requests/reset" if reset else "/_localcloud/requests"
    request = urllib.request.Request(emulator.endpoint_url + path, method="POST" if reset else "GET")
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def launch_in_new_vpc(ec2: Any, image_id: str, subnet_cidr: str) -> tuple[str, str]:
    """One instance in a subnet of a new VPC (the /16 around the subnet); return (instance id, subnet id)."""
    vpc_cidr = ipaddress.ip_network(subnet_cidr).supernet(new_prefix=16)
    vpc_id = ec2.create_vpc(CidrBlock=str(vpc_cidr))["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock=subnet_cidr)["Subnet"]["SubnetId"]
    instance = ec2.run_instances(ImageId=image_id, InstanceType=INSTANCE_TYPE, MinCount=1, MaxCount=1, SubnetId=subnet_id)
    return instance["Instances"][0]["InstanceId"], subnet_id


def port_answers(port: int) -> bool:
    """Whether anything accepts connections on the port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def any_image_id(ec2: Any) -> str:
    """Canonical's newest Ubuntu 22.04 image, as the playbooks look it up (every instance runs the same container)."""
    images = ec2.describe_images(Owners=[CANONICAL], Filters=[{"Name": "name", "Values": [JAMMY_AMD64]}])["Images"]
    return max(images, key=lambda image: image["CreationDate"])["ImageId"]


@pytest.fixture(scope="module")
def image_id(emulator: Emulator) -> str:
    """The image every instance of the module is launched from."""
    return any_image_id(emulator.client("ec2"))


@pytest.fixture(scope="module")
def cluster(emulator: Emulator, image_id: str, tmp_path_factory: pytest.TempPathFactory) -> Cluster:
    """VPC 10.0.0.0/16, subnet 10.0.1.0/24, an imported ed25519 key and three p2.xlarge instances."""
    ec2 = emulator.client("ec2")
    keys = tmp_path_factory.mktemp("keys")
    key = keys / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "localcloud-test", "-f", str(key)], check=True)
    ec2.import_key_pair(KeyName="localcloud-test", PublicKeyMaterial=key.with_suffix(".pub").read_bytes())
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": True})
    reservation = ec2.run_instances(ImageId=image_id, InstanceType=INSTANCE_TYPE, MinCount=3, MaxCount=3,
                                    SubnetId=subnet_id, KeyName="localcloud-test")
    instances = {i["InstanceId"]: i for i in reservation["Instances"]}
    return Cluster(emulator, subnet_id, key, keys / "known_hosts", instances)


def test_up_is_idempotent(emulator: Emulator) -> None:
    """A second `up` changes nothing and says so (Molecule's create step relies on the wording)."""
    result = emulator.localcloud("up")
    assert result.returncode == 0, result.stderr
    assert "already up" in result.stdout


def test_request_counter_counts_per_service_and_action_and_resets(emulator: Emulator, cluster: Cluster) -> None:
    """Query APIs count by Action, JSON APIs by X-Amz-Target; the reconciler's polling (of the cluster's region) is kept apart."""
    counts(emulator, reset=True)
    ec2 = emulator.client("ec2")
    ec2.describe_vpcs()
    ec2.describe_vpcs()
    ec2.describe_regions()
    emulator.client("sts").get_caller_identity()
    emulator.client("dynamodb").list_tables()
    # One reconciler pass makes these three calls in turn; wait for all of them, not just the first.
    polled = {"DescribeInstances", "DescribeKeyPairs", "DescribeSubnets"}
    document = wait_for(lambda: (d := counts(emulator))["reconciler"].get("ec2", {}).keys() >= polled and d, timeout=10)
    assert document["clients"] == {
        "ec2": {"DescribeVpcs": 2, "DescribeRegions": 1},
        "sts": {"GetCallerIdentity": 1},
        "dynamodb": {"ListTables": 1},
    }
    assert document["total"] == 5
    assert polled <= set(document["reconciler"]["ec2"])

    before_reset = counts(emulator, reset=True)
    assert before_reset["clients"] == document["clients"]
    after_reset = counts(emulator)
    assert after_reset["clients"] == {}
    assert after_reset["total"] == 0


def test_each_instance_becomes_a_container_at_its_private_ip(cluster: Cluster) -> None:
    """Exactly the three instances, each at the PrivateIpAddress moto reports, within 30 s."""
    ips = sorted(i["PrivateIpAddress"] for i in cluster.instances.values())
    running = wait_for(lambda: sorted(container_ip(c) for c in cluster.emulator.containers() if c.status == "running") == ips)
    assert running, f"containers {[(c.name, c.status) for c in cluster.emulator.containers()]} do not match instances at {ips}"
    assert len(set(ips)) == 3
    assert set(containers_by_instance(cluster.emulator)) == set(cluster.instances)


def test_ssh_with_the_key_pair_prints_the_aws_hostname(cluster: Cluster) -> None:
    """The imported key logs in as ubuntu on every instance, whose hostname is the short private DNS name."""
    for instance in cluster.instances.values():
        result = ssh_when_up(cluster, instance["PrivateIpAddress"])
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == instance["PrivateDnsName"].split(".")[0]
        assert result.stdout.strip() == "ip-" + instance["PrivateIpAddress"].replace(".", "-")


def test_every_instance_has_fuse_for_its_users_without_being_privileged(cluster: Cluster) -> None:
    """As on EC2: /dev/fuse that any user may open (sshfs mounts through the setuid fusermount3); mount(2)'s one capability, not --privileged."""
    for instance_id, container in containers_by_instance(cluster.emulator).items():
        host_config = container.attrs["HostConfig"]
        assert host_config["Privileged"] is False
        assert [cap.removeprefix("CAP_") for cap in host_config["CapAdd"]] == ["SYS_ADMIN"], host_config["CapAdd"]
        assert [device["PathInContainer"] for device in host_config["Devices"]] == ["/dev/fuse"], host_config["Devices"]
        result = ssh_when_up(cluster, cluster.instances[instance_id]["PrivateIpAddress"], "stat -c %a:%F /dev/fuse")
        assert result.stdout.strip() == "666:character special file", result


def test_every_instance_boots_systemd_which_runs_the_cloud_init_stand_in_and_sshd(cluster: Cluster) -> None:
    """As on EC2: systemd is PID 1 and reaches its running state; sshd and the cloud-init stand-in are its units."""
    for instance in cluster.instances.values():
        result = ssh_when_up(cluster, instance["PrivateIpAddress"],
                             "ps -o comm= -p 1; systemctl is-system-running --wait; systemctl is-active localcloud-init ssh")
        assert result.stdout.split() == ["systemd", "running", "active", "active"], result


def test_the_controller_reaches_each_instance_at_its_public_ip_which_the_instance_does_not_hold(cluster: Cluster) -> None:
    """As on EC2: a public IP (here from the reserved range) leads to the instance, whose only address is its private one."""
    for instance in cluster.instances.values():
        public_ip = instance["PublicIpAddress"]
        assert ipaddress.ip_address(public_ip) in RESERVED_RANGE, public_ip
        result = ssh_when_up(cluster, public_ip, command="hostname; hostname -I")
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == [instance["PrivateDnsName"].split(".")[0], instance["PrivateIpAddress"]]


def test_a_first_boot_has_no_package_lists_and_dpkg_busy_for_a_while(cluster: Cluster, image_id: str) -> None:
    """Like a fresh Ubuntu AMI: apt knows no package until an update, and a boot-time job holds dpkg's lock, then lets go."""
    ec2 = cluster.emulator.client("ec2")
    instance = ec2.run_instances(ImageId=image_id, InstanceType=INSTANCE_TYPE, MinCount=1, MaxCount=1, SubnetId=cluster.subnet_id,
                                 KeyName="localcloud-test")["Instances"][0]
    try:
        ip = instance["PublicIpAddress"]
        assert ssh_when_up(cluster, ip).returncode == 0
        held = ssh(cluster, ip, TRY_DPKG_LOCK)
        assert held.returncode == 1 and "Resource temporarily unavailable" in held.stderr, held
        no_lists = ssh(cluster, ip, "apt-cache show openmpi-bin")
        assert no_lists.returncode != 0 and "No packages found" in no_lists.stderr, no_lists
        assert wait_for(lambda: ssh(cluster, ip, TRY_DPKG_LOCK).returncode == 0, timeout=DPKG_LOCK_SECONDS + 30)
    finally:
        ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
        wait_for(lambda: instance["InstanceId"] not in containers_by_instance(cluster.emulator))


def test_stop_and_start_keep_the_container_and_its_private_ip_and_give_a_new_public_one(cluster: Cluster) -> None:
    """StopInstances stops the container; StartInstances starts the same one, same private IP, a new public one, dpkg free."""
    ec2 = cluster.emulator.client("ec2")
    instance_id, instance = next(iter(cluster.instances.items()))
    container_id = containers_by_instance(cluster.emulator)[instance_id].id

    ec2.stop_instances(InstanceIds=[instance_id])
    stopped = wait_for(lambda: containers_by_instance(cluster.emulator)[instance_id].status == "exited")
    assert stopped, f"container of stopped {instance_id} is {containers_by_instance(cluster.emulator)[instance_id].status}"
    assert "PublicIpAddress" not in ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]

    ec2.start_instances(InstanceIds=[instance_id])
    assert wait_for(lambda: containers_by_instance(cluster.emulator)[instance_id].status == "running")
    container = containers_by_instance(cluster.emulator)[instance_id]
    assert container.id == container_id
    assert container_ip(container) == instance["PrivateIpAddress"]
    public_ip = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]["PublicIpAddress"]
    assert public_ip != instance["PublicIpAddress"] and ipaddress.ip_address(public_ip) in RESERVED_RANGE
    result = ssh_when_up(cluster, public_ip)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == instance["PrivateDnsName"].split(".")[0]
    # Not a first boot: the package job does not run again.
    assert ssh(cluster, public_ip, TRY_DPKG_LOCK).returncode == 0


def test_terminate_removes_the_containers_and_the_subnet_network(cluster: Cluster) -> None:
    """TerminateInstances removes each container; the subnet's network goes with the last one (the public one stays)."""
    ec2 = cluster.emulator.client("ec2")
    first, *others = cluster.instances
    ec2.terminate_instances(InstanceIds=[first])
    assert wait_for(lambda: first not in containers_by_instance(cluster.emulator))
    assert set(containers_by_instance(cluster.emulator)) == set(others)

    ec2.terminate_instances(InstanceIds=others)
    public_network = f"localcloud-{cluster.emulator.name}-public"
    assert wait_for(lambda: not cluster.emulator.containers() and [n.name for n in cluster.emulator.networks()] == [public_network])


def test_canonical_ubuntu_images_are_served_under_canonicals_owner_id(emulator: Emulator) -> None:
    """The playbooks' lookup (owner and name) finds Canonical's images; a look-alike of another owner is not among them."""
    ec2 = emulator.client("ec2")
    canonical = ec2.describe_images(Owners=[CANONICAL], Filters=[{"Name": "name", "Values": [JAMMY_AMD64]}])["Images"]
    assert sorted(image["Name"] for image in canonical) == [
        "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20240301",
        "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20250516",
    ]
    assert {(image["Architecture"], image["VirtualizationType"], image["RootDeviceType"]) for image in canonical} == {("x86_64", "hvm", "ebs")}
    noble = ec2.describe_images(Owners=[CANONICAL], Filters=[{"Name": "name", "Values": ["ubuntu/images/*ubuntu-noble-24.04-*"]}])["Images"]
    assert sorted(image["Architecture"] for image in noble) == ["arm64", "x86_64"]
    look_alikes = ec2.describe_images(Filters=[{"Name": "name", "Values": [JAMMY_AMD64]}])["Images"]
    assert {image["OwnerId"] for image in look_alikes} == {CANONICAL, "111122223333"}


def test_deep_learning_gpu_images_are_amazons_and_a_look_alike_of_another_account_is_not(emulator: Emulator) -> None:
    """Only Amazon's own images carry the owner alias amazon (moto would give it to every image of the catalog)."""
    ec2 = emulator.client("ec2")
    amazons = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": [DLAMI_22_04]}])["Images"]
    assert sorted((image["Name"], image["OwnerId"], image.get("ImageOwnerAlias")) for image in amazons) == [
        ("Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) 20250523", "898082745236", "amazon"),
        ("Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) 20250815", "898082745236", "amazon"),
    ]
    assert ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": [JAMMY_AMD64]}])["Images"] == []
    look_alikes = ec2.describe_images(Filters=[{"Name": "name", "Values": [DLAMI_22_04]}])["Images"]
    assert {image["OwnerId"] for image in look_alikes} == {"898082745236", "111122223333"}


def test_a_gpu_type_from_a_driver_image_shows_its_gpus_through_the_nvidia_smi_stand_in(cluster: Cluster) -> None:
    """g4dn.xlarge has one T4: from the Deep Learning image its node lists it; from plain Ubuntu it has no nvidia-smi at all.
    localcloud-gpus (the hardware switch) makes the node list fewer, and gives them back."""
    emulator = cluster.emulator
    ec2 = emulator.client("ec2")
    dlami = max(ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": [DLAMI_22_04]}])["Images"],
                key=lambda image: image["CreationDate"])["ImageId"]
    launched = {image: ec2.run_instances(ImageId=image, InstanceType="g4dn.xlarge", MinCount=1, MaxCount=1,
                                         SubnetId=cluster.subnet_id)["Instances"][0]["InstanceId"]
                for image in (dlami, any_image_id(ec2))}
    try:
        assert wait_for(lambda: set(launched.values()) <= set(containers_by_instance(emulator)))
        gpu_node, plain_node = (containers_by_instance(emulator)[launched[image]] for image in (dlami, any_image_id(ec2)))

        def run(container: Any, command: str) -> tuple[int, str]:
            result = container.exec_run(["sh", "-c", command])
            return result.exit_code, result.output.decode()

        # localcloud-init links the stand-in as the container starts.
        code, listed = wait_for(lambda: (r := run(gpu_node, "nvidia-smi -L"))[0] == 0 and r) or run(gpu_node, "nvidia-smi -L")
        assert code == 0 and re.fullmatch(r"GPU 0: NVIDIA T4 \(UUID: GPU-[0-9a-f-]{36}\)\n", listed), listed
        assert run(plain_node, "command -v nvidia-smi") == (127, "")

        assert run(gpu_node, "localcloud-gpus 0 && nvidia-smi --query-gpu=index,name --format=csv,noheader") == (6, "No devices were found\n")
        assert run(gpu_node, "localcloud-gpus && nvidia-smi --query-gpu=index,name --format=csv,noheader") == (0, "0, NVIDIA T4\n")
    finally:
        ec2.terminate_instances(InstanceIds=list(launched.values()))
        wait_for(lambda: not set(launched.values()) & set(containers_by_instance(emulator)))


def test_ec2_vcpu_quotas_are_served_with_the_configured_values(emulator: Emulator) -> None:
    """GetServiceQuota answers EC2's Running On-Demand quotas by code: the session's G and VT quota of 8, the others 1024."""
    quotas = emulator.client("service-quotas")
    g_and_vt = quotas.get_service_quota(ServiceCode="ec2", QuotaCode="L-DB2E81BA")["Quota"]
    assert (g_and_vt["QuotaName"], g_and_vt["Value"]) == ("Running On-Demand G and VT instances", 8.0)
    standard = quotas.get_service_quota(ServiceCode="ec2", QuotaCode="L-1216C47A")["Quota"]
    assert (standard["QuotaName"], standard["Value"]) == ("Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", 1024.0)
    with pytest.raises(ClientError) as unknown:
        quotas.get_service_quota(ServiceCode="ec2", QuotaCode="L-00000000")
    assert unknown.value.response["Error"]["Code"] == "NoSuchResourceException"


def test_placement_groups_are_created_listed_and_deleted_as_on_aws(emulator: Emulator, image_id: str) -> None:
    """moto has none; the emulator answers them, with AWS's errors, and refuses a launch into a group that does not exist."""
    ec2 = emulator.client("ec2")
    tags = [{"ResourceType": "placement-group", "Tags": [{"Key": "ec2mpi:cluster", "Value": "pg-test"}]}]
    created = ec2.create_placement_group(GroupName="pg-test", Strategy="cluster", TagSpecifications=tags)["PlacementGroup"]
    try:
        assert (created["GroupName"], created["Strategy"], created["State"]) == ("pg-test", "cluster", "available")
        listed = ec2.describe_placement_groups(Filters=[{"Name": "tag:ec2mpi:cluster", "Values": ["pg-test"]}])["PlacementGroups"]
        assert [group["GroupId"] for group in listed] == [created["GroupId"]]
        with pytest.raises(ClientError, match="InvalidPlacementGroup.Duplicate"):
            ec2.create_placement_group(GroupName="pg-test", Strategy="cluster")
        with pytest.raises(ClientError, match="InvalidPlacementGroup.Unknown"):
            ec2.run_instances(ImageId=image_id, InstanceType=INSTANCE_TYPE, MinCount=1, MaxCount=1, Placement={"GroupName": "no-such-group"})
    finally:
        ec2.delete_placement_group(GroupName="pg-test")
    assert ec2.describe_placement_groups(Filters=[{"Name": "group-name", "Values": ["pg-test"]}])["PlacementGroups"] == []
    with pytest.raises(ClientError, match="InvalidPlacementGroup.Unknown"):
        ec2.delete_placement_group(GroupName="pg-test")


def test_instances_of_any_region_become_containers(emulator: Emulator) -> None:
    """The reconciler follows every region a client launches in, with no setting to name them."""
    ec2 = emulator.client("ec2", region="eu-west-1")
    instance_id, _subnet = launch_in_new_vpc(ec2, any_image_id(ec2), "10.6.1.0/24")
    try:
        assert wait_for(lambda: instance_id in containers_by_instance(emulator))
        assert containers_by_instance(emulator)[instance_id].labels["ec2mpi.localcloud.region"] == "eu-west-1"
    finally:
        ec2.terminate_instances(InstanceIds=[instance_id])
        wait_for(lambda: instance_id not in containers_by_instance(emulator))


def test_env_points_every_aws_client_at_the_emulator(emulator: Emulator) -> None:
    """`eval "$(localcloud env)"` is all a shell needs: botocore then talks to the emulator, never to AWS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_PROFILE="someone-else", AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    script = (f'eval "$(LOCALCLOUD_STATE_DIR={emulator.state_dir} {LOCALCLOUD} env)"; '
              "python3 -c 'import boto3; print(boto3.client(\"ec2\", region_name=\"us-west-2\").meta.endpoint_url, "
              "boto3.client(\"sts\", region_name=\"us-west-2\").get_caller_identity()[\"Account\"])'")
    result = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [emulator.endpoint_url, "123456789012"]


def test_overlapping_subnets_fail_loudly_instead_of_sharing_a_network(emulator: Emulator, image_id: str) -> None:
    """Two VPCs with the same subnet CIDR: one instance gets a container, the other's subnet is named in the log."""
    ec2 = emulator.client("ec2")
    launched = dict([launch_in_new_vpc(ec2, image_id, "10.7.1.0/24"), launch_in_new_vpc(ec2, image_id, "10.7.1.0/24")])
    try:
        placed = wait_for(lambda: set(containers_by_instance(emulator)) & set(launched))
        assert len(placed) == 1
        loser_subnet = launched[next(iter(set(launched) - placed))]
        assert wait_for(lambda: loser_subnet in emulator.reconciler_log.read_text(encoding="utf-8"), timeout=10)
        assert set(containers_by_instance(emulator)) & set(launched) == placed
    finally:
        ec2.terminate_instances(InstanceIds=list(launched))
        wait_for(lambda: not emulator.containers() and not emulator.networks())


def test_instance_without_subnet_is_logged_not_misplaced(emulator: Emulator, image_id: str) -> None:
    """moto gives such instances an IP outside their default subnet: no container, a log line naming the instance."""
    ec2 = emulator.client("ec2")
    instance = ec2.run_instances(ImageId=image_id, InstanceType=INSTANCE_TYPE, MinCount=1, MaxCount=1)["Instances"][0]
    try:
        assert wait_for(lambda: instance["InstanceId"] in emulator.reconciler_log.read_text(encoding="utf-8"), timeout=10)
        assert instance["InstanceId"] not in containers_by_instance(emulator)
    finally:
        ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])


def test_down_removes_every_container_and_network_and_closes_the_port(throwaway_emulator: Emulator) -> None:
    """After `down` nothing labelled with the emulator's name is left, running or stopped, no NAT rule of its own, even a jump
    to its chain for another block than its state records (an earlier `up`'s), and the port is closed."""
    emulator = throwaway_emulator
    ec2 = emulator.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    reservation = ec2.run_instances(ImageId=any_image_id(ec2), InstanceType=INSTANCE_TYPE, MinCount=2, MaxCount=2, SubnetId=subnet_id)
    ids = [i["InstanceId"] for i in reservation["Instances"]]
    assert wait_for(lambda: len([c for c in emulator.containers() if c.status == "running"]) == 2)
    ec2.stop_instances(InstanceIds=ids[:1])
    assert wait_for(lambda: sorted(c.status for c in emulator.containers()) == ["exited", "running"])
    assert emulator.networks()
    # A block of the reserved test range no emulator uses: connections there go nowhere either way.
    subprocess.run(["iptables", "-w", "-t", "nat", "-I", "OUTPUT", "-d", "198.19.255.0/24", "-j", chain_name(emulator.name)], check=True)

    result = emulator.localcloud("down")
    assert result.returncode == 0, result.stderr
    assert emulator.containers() == []
    assert emulator.networks() == []
    nat_rules = subprocess.run(["iptables", "-w", "-t", "nat", "-S"], capture_output=True, text=True, check=True).stdout
    assert chain_name(emulator.name) not in nat_rules
    assert not port_answers(emulator.port)
    again = emulator.localcloud("down")
    assert again.returncode == 0, again.stderr
    assert "already down" in again.stdout
