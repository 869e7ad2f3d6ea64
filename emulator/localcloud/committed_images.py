"""Images that clients create from instances (CreateImage), as Docker images: the instance's container, committed.

The reconciler learns which image was created from which instance through the EC2 API only (DescribeImages of the
account's own images: SourceInstanceId, as AWS reports it), commits that instance's container as the image's Docker
image, labelled with the emulator's name, the region and the AMI id, and then tells the endpoint that the image is
available (created_images.py, in the moto server, keeps it pending until then). Instances launched from the AMI get
containers of that Docker image; the reconciler removes it once the AMI is deregistered and no container runs it, and
`down` removes every one of them. Every lookup filters on the emulator's label, so no other image is ever touched.
"""

import json
import urllib.request
from dataclasses import dataclass
from typing import Any

import docker
import docker.errors
from docker.models.containers import Container
from docker.models.images import Image

from .containers import LABEL, REGION_LABEL

IMAGE_LABEL = "ec2mpi.localcloud.image-id"
# The reconciler reports here what became of a pending image (created_images.py answers).
IMAGE_STATE_PATH = "/_localcloud/image-state"


@dataclass(frozen=True)
class CreatedImage:
    """An AMI this account created from an instance, as DescribeImages reports it."""

    image_id: str
    source_instance_id: str
    state: str


def describe_created_images(client: Any) -> dict[str, CreatedImage]:
    """The region's images created from an instance, by AMI id (catalog images belong to other owners)."""
    images = client.describe_images(Owners=["self"])["Images"]
    return {image["ImageId"]: CreatedImage(image["ImageId"], image["SourceInstanceId"], image["State"])
            for image in images if image.get("SourceInstanceId")}


def commit(container: Container, name: str, region: str, image_id: str) -> Image:
    """The container's filesystem as the AMI's Docker image; Docker pauses the container meanwhile, so it is consistent."""
    labels = {LABEL: name, REGION_LABEL: region, IMAGE_LABEL: image_id}
    return container.commit(repository=f"localcloud-{name}-{region}", tag=image_id,
                            changes=[f"LABEL {key}={value}" for key, value in labels.items()])


def committed_images(client: docker.DockerClient, name: str) -> dict[tuple[str, str], Image]:
    """This emulator's committed images by (region, AMI id)."""
    images = client.images.list(filters={"label": [f"{LABEL}={name}", IMAGE_LABEL]})
    return {(image.labels[REGION_LABEL], image.labels[IMAGE_LABEL]): image for image in images}


def remove_image(client: docker.DockerClient, image: Image) -> None:
    """Remove one committed image; one already gone is fine."""
    try:
        client.images.remove(image.id)
    except docker.errors.ImageNotFound:
        return


def remove_committed_images(client: docker.DockerClient, name: str) -> list[str]:
    """Remove every committed image of this emulator (for `down`, once its containers are gone); return their AMI ids."""
    removed = []
    for (_region, image_id), image in committed_images(client, name).items():
        remove_image(client, image)
        removed.append(image_id)
    return removed


def report_image_state(endpoint_url: str, region: str, image_id: str, state: str, message: str = "") -> None:
    """Tell the endpoint that a pending image is available, or failed and why."""
    body = json.dumps({"region": region, "image_id": image_id, "state": state, "message": message}).encode()
    request = urllib.request.Request(endpoint_url + IMAGE_STATE_PATH, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5):
        pass
