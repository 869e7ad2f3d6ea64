"""Which NVIDIA GPUs an emulated instance has: what EC2 describes for its type, if its image carries the driver.

On AWS a GPU instance shows its GPUs through the NVIDIA driver: a plain Ubuntu image has none and no
nvidia-smi; AWS's Deep Learning Base GPU AMIs have it ("Nvidia Driver" in their names). The container of
such an instance gets the emulator's nvidia-smi stand-in (image/nvidia_smi.py) listing one GPU per GPU of the
type, as DescribeInstanceTypes describes it. Read through the public EC2 API, once per type and image.
"""

from typing import Any

from botocore.exceptions import ClientError

# The Deep Learning Base GPU AMIs name their driver: "... OSS Nvidia Driver GPU AMI ...", "... Proprietary Nvidia Driver ...".
DRIVER_IMAGE_MARK = "nvidia driver"


class GpuCatalog:
    """GPU names by (region, instance type) and driver presence by (region, image), asked once each."""

    def __init__(self) -> None:
        self.type_gpus: dict[tuple[str, str], tuple[str, ...]] = {}
        self.driver_images: dict[tuple[str, str], bool] = {}

    def gpus(self, client: Any, region: str, instance_type: str, image_id: str) -> tuple[str, ...]:
        """One EC2 GPU name per NVIDIA GPU the instance shows, or () without GPUs or without a driver."""
        if (region, instance_type) not in self.type_gpus:
            self.type_gpus[(region, instance_type)] = nvidia_gpus(client, instance_type)
        if not self.type_gpus[(region, instance_type)]:
            return ()
        if (region, image_id) not in self.driver_images:
            images = client.describe_images(Filters=[{"Name": "image-id", "Values": [image_id]}])["Images"]
            self.driver_images[(region, image_id)] = any(DRIVER_IMAGE_MARK in image.get("Name", "").lower() for image in images)
        return self.type_gpus[(region, instance_type)] if self.driver_images[(region, image_id)] else ()


def nvidia_gpus(client: Any, instance_type: str) -> tuple[str, ...]:
    """The type's NVIDIA GPUs, one name per GPU; () for a type DescribeInstanceTypes does not know or without GPUs."""
    try:
        described = client.describe_instance_types(InstanceTypes=[instance_type])["InstanceTypes"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "InvalidInstanceType":
            raise
        return ()
    gpus = [gpu for entry in described for gpu in entry.get("GpuInfo", {}).get("Gpus", []) if gpu.get("Manufacturer") == "NVIDIA"]
    return tuple(name for gpu in gpus for name in [gpu["Name"]] * gpu.get("Count", 0))
