"""CreateImage as AWS shows it, where moto differs: the image pending until it is made, and tags for its snapshot.

moto makes an image `available` the moment CreateImage answers, and refuses TagSpecifications for the snapshot
(amazon.aws's ec2_ami sends them). Here, when the emulator runs containers, a new image stays `pending` until the
reconciler has committed its instance's container (committed_images.py), which it reports on the endpoint, playing
AWS's part:

POST /_localcloud/image-state {"region": r, "image_id": "ami-...", "state": "available"}                   -> 200
POST /_localcloud/image-state {"region": r, "image_id": "ami-...", "state": "failed", "message": "<why>"} -> 200
     an unknown image -> 404, any other body -> 400, each {"error": "<one line>"}

A failed image carries the message in its StateReason, as on AWS. API-only, nothing would ever commit an image, so
it is available at once, as in plain moto.
"""

import functools
import json
from collections.abc import Callable, Iterable
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ec2.models import ec2_backends
from moto.ec2.models.amis import AmiBackend

from .committed_images import IMAGE_STATE_PATH
from .faults import respond_json

FINAL_STATES = ("available", "failed")
# StateReason's code of a failed image: the failure is on the side playing AWS, not in the client's request.
FAILED_CODE = "Server.InternalError"


def as_on_aws(create_image: Callable[..., Any], pending: bool) -> Callable[..., Any]:
    """moto's CreateImage, with TagSpecifications of ResourceType snapshot applied to the image's snapshot, and the
    new image pending if `pending`."""

    @functools.wraps(create_image)
    def create_image_as_on_aws(self: Any, instance_id: str, name: str, description: str,
                               tag_specifications: list[dict[str, Any]]) -> Any:
        snapshot_tags = [tag for spec in tag_specifications if spec["ResourceType"] == "snapshot" for tag in spec["Tags"]]
        others = [spec for spec in tag_specifications if spec["ResourceType"] != "snapshot"]
        image = create_image(self, instance_id, name, description, tag_specifications=others)
        for tag in snapshot_tags:
            image.ebs_snapshot.add_tag(tag["Key"], tag["Value"])
        if pending:
            image.state = "pending"
        return image

    create_image_as_on_aws.localcloud_wrapped = True
    return create_image_as_on_aws


def set_state(document: Any) -> dict[str, str]:
    """Apply one report of the reconciler; ValueError for a bad body, LookupError for an unknown image."""
    if not isinstance(document, dict) or document.get("state") not in FINAL_STATES or not document.get("region"):
        raise ValueError(f"the body must be {{\"region\", \"image_id\", \"state\": one of {', '.join(FINAL_STATES)}, \"message\"}}")
    region, image_id = document["region"], document.get("image_id")
    # get, not []: a region no request has touched (or no region at all) has no backend, and so no image.
    backend = ec2_backends[DEFAULT_ACCOUNT_ID].get(region)
    image = backend.amis.get(image_id) if backend else None
    if image is None:
        raise LookupError(f"no image {image_id} in region {region}")
    image.state = document["state"]
    if image.state == "failed":
        image.state_reason = {"Code": FAILED_CODE, "Message": document.get("message", "")}
    return {"image_id": image.id, "state": image.state}


class ImageStates:
    """WSGI middleware in front of the rest: answers IMAGE_STATE_PATH, passes everything else on."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "") != IMAGE_STATE_PATH:
            return self.app(environ, start_response)
        if environ.get("REQUEST_METHOD") != "POST":
            return respond_json(start_response, "405 Method Not Allowed", {"error": f"{IMAGE_STATE_PATH}: use POST"})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            return respond_json(start_response, "200 OK", set_state(json.loads(environ["wsgi.input"].read(length) or b"null")))
        except LookupError as error:
            return respond_json(start_response, "404 Not Found", {"error": str(error)})
        except ValueError as error:
            return respond_json(start_response, "400 Bad Request", {"error": str(error)})


def install(pending: bool) -> None:
    """Wrap moto's CreateImage (idempotent); pending: new images wait for the reconciler's report."""
    if not getattr(AmiBackend.create_image, "localcloud_wrapped", False):
        AmiBackend.create_image = as_on_aws(AmiBackend.create_image, pending)
