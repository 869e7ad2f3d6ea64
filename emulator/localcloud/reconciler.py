"""The loop that makes Docker match EC2: every interval, read each watched region and fix the containers.

It reads EC2 only through the public API of the emulator's endpoint, like any other client, so what it
shows is what moto really reports, in every region a client has launched instances in (the request
counter notes them). One failing instance, region or Docker call never ends the loop.
"""

import json
import logging
import time
import urllib.request
from pathlib import Path
from typing import Any

import docker
from botocore.exceptions import BotoCoreError, ClientError
from docker.models.containers import Container
from docker.models.networks import Network

from .config import LocalcloudError, Settings
from .containers import (DOCKER_ERRORS, INSTANCE_LABEL, REGION_LABEL, PlacementError, create_container, managed_containers,
                         stop_container, unused_networks)
from .counter import LAUNCH_REGIONS_PATH
from .gpus import GpuCatalog
from .image import image_exists, image_tag
from .instances import Instance, UnplaceableInstance, describe_region, ec2_client, is_alive, to_instance
from .nat import set_mappings
from .public_network import contains

LOG = logging.getLogger(__name__)


class Reconciler:
    """Holds the clients and what was last logged, so a lasting problem is logged once, not every second."""

    def __init__(self, settings: Settings, client: docker.DockerClient) -> None:
        self.settings = settings
        self.docker = client
        self.image = image_tag()
        if not image_exists(client, self.image):
            raise LocalcloudError(f"base image {self.image} is missing: run localcloud build-image (or localcloud up, which builds it)")
        self.ec2: dict[str, Any] = {}
        self.gpu_catalog = GpuCatalog()
        self.problems: dict[str, str] = {}

    def run_forever(self, heartbeat: Path) -> None:
        """Reconcile every interval; the heartbeat file's mtime tells `up` and `status` that passes happen."""
        heartbeat.touch()
        LOG.info("reconciling the regions instances are launched in at %s into Docker every %s s (public IPs from %s)",
                 self.settings.endpoint_url, self.settings.interval, self.settings.public_cidr)
        while True:
            started = time.monotonic()
            self.reconcile_once()
            heartbeat.touch()
            time.sleep(max(0.0, self.settings.interval - (time.monotonic() - started)))

    def reconcile_once(self) -> None:
        """One pass: read every region, then remove, stop and start containers in that order."""
        wanted: dict[str, list[Instance]] = {}
        alive: dict[str, set[str]] = {}
        unread = False
        try:
            self.watch_launch_regions()
        except (OSError, ValueError) as error:
            self.report("launch regions", f"cannot read {LAUNCH_REGIONS_PATH} at {self.settings.endpoint_url}: {error}; retrying")
            return
        self.resolve("launch regions")
        for region, client in self.ec2.items():
            try:
                alive[region], wanted[region] = self.read_region(region, client)
            except (BotoCoreError, ClientError) as error:
                # Leave this region's containers alone: an unreachable moto is not an empty one.
                self.report(f"region {region}", f"cannot read EC2 region {region} at {self.settings.endpoint_url}: {error}; retrying")
                unread = True
                continue
            self.resolve(f"region {region}")
        try:
            self.apply(alive, wanted)
            self.resolve("docker")
        except DOCKER_ERRORS as error:
            self.report("docker", f"Docker engine failed during a pass: {error}; retrying")
        if unread:
            # Keep the mappings of a region that could not be read, as its containers are kept.
            return
        try:
            self.map_public_ips(wanted)
            self.resolve("nat")
        except LocalcloudError as error:
            self.report("nat", f"cannot map public IPs: {error}; retrying")

    def watch_launch_regions(self) -> None:
        """Add a client for every region that has seen a launch since the last pass."""
        with urllib.request.urlopen(self.settings.endpoint_url + LAUNCH_REGIONS_PATH, timeout=5) as response:
            regions = json.load(response)["regions"]
        for region in regions:
            if region not in self.ec2:
                self.ec2[region] = ec2_client(self.settings, region)
                LOG.info("watching region %s: an instance was launched there", region)

    def read_region(self, region: str, client: Any) -> tuple[set[str], list[Instance]]:
        """Ids of instances that keep a container, and the placeable ones among them."""
        raw_instances, keys, subnets = describe_region(client)
        alive = {raw["InstanceId"] for raw in raw_instances if is_alive(raw)}
        instances = []
        for raw in raw_instances:
            if raw["InstanceId"] not in alive:
                continue
            try:
                instances.append(to_instance(raw, region, keys, subnets, self.settings))
            except UnplaceableInstance as error:
                self.report(raw["InstanceId"], str(error))
        return alive, instances

    def apply(self, alive: dict[str, set[str]], wanted: dict[str, list[Instance]]) -> None:
        """Removals first, so that the networks and IPs they free are there for the creations."""
        containers = {c.labels.get(INSTANCE_LABEL, ""): c for c in managed_containers(self.docker, self.settings.name)}
        for instance_id, container in list(containers.items()):
            region = container.labels.get(REGION_LABEL, "")
            if region in alive and instance_id not in alive[region] and self.remove_container(instance_id, container):
                del containers[instance_id]
        for network in unused_networks(self.docker, self.settings.name):
            self.remove_network(network)
        for instances in wanted.values():
            for instance in instances:
                self.apply_instance(instance, containers.get(instance.instance_id))

    def remove_container(self, instance_id: str, container: Container) -> bool:
        """Remove the container of a terminated or vanished instance; return whether it is gone."""
        try:
            container.remove(force=True)
        except DOCKER_ERRORS as error:
            self.report(instance_id, f"cannot remove container {container.name} of instance {instance_id}: {error}")
            return False
        LOG.info("removed container %s: instance %s is terminated or gone", container.name, instance_id)
        self.resolve(instance_id)
        return True

    def remove_network(self, network: Network) -> None:
        """Remove a subnet network no instance uses any more."""
        try:
            network.remove()
        except DOCKER_ERRORS as error:
            self.report(network.name, f"cannot remove network {network.name}: {error}")
            return
        LOG.info("removed network %s: no instance uses its subnet any more", network.name)
        self.resolve(network.name)

    def apply_instance(self, instance: Instance, container: Container | None) -> None:
        """Bring one instance's container to the state EC2 reports; a failure is logged, not raised."""
        try:
            if instance.should_run:
                self.ensure_running(instance, container)
            elif container is not None and container.status == "running":
                stop_container(container)
                LOG.info("stopped container %s: instance %s is %s", container.name, instance.instance_id, instance.state)
        except (PlacementError, *DOCKER_ERRORS) as error:
            self.report(instance.instance_id, str(error))
            return
        except (BotoCoreError, ClientError) as error:
            self.report(instance.instance_id, f"cannot read the GPUs of instance {instance.instance_id} ({instance.instance_type}, "
                        f"{instance.image_id}) at {self.settings.endpoint_url}: {error}; retrying")
            return
        self.resolve(instance.instance_id)

    def ensure_running(self, instance: Instance, container: Container | None) -> None:
        """Create the container if the instance has none; start it unless it runs."""
        if container is None:
            if instance.key_name and not instance.public_key:
                LOG.warning("instance %s names key pair %s, which DescribeKeyPairs does not return: no authorized key",
                            instance.instance_id, instance.key_name)
            gpus = self.gpu_catalog.gpus(self.ec2[instance.region], instance.region, instance.instance_type, instance.image_id)
            container = create_container(self.docker, self.settings.name, instance, self.image, self.settings.dpkg_lock_seconds, gpus)
            LOG.info("created container %s for instance %s (%s, %s%s)", container.name, instance.instance_id,
                     instance.private_ip, instance.hostname, f", GPUs {', '.join(gpus)}" if gpus else "")
        if container.status != "running":
            container.start()
            LOG.info("started container %s: instance %s is %s", container.name, instance.instance_id, instance.state)

    def map_public_ips(self, wanted: dict[str, list[Instance]]) -> None:
        """Public IP to private IP for every running instance that has one inside the emulator's public block.

        EC2 takes a public IP away at a stop and gives a new one at the start: the mapping follows every pass.
        An address outside the block is never mapped, so nothing outside it is ever contacted."""
        mapped = {}
        for instance in (instance for instances in wanted.values() for instance in instances):
            if not (instance.public_ip and instance.should_run):
                continue
            if contains(self.settings.public_cidr, instance.public_ip):
                mapped[instance.public_ip] = instance.private_ip
            else:
                self.report(f"{instance.instance_id} public", f"instance {instance.instance_id} has public IP {instance.public_ip} outside "
                            f"the emulator's public block {self.settings.public_cidr}: it is not mapped, nothing outside the block is used")
        added, removed = set_mappings(self.settings.name, mapped)
        for public_ip in added:
            LOG.info("public IP %s maps to %s", public_ip, mapped[public_ip])
        for public_ip in removed:
            LOG.info("public IP %s is no longer mapped", public_ip)

    def report(self, key: str, message: str) -> None:
        """Log a problem when it first appears or changes."""
        if self.problems.get(key) != message:
            LOG.error("%s", message)
            self.problems[key] = message

    def resolve(self, key: str) -> None:
        """Forget a problem that went away, saying so once."""
        if self.problems.pop(key, None) is not None:
            LOG.info("%s: fine again", key)
