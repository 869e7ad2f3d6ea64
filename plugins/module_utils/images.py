# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which image a cluster's nodes boot: the rule behind the image_lookup filter. No AWS calls.

The default images themselves (owner and name pattern, by whether the type has GPUs) and the GPUs that
current drivers dropped live in roles/preflight/vars/main.yml; this is only the rule that applies them.
"""

from typing import Any
from typing import Dict
from typing import List

# The ami_id that asks for a baked image, and the tag whose value is the recipe an image was baked from.
BAKED = "baked"
IMAGE_TAG = "ec2mpi:image"


def image_lookup(
    instance_type_info: Dict[str, Any],
    instance_type: str,
    ami_id: str,
    ami_owner: str,
    ami_name_filter: str,
    default_images: Dict[str, Dict[str, str]],
    proprietary_driver_gpus: List[str],
    legacy_gpus: Dict[str, str],
    recipe: str = "",
) -> Dict[str, Any]:
    """What to look up: {"image_id"} when ami_id is set, else {"owner", "name"}; {"problem"} when no default fits.

    ami_id BAKED asks for the newest image of this account that playbooks/image.yml baked from recipe (its
    image_recipe hash) for one of the type's architectures: {"owner", "filters", "recipe", "architectures"}. The type's
    GPUs do not matter there: the bake started from whichever image its own cluster file chose.

    Types with GPUs default to default_images["gpu"] (a driver image), or default_images["gpu_proprietary"] when a GPU
    is one of proprietary_driver_gpus; others to default_images["cpu"]. ami_owner and ami_name_filter replace the
    default's owner and name. A GPU of legacy_gpus needs a driver branch current images dropped, so only an explicit
    ami_id will do."""
    if ami_id == BAKED:
        architectures = instance_type_info.get("architectures", [])
        return {
            "owner": "self",
            "filters": {f"tag:{IMAGE_TAG}": recipe, "architecture": architectures, "state": "available"},
            "recipe": recipe,
            "architectures": architectures,
        }
    if ami_id:
        return {"image_id": ami_id}
    names = [gpu.get("name") for gpu in instance_type_info.get("gpus", [])]
    legacy = [name for name in names if name in legacy_gpus]
    if legacy:
        return {
            "problem": f"{instance_type} has {legacy[0]} GPUs, which need the NVIDIA {legacy_gpus[legacy[0]]} driver branch "
            "that current driver images dropped: set ami_id to an image with that driver, or instance_type to a current "
            "GPU type (e.g. g4dn.xlarge)"
        }
    if instance_type_info.get("gpu_count", 0) == 0:
        default = default_images["cpu"]
    elif any(name in proprietary_driver_gpus for name in names):
        default = default_images["gpu_proprietary"]
    else:
        default = default_images["gpu"]
    return {"owner": ami_owner or default["owner"], "name": ami_name_filter or default["name"]}
