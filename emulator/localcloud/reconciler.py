"""The loop that makes Docker match EC2: every interval, read each watched region and fix the containers.

It reads EC2 only through the public API of the emulator's endpoint, like any other client, so what it
shows is what moto really reports, in every region a client has launched instances in (the request
counter notes them). It also plays AWS's part in CreateImage: it commits the instance's container as the
image's Docker image and reports the image available (committed_images.py), gives instances launched from
that image containers of it, and removes it once the image is deregistered and unused. One failing
instance, image, region or Docker call never ends the loop.
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

from .committed_images import CreatedImage, commit, committed_images, describe_created_images, remove_image, report_image_state
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
        """One pass: read every region, commit pending images, remove, stop and start containers, then remove the
        committed images of deregistered AMIs, in that order.

        Commits come before removals: a client may terminate an instance right after CreateImage, as it may on AWS."""
        wanted: dict[str, list[Instance]] = {}
        alive: dict[str, set[str]] = {}
        created: dict[str, dict[str, CreatedImage]] = {}
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
                # Read after the instances, so the image of every instance read is among them.
                created[region] = describe_created_images(client)
            except (BotoCoreError, ClientError) as error:
                # Leave this region's containers alone: an unreachable moto is not an empty one.
                self.report(f"region {region}", f"cannot read EC2 region {region} at {self.settings.endpoint_url}: {error}; retrying")
                unread = True
                continue
            self.resolve(f"region {region}")
        try:
            self.commit_pending_images(created, wanted)
            self.apply(alive, wanted, created)
            self.remove_deregistered_images(created)
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

    def commit_pending_images(self, created: dict[str, dict[str, CreatedImage]], wanted: dict[str, list[Instance]]) -> None:
        """Commit the container of every pending image's instance, then report the image available.

        An instance about to get its container (launched this second) has it committed at the next pass; an image
        whose instance has no container and will get none fails, with the reason."""
        pending = [(region, image) for region, images in created.items() for image in images.values() if image.state == "pending"]
        if not pending:
            return
        containers = {c.labels.get(INSTANCE_LABEL, ""): c for c in managed_containers(self.docker, self.settings.name)}
        committed = committed_images(self.docker, self.settings.name)
        coming = {instance.instance_id for instances in wanted.values() for instance in instances if instance.should_run}
        for region, image in pending:
            if (region, image.image_id) in committed:
                self.finish_image(region, image, None)
            elif image.source_instance_id in containers:
                self.finish_image(region, image, containers[image.source_instance_id])
            elif image.source_instance_id not in coming:
                self.fail_image(region, image)

    def finish_image(self, region: str, image: CreatedImage, container: Container | None) -> None:
        """Commit the container unless it is committed already (container None), then report the image available."""
        try:
            if container is not None:
                commit(container, self.settings.name, region, image.image_id)
                LOG.info("committed container %s as the image of %s (CreateImage of instance %s)", container.name, image.image_id,
                         image.source_instance_id)
            report_image_state(self.settings.endpoint_url, region, image.image_id, "available")
        except (OSError, *DOCKER_ERRORS) as error:
            self.report(image.image_id, f"cannot make image {image.image_id} of instance {image.source_instance_id}: {error}; retrying")
            return
        LOG.info("image %s is available", image.image_id)
        self.resolve(image.image_id)

    def fail_image(self, region: str, image: CreatedImage) -> None:
        """Report a pending image failed: its instance has no container to commit."""
        message = (f"instance {image.source_instance_id} has no container to commit (see the reconciler log for why): "
                   "launch it with SubnetId, wait until it runs, then CreateImage")
        try:
            report_image_state(self.settings.endpoint_url, region, image.image_id, "failed", message)
        except OSError as error:
            self.report(image.image_id, f"cannot report image {image.image_id} failed: {error}; retrying")
            return
        LOG.warning("image %s failed: %s", image.image_id, message)
        self.resolve(image.image_id)

    def apply(self, alive: dict[str, set[str]], wanted: dict[str, list[Instance]], created: dict[str, dict[str, CreatedImage]]) -> None:
        """Removals first, so that the networks and IPs they free are there for the creations."""
        containers = {c.labels.get(INSTANCE_LABEL, ""): c for c in managed_containers(self.docker, self.settings.name)}
        for instance_id, container in list(containers.items()):
            region = container.labels.get(REGION_LABEL, "")
            if region in alive and instance_id not in alive[region] and self.remove_container(instance_id, container):
                del containers[instance_id]
        for network in unused_networks(self.docker, self.settings.name):
            self.remove_network(network)
        for region, instances in wanted.items():
            for instance in instances:
                self.apply_instance(instance, containers.get(instance.instance_id), created.get(region, {}))

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

    def apply_instance(self, instance: Instance, container: Container | None, created: dict[str, CreatedImage]) -> None:
        """Bring one instance's container to the state EC2 reports; a failure is logged, not raised."""
        try:
            if instance.should_run:
                self.ensure_running(instance, container, created)
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

    def ensure_running(self, instance: Instance, container: Container | None, created: dict[str, CreatedImage]) -> None:
        """Create the container if the instance has none; start it unless it runs."""
        if container is None:
            image = self.image_of(instance, created)
            if instance.key_name and not instance.public_key:
                LOG.warning("instance %s names key pair %s, which DescribeKeyPairs does not return: no authorized key",
                            instance.instance_id, instance.key_name)
            gpus = self.gpu_catalog.gpus(self.ec2[instance.region], instance.region, instance.instance_type, instance.image_id)
            container = create_container(self.docker, self.settings.name, instance, image, self.settings.dpkg_lock_seconds, gpus)
            LOG.info("created container %s for instance %s (%s, %s%s)", container.name, instance.instance_id,
                     instance.private_ip, instance.hostname, f", GPUs {', '.join(gpus)}" if gpus else "")
        if container.status != "running":
            container.start()
            LOG.info("started container %s: instance %s is %s", container.name, instance.instance_id, instance.state)

    def image_of(self, instance: Instance, created: dict[str, CreatedImage]) -> str:
        """The committed image of the AMI the instance was launched from, if there is one, else the base image.

        An AMI created here whose commit Docker no longer has (an emulator restarted on a wiped Docker) gives no
        container rather than the base image, which would boot without what the image was made to hold."""
        committed = committed_images(self.docker, self.settings.name).get((instance.region, instance.image_id))
        if committed is not None:
            return committed.id
        if instance.image_id in created:
            image = created[instance.image_id]
            raise PlacementError(f"instance {instance.instance_id} was launched from {instance.image_id} ({image.state}, created from "
                                 f"instance {image.source_instance_id}), whose committed container image Docker does not have: it "
                                 f"gets no container. Deregister {instance.image_id} and create the image again")
        return self.image

    def remove_deregistered_images(self, created: dict[str, dict[str, CreatedImage]]) -> None:
        """Remove the committed images of AMIs no longer registered, once no container runs them.

        As on AWS, instances outlive the image they were launched from. A region not read this pass keeps its images."""
        committed = committed_images(self.docker, self.settings.name)
        if not committed:
            return
        in_use = {container.attrs.get("Image") for container in managed_containers(self.docker, self.settings.name)}
        for (region, image_id), image in committed.items():
            if region in created and image_id not in created[region] and image.id not in in_use:
                try:
                    remove_image(self.docker, image)
                except DOCKER_ERRORS as error:
                    self.report(f"{image_id} removal", f"cannot remove the committed image of deregistered {image_id}: {error}")
                    continue
                LOG.info("removed the committed image of %s: it is deregistered and no instance runs it", image_id)
                self.resolve(f"{image_id} removal")

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
