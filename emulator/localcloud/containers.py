"""The Docker side: one network per subnet, one public network, and one container per instance, all labelled
with the emulator's name.

Every lookup filters on the label, so nothing created by someone else is ever changed or removed.
"""

import time
from typing import Any

import docker
import docker.errors
import requests.exceptions
from docker.models.containers import Container
from docker.models.networks import Network
from docker.types import IPAMConfig, IPAMPool

from .config import LocalcloudError
from .instances import Instance

LABEL = "ec2mpi.localcloud"
INSTANCE_LABEL = "ec2mpi.localcloud.instance-id"
REGION_LABEL = "ec2mpi.localcloud.region"
SUBNET_LABEL = "ec2mpi.localcloud.subnet-id"
VPC_LABEL = "ec2mpi.localcloud.vpc-id"
PUBLIC_LABEL = "ec2mpi.localcloud.public"
STOP_TIMEOUT = 5
# How long `down` waits for a removal the reconciler started just before it was stopped.
REMOVAL_TIMEOUT = 30
# An EC2 instance has FUSE (the shared directory mounts it with sshfs, as a user, through the setuid fusermount3):
# a container gets the FUSE device and the one capability mount(2) needs, never --privileged. Docker's default
# seccomp profile lets mount(2) through once SYS_ADMIN is added.
FUSE_CAPABILITIES = ["SYS_ADMIN"]
FUSE_DEVICES = ["/dev/fuse:/dev/fuse:rwm"]
# systemd is every instance's PID 1, as on EC2. Without --privileged it needs tmpfs on /run and /run/lock, the
# cgroup tree (systemd_cgroup_options), and its halt signal to stop: it ignores SIGTERM.
SYSTEMD_TMPFS = {"/run": "", "/run/lock": ""}
SYSTEMD_STOP_SIGNAL = "SIGRTMIN+3"
CGROUP_DIR = "/sys/fs/cgroup"
# docker-py raises the former for API answers and lets the latter through when the engine itself is gone.
DOCKER_ERRORS = (docker.errors.DockerException, requests.exceptions.RequestException)


class PlacementError(Exception):
    """An instance cannot get its container; the message names the instance or subnet and the fix."""


def docker_client() -> docker.DockerClient:
    """A client of the local engine, or one clear line if none answers."""
    try:
        client = docker.from_env(timeout=60)
        client.ping()
    except DOCKER_ERRORS as error:
        raise LocalcloudError(f"no Docker engine answers ({error}): start dockerd or point DOCKER_HOST at one") from error
    return client


def container_name(name: str, instance_id: str) -> str:
    """Docker name of an instance's container."""
    return f"localcloud-{name}-{instance_id}"


def network_name(name: str, subnet_id: str) -> str:
    """Docker name of a subnet's network."""
    return f"localcloud-{name}-{subnet_id}"


def managed_containers(client: docker.DockerClient, name: str) -> list[Container]:
    """Every container of this emulator, in any state.

    The reconciler removes containers while others list them; one removed between Docker's list and inspect is gone, not an error."""
    return client.containers.list(all=True, filters={"label": f"{LABEL}={name}"}, ignore_removed=True)


def managed_networks(client: docker.DockerClient, name: str) -> list[Network]:
    """Every network of this emulator."""
    return client.networks.list(filters={"label": f"{LABEL}={name}"})


def public_network_name(name: str) -> str:
    """Docker name of the network that carries the instances' public IPs."""
    return f"localcloud-{name}-public"


def network_cidrs(client: docker.DockerClient) -> list[str]:
    """The subnets of every Docker network on this machine, whoever made it."""
    return [config["Subnet"] for network in client.networks.list()
            for config in (network.attrs.get("IPAM") or {}).get("Config") or [] if "Subnet" in config]


def ensure_public_network(client: docker.DockerClient, name: str, block: str) -> str:
    """The emulator's public network, created with the block unless it exists; return the block it has.

    It lives as long as the emulator (`down` removes it), so no other emulator can pick its block meanwhile."""
    for network in managed_networks(client, name):
        if network.attrs.get("Labels", {}).get(PUBLIC_LABEL):
            return network.attrs["IPAM"]["Config"][0]["Subnet"]
    try:
        client.networks.create(public_network_name(name), driver="bridge", labels={LABEL: name, PUBLIC_LABEL: "true"},
                               ipam=IPAMConfig(pool_configs=[IPAMPool(subnet=block)]))
    except docker.errors.APIError as error:
        raise LocalcloudError(f"the public network {block} cannot be created ({error.explanation}): "
                              "set LOCALCLOUD_PUBLIC_CIDR to a block of 198.18.0.0/15 no Docker network uses") from error
    return block


def ensure_network(client: docker.DockerClient, name: str, instance: Instance) -> str:
    """Create the subnet's network with the subnet's CIDR unless it exists; return its name."""
    wanted = network_name(name, instance.subnet_id)
    if any(network.name == wanted for network in managed_networks(client, name)):
        return wanted
    labels = {LABEL: name, SUBNET_LABEL: instance.subnet_id, VPC_LABEL: instance.vpc_id}
    try:
        client.networks.create(wanted, driver="bridge", labels=labels, ipam=IPAMConfig(pool_configs=[IPAMPool(subnet=instance.cidr)]))
    except docker.errors.APIError as error:
        raise PlacementError(
            f"subnet {instance.subnet_id} ({instance.cidr}, {instance.vpc_id}) gets no Docker network, so instance {instance.instance_id} "
            f"has no container: {error.explanation}. Docker networks cannot overlap: give this subnet a CIDR no other running "
            "VPC subnet or Docker network uses") from error
    return wanted


