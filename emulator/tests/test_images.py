"""Acceptance tests of CreateImage and DeregisterImage on the emulator: an image is the instance's container, committed.

Instances here live in subnets of 10.171.0.0/16, which no other test of the suite uses (Docker networks cannot overlap,
even between emulators), and are terminated before their test ends.
"""

import json
import subprocess
import urllib.error
import urllib.request
from typing import Any

import docker
import docker.errors
import pytest
from localcloud.committed_images import IMAGE_LABEL, IMAGE_STATE_PATH, report_image_state
from localcloud.containers import container_name
from localcloud.session import Emulator
from localcloud_harness import wait_for

CANONICAL = "099720109477"
INSTANCE_TYPE = "t3.micro"
SUBNET_CIDR = "10.171.0.0/24"
BAKED_FILE = "/etc/baked-by-test"
HOST_KEY = "/etc/ssh/ssh_host_ed25519_key.pub"


@pytest.fixture(scope="module")
def subnet_id(emulator: Emulator) -> str:
    """A subnet of its own VPC, for every instance of this module."""
    ec2 = emulator.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.171.0.0/16")["Vpc"]["VpcId"]
    return ec2.create_subnet(VpcId=vpc_id, CidrBlock=SUBNET_CIDR)["Subnet"]["SubnetId"]


def launch(emulator: Emulator, image_id: str, subnet: str | None) -> str:
    """One instance of the image (in the subnet, if given); its id."""
    placement = {"SubnetId": subnet} if subnet else {}
    return emulator.client("ec2").run_instances(ImageId=image_id, InstanceType=INSTANCE_TYPE, MinCount=1, MaxCount=1,
                                                **placement)["Instances"][0]["InstanceId"]


def ubuntu(emulator: Emulator) -> str:
    """One of Canonical's images (a catalog image: its instances run the base image)."""
    return emulator.client("ec2").describe_images(Owners=[CANONICAL])["Images"][0]["ImageId"]


def terminate(emulator: Emulator, *instance_ids: str) -> None:
    """Terminate the instances and wait until their containers are gone."""
    emulator.client("ec2").terminate_instances(InstanceIds=list(instance_ids))
    assert wait_for(lambda: not any(container(emulator, instance_id) for instance_id in instance_ids))


def container(emulator: Emulator, instance_id: str) -> Any:
    """The instance's container, or None."""
    try:
        return docker.from_env().containers.get(container_name(emulator.name, instance_id))
    except docker.errors.NotFound:
        return None


def read(emulator: Emulator, instance_id: str, path: str) -> str:
    """A file of the instance's running container, waiting until it is there ('' if it never is)."""
    def probe() -> str:
        found = container(emulator, instance_id)
        if found is None or found.status != "running":
            return ""
        result = found.exec_run(["cat", path])
        return result.output.decode() if result.exit_code == 0 else ""
    return wait_for(probe)


def served_host_key(emulator: Emulator, instance_id: str) -> str:
    """The ed25519 host key sshd serves at the instance's private IP, as a client's known_hosts would record it ('' until it answers)."""
    instance = emulator.client("ec2").describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]

    def probe() -> str:
        scan = subprocess.run(["ssh-keyscan", "-T", "3", "-t", "ed25519", instance["PrivateIpAddress"]],
                              capture_output=True, text=True, timeout=30, check=False)
        return scan.stdout.split(" ", 1)[1] if scan.stdout.strip() else ""
    return wait_for(probe)


def committed(emulator: Emulator) -> dict[str, Any]:
    """This emulator's committed images, by AMI id."""
    images = docker.from_env().images.list(filters={"label": [f"ec2mpi.localcloud={emulator.name}", IMAGE_LABEL]})
    return {image.labels[IMAGE_LABEL]: image for image in images}


