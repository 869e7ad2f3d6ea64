# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which node of a cluster is the head, and how many MPI slots a node has: one rule for modules and templates.

The filter type_launch_tags gives each node the tags of its own instance type at launch; ec2_cluster_instances
tags the roles; the filters head_first and mpi_slots read those tags back for the hostfile, the smoke test and
the summaries, and the test slot_policy checks the input mpi_slots. Nothing here calls AWS.
"""

from typing import Any
from typing import Dict
from typing import Mapping
from typing import Tuple

ROLE_TAG = "ec2mpi:role"
# Counts every node is tagged with at launch, from its own instance type.
COUNT_TAGS = {"gpus": "ec2mpi:gpus", "cores": "ec2mpi:cores", "vcpus": "ec2mpi:vcpus"}
# EC2's name of the node's GPU model ("" without GPUs), which the gpus role checks nvidia-smi against.
GPU_NAME_TAG = "ec2mpi:gpu-name"
SLOT_POLICIES = tuple(COUNT_TAGS) + ("auto",)


def type_tags(instance_type_info: Mapping[str, Any]) -> Dict[str, str]:
    """The tags a node of this type is launched with, from ec2_instance_type_offering's instance_type_info.

    At launch and never after: a node keeps its own type's counts when instance_type changes on a rerun."""
    gpus = instance_type_info.get("gpus") or []
    return {
        COUNT_TAGS["gpus"]: str(instance_type_info.get("gpu_count") or 0),
        GPU_NAME_TAG: (gpus[0].get("name") or "") if gpus else "",
        COUNT_TAGS["cores"]: str(instance_type_info["cores"]),
        COUNT_TAGS["vcpus"]: str(instance_type_info["vcpus"]),
    }


def head_first_key(tags: Mapping[str, str], launch_time: Any, instance_id: str) -> Tuple[bool, Any, str]:
    """Sort key putting the node tagged head first, then the others by launch time and instance id.

    Launch times have a precision of a second (a whole RunInstances shares one), hence the id."""
    return (tags.get(ROLE_TAG) != "head", launch_time, instance_id)


def count(tags: Mapping[str, str], name: str) -> int:
    """One of the node's counts (gpus, cores, vcpus) from its tags."""
    tag = COUNT_TAGS[name]
    if tag not in tags:
        raise ValueError(f"the instance has no {tag} tag: run provision.yml again to tag the cluster's instances")
    return int(tags[tag])


def is_slot_policy(policy: Any) -> bool:
    """Whether slots() knows the policy: gpus, cores, vcpus, auto, or a whole number above 0."""
    return policy in SLOT_POLICIES or (str(policy).isdigit() and int(policy) > 0)


def slots(tags: Mapping[str, str], policy: Any) -> int:
    """MPI slots of a node: its gpus, cores or vcpus, a fixed number, or auto (gpus if it has any, else cores)."""
    if not is_slot_policy(policy):
        raise ValueError(f"'{policy}' is not a slot policy; use {', '.join(SLOT_POLICIES)} or a whole number above 0")
    if policy == "auto":
        gpus = count(tags, "gpus")
        return gpus if gpus > 0 else count(tags, "cores")
    if policy in COUNT_TAGS:
        return count(tags, policy)
    return int(policy)