def systemd_cgroup_options(client: docker.DockerClient) -> dict[str, Any]:
    """The cgroup tree systemd needs, by the engine's cgroup version.

    cgroup v1 (this project's machines, tested): the tree read-only; systemd reads it and runs in the container's
    own cgroup. cgroup v2: the host's tree read-write in the host's cgroup namespace, the recipe systemd-in-Docker
    images give for v2; not tested here, where every machine has v1."""
    if client.info().get("CgroupVersion") == "2":
        return {"cgroupns": "host", "volumes": {CGROUP_DIR: {"bind": CGROUP_DIR, "mode": "rw"}}}
    return {"volumes": {CGROUP_DIR: {"bind": CGROUP_DIR, "mode": "ro"}}}


def create_container(client: docker.DockerClient, name: str, instance: Instance, image: str, dpkg_lock_seconds: int,
                     gpus: tuple[str, ...] = ()) -> Container:
    """Create (not start) the instance's container: its subnet's network, its private IP, its EC2 hostname, FUSE, systemd."""
    network = ensure_network(client, name, instance)
    labels = {LABEL: name, INSTANCE_LABEL: instance.instance_id, REGION_LABEL: instance.region, SUBNET_LABEL: instance.subnet_id}
    # What cloud-init reads from the instance metadata on EC2, and how the first boot behaves; localcloud-init consumes it.
    environment = {"LOCALCLOUD_INSTANCE_ID": instance.instance_id, "LOCALCLOUD_LOGIN_USER": instance.login_user,
                   "LOCALCLOUD_AUTHORIZED_KEY": instance.public_key, "LOCALCLOUD_DPKG_LOCK_SECONDS": str(dpkg_lock_seconds), "LOCALCLOUD_GPUS": ",".join(gpus)}
    try:
        return client.containers.create(
            image, name=container_name(name, instance.instance_id), hostname=instance.hostname, labels=labels,
            environment=environment, network=network, cap_add=FUSE_CAPABILITIES, devices=FUSE_DEVICES,
            tmpfs=SYSTEMD_TMPFS, stop_signal=SYSTEMD_STOP_SIGNAL, **systemd_cgroup_options(client),
            networking_config={network: client.api.create_endpoint_config(ipv4_address=instance.private_ip)})
    except docker.errors.APIError as error:
        raise PlacementError(f"instance {instance.instance_id} ({instance.private_ip}) gets no container: {error.explanation}") from error


def stop_container(container: Container) -> None:
    """Stop like an instance stop: systemd shuts its services down (sshd gets SIGTERM) within a few seconds, or is killed."""
    container.stop(timeout=STOP_TIMEOUT)


def container_facts(container: Container) -> dict[str, Any]:
    """Instance id, Docker state, static IP and hostname of a managed container, for status output."""
    networks = container.attrs.get("NetworkSettings", {}).get("Networks", {}) or {}
    ips = [(n.get("IPAMConfig") or {}).get("IPv4Address", "") or n.get("IPAddress", "") for n in networks.values()]
    return {
        "instance_id": container.labels.get(INSTANCE_LABEL, "?"),
        "region": container.labels.get(REGION_LABEL, "?"),
        "state": container.status,
        "ip": next((ip for ip in ips if ip), "-"),
        "hostname": container.attrs.get("Config", {}).get("Hostname", "-"),
    }


def unused_networks(client: docker.DockerClient, name: str) -> list[Network]:
    """This emulator's subnet networks that none of its containers uses any more (a stopped container still does)."""
    used = {container.labels.get(SUBNET_LABEL) for container in managed_containers(client, name)}
    subnets = [network for network in managed_networks(client, name) if network.attrs.get("Labels", {}).get(SUBNET_LABEL)]
    return [network for network in subnets if network.attrs["Labels"][SUBNET_LABEL] not in used]


def remove_everything(client: docker.DockerClient, name: str) -> tuple[list[str], list[str]]:
    """Remove every container, then every network, labelled with this emulator's name."""
    containers = []
    for container in managed_containers(client, name):
        remove_container(client, container)
        containers.append(container.name)
    networks = []
    for network in managed_networks(client, name):
        network.remove()
        networks.append(network.name)
    return containers, networks


def remove_container(client: docker.DockerClient, container: Container) -> None:
    """Force-remove a container; one already being removed (Docker answers 409) is waited for instead.

    The reconciler may have asked for that removal just before `down` stopped it: the container's
    network cannot go until Docker has finished."""
    try:
        container.remove(force=True)
        return
    except docker.errors.NotFound:
        return
    except docker.errors.APIError as error:
        if error.status_code != 409:
            raise
    deadline = time.monotonic() + REMOVAL_TIMEOUT
    while time.monotonic() < deadline:
        try:
            client.containers.get(container.id)
        except docker.errors.NotFound:
            return
        time.sleep(0.5)
    raise LocalcloudError(f"container {container.name} is still being removed after {REMOVAL_TIMEOUT} s: run `localcloud down` again")