def create_image(emulator: Emulator, instance_id: str, name: str) -> str:
    """CreateImage as amazon.aws's ec2_ami makes it (the image and its snapshot tagged), waited until available."""
    ec2 = emulator.client("ec2")
    tags = [{"Key": "ec2mpi:image", "Value": name}]
    image_id = ec2.create_image(InstanceId=instance_id, Name=name, TagSpecifications=[
        {"ResourceType": "image", "Tags": tags}, {"ResourceType": "snapshot", "Tags": tags}])["ImageId"]
    ec2.get_waiter("image_available").wait(ImageIds=[image_id], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return image_id


def test_an_image_carries_the_instance_files_to_new_instances_and_goes_with_its_deregistration(emulator: Emulator, subnet_id: str) -> None:
    """CreateImage commits the container, the snapshot carries its tags; an instance of the image runs the commit; a
    deregistered image's Docker image stays while an instance runs it (as instances outlive AMIs) and goes after."""
    ec2 = emulator.client("ec2")
    source = launch(emulator, ubuntu(emulator), subnet_id)
    try:
        assert read(emulator, source, HOST_KEY), f"instance {source} has not booted: no host key {HOST_KEY}"
        assert container(emulator, source).exec_run(["sh", "-c", f"echo baked > {BAKED_FILE}"]).exit_code == 0
        image_id = create_image(emulator, source, "localcloud-test-baked")
        # available only once committed: the Docker image is there the moment the waiter returns.
        assert image_id in committed(emulator)
        snapshot_id = ec2.describe_images(ImageIds=[image_id])["Images"][0]["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
        snapshot = ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]
        assert snapshot["Tags"] == [{"Key": "ec2mpi:image", "Value": "localcloud-test-baked"}]

        baked = launch(emulator, image_id, subnet_id)
        try:
            assert read(emulator, baked, BAKED_FILE) == "baked\n"
            assert container(emulator, baked).attrs["Image"] == committed(emulator)[image_id].id
            ec2.deregister_image(ImageId=image_id)
            assert image_id not in [image["ImageId"] for image in ec2.describe_images(Owners=["self"])["Images"]]
            assert image_id in committed(emulator), "the image of a running instance must stay"
        finally:
            terminate(emulator, baked)
        assert wait_for(lambda: image_id not in committed(emulator), timeout=10)
    finally:
        terminate(emulator, source)


def test_an_instance_of_an_image_gets_host_keys_of_its_own(emulator: Emulator, subnet_id: str) -> None:
    """As cloud-init's per-instance work does on AWS: the source's host keys are in the image, but the new instance's
    sshd serves keys of its own."""
    ec2 = emulator.client("ec2")
    source = launch(emulator, ubuntu(emulator), subnet_id)
    try:
        source_key = served_host_key(emulator, source)
        assert source_key, f"instance {source} serves no ed25519 host key"
        image_id = create_image(emulator, source, "localcloud-test-host-keys")
        baked = launch(emulator, image_id, subnet_id)
        try:
            baked_key = served_host_key(emulator, baked)
            assert baked_key and baked_key != source_key
        finally:
            terminate(emulator, baked)
            ec2.deregister_image(ImageId=image_id)
    finally:
        terminate(emulator, source)


def test_an_instance_of_an_image_whose_commit_docker_lost_gets_a_log_line_not_a_container(emulator: Emulator, subnet_id: str) -> None:
    """An emulator restarted on a wiped Docker: the AMI is listed, its commit is not. One line names instance and image."""
    ec2 = emulator.client("ec2")
    source = launch(emulator, ubuntu(emulator), subnet_id)
    try:
        assert read(emulator, source, HOST_KEY)
        image_id = create_image(emulator, source, "localcloud-test-lost")
        docker.from_env().images.remove(committed(emulator)[image_id].id)
        orphan = launch(emulator, image_id, subnet_id)
        try:
            line = f"instance {orphan} was launched from {image_id}"
            assert wait_for(lambda: line in emulator.reconciler_log.read_text(encoding="utf-8"), timeout=10)
            assert container(emulator, orphan) is None
            assert emulator.reconciler_log.read_text(encoding="utf-8").count(line) == 1
        finally:
            ec2.terminate_instances(InstanceIds=[orphan])
            ec2.deregister_image(ImageId=image_id)
    finally:
        terminate(emulator, source)


def test_an_image_of_an_instance_without_a_container_fails_with_the_reason(emulator: Emulator) -> None:
    """Launched without SubnetId, the instance has no container: the image fails, its StateReason says why."""
    ec2 = emulator.client("ec2")
    source = launch(emulator, ubuntu(emulator), None)
    try:
        image_id = ec2.create_image(InstanceId=source, Name="localcloud-test-failed")["ImageId"]
        failed = wait_for(lambda: (image := ec2.describe_images(ImageIds=[image_id])["Images"][0])["State"] == "failed" and image)
        assert failed, ec2.describe_images(ImageIds=[image_id])["Images"][0]
        assert failed["StateReason"]["Code"] == "Server.InternalError"
        assert f"instance {source} has no container to commit" in failed["StateReason"]["Message"]
        ec2.deregister_image(ImageId=image_id)
    finally:
        ec2.terminate_instances(InstanceIds=[source])


def test_down_removes_the_committed_images(throwaway_emulator: Emulator) -> None:
    """`down` leaves no image of the emulator behind, as no container or network."""
    emulator = throwaway_emulator
    ec2 = emulator.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.171.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.171.1.0/24")["Subnet"]["SubnetId"]
    source = launch(emulator, ubuntu(emulator), subnet)
    assert read(emulator, source, HOST_KEY)
    image_id = create_image(emulator, source, "localcloud-test-down")
    assert image_id in committed(emulator)

    result = emulator.localcloud("down")
    assert result.returncode == 0, result.stderr
    assert "1 committed images" in result.stdout
    assert committed(emulator) == {}


def test_the_image_state_endpoint_refuses_what_it_cannot_apply_in_one_line(emulator: Emulator) -> None:
    """Only the reconciler should post there, but a wrong report never changes an image: 400 or 404 with the reason."""
    with pytest.raises(urllib.error.HTTPError) as unknown:
        report_image_state(emulator.endpoint_url, "us-west-2", "ami-00000000000000000", "available")
    assert unknown.value.code == 404
    assert json.load(unknown.value) == {"error": "no image ami-00000000000000000 in region us-west-2"}
    request = urllib.request.Request(emulator.endpoint_url + IMAGE_STATE_PATH, method="POST",
                                     data=json.dumps({"region": "us-west-2", "image_id": "ami-0", "state": "pending"}).encode())
    with pytest.raises(urllib.error.HTTPError) as bad:
        urllib.request.urlopen(request, timeout=5)
    assert bad.value.code == 400
    assert "one of available, failed" in json.load(bad.value)["error"]
