# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure functions behind ec2_instance_type_offering: no AWS calls, so unit tests need no AWS.

They pick the first offered instance type among the candidates, turn DescribeInstanceTypes
output into the snake_case facts a cluster needs, and know the facts of the retired types
that DescribeInstanceTypes no longer describes.
"""

from typing import Any
from typing import Collection
from typing import Dict
from typing import List
from typing import Optional
from typing import Tuple

from ansible_collections.ec2mpi.cluster.plugins.module_utils.input_rules import is_instance_type

# The variable users set in the playbooks; messages name it so they say what to change.
FALLBACKS_VARIABLE = "instance_type_fallbacks"

# NVIDIA (CUDA) x86_64 families worth suggesting for an MPI GPU cluster when nothing fits.
GPU_FAMILIES = ("g4dn", "g5", "g6", "g6e", "p3", "p3dn", "p4d", "p4de", "p5", "p5e", "p5en")
MAX_SUGGESTIONS = 10

# Built-in facts, used ONLY when DescribeInstanceTypes does not know a type (it answers
# InvalidInstanceType for the retired P2 family, and moto does for P2 and P3).
# Source: AWS's published specifications, https://aws.amazon.com/ec2/instance-types/p2/
# and https://aws.amazon.com/ec2/instance-types/p3/. GPUs are counted as AWS counts them:
# a K80 board holds two GK210 GPUs of 12 GiB each, and p2.xlarge has one of those GPUs.
# None of these types supports EFA; all support the cluster, partition and spread strategies.
#                 vCPUs  cores  memory GiB  GPUs  GPU    GPU memory GiB (per GPU)
BUILTIN_INSTANCE_TYPES = {
    "p2.xlarge": (4, 2, 61, 1, "K80", 12),
    "p2.8xlarge": (32, 16, 488, 8, "K80", 12),
    "p2.16xlarge": (64, 32, 732, 16, "K80", 12),
    "p3.2xlarge": (8, 4, 61, 1, "V100", 16),
    "p3.8xlarge": (32, 16, 244, 4, "V100", 16),
    "p3.16xlarge": (64, 32, 488, 8, "V100", 16),
}
BUILTIN_PLACEMENT_STRATEGIES = ["cluster", "partition", "spread"]

_SIZE_RANKS = {"nano": 0, "micro": 1, "small": 2, "medium": 3, "large": 4, "xlarge": 8}


def candidate_instance_types(instance_type: str, fallbacks: Optional[List[str]]) -> List[str]:
    """The requested type then the fallbacks, in order, without duplicates."""
    return list(dict.fromkeys([instance_type] + list(fallbacks or [])))


def invalid_input_message(
    instance_type: str, fallbacks: List[str], availability_zone: Optional[str], region: Optional[str]
) -> Optional[str]:
    """One line naming the first bad input and its fix, or None when the input is fine."""
    expected = "expected family.size in lower case, e.g. g4dn.xlarge"
    if not is_instance_type(instance_type):
        return f"invalid instance type {instance_type!r} in instance_type: {expected}"
    for fallback in fallbacks:
        if not is_instance_type(fallback):
            return f"invalid instance type {fallback!r} in fallbacks ({FALLBACKS_VARIABLE}): {expected}"
    if availability_zone and region and not availability_zone.startswith(region):
        return f"availability_zone {availability_zone!r} is not in region {region}: set it to a zone of {region} (e.g. {region}a) or leave it unset"
    return None


def offered_zones(
    offerings: List[Dict[str, Any]], standard_zones: Collection[str], availability_zone: Optional[str] = None
) -> Dict[str, List[str]]:
    """DescribeInstanceTypeOfferings (availability-zone) entries as {instance type: sorted zones}, standard zones only.

    Offerings also list Local Zones and Wavelength Zones, where a cluster's subnet must not go: a sorted list
    would put us-west-2-lax-1a before us-west-2a. standard_zones are the region's own availability zones.
    """
    zones: Dict[str, set] = {}
    for offering in offerings:
        if offering["Location"] not in standard_zones or (availability_zone and offering["Location"] != availability_zone):
            continue
        zones.setdefault(offering["InstanceType"], set()).add(offering["Location"])
    return {instance_type: sorted(locations) for instance_type, locations in zones.items()}


def location_text(region: Optional[str], availability_zone: Optional[str]) -> str:
    """Where the cluster looks for its instance type, as messages say it."""
    return f"availability zone {availability_zone} of {region}" if availability_zone else str(region)


def choose_instance_type(
    candidates: List[str], zones: Dict[str, List[str]], where: str
) -> Tuple[Optional[str], List[str], List[Dict[str, str]]]:
    """The first candidate offered in at least one zone, its zones, and the candidates passed over."""
    skipped = []
    for candidate in candidates:
        if zones.get(candidate):
            return candidate, zones[candidate], skipped
        skipped.append({"instance_type": candidate, "reason": f"not offered in {where}"})
    return None, [], skipped


def instance_type_sort_key(instance_type: str) -> Tuple[str, int, str]:
    """Sort g4dn.xlarge before g4dn.2xlarge before g4dn.12xlarge before g4dn.metal."""
    family, _dot, size = instance_type.partition(".")
    if size in _SIZE_RANKS:
        rank = _SIZE_RANKS[size]
    elif size.endswith("xlarge") and size[: -len("xlarge")].isdigit():
        rank = int(size[: -len("xlarge")]) * _SIZE_RANKS["xlarge"]
    else:
        rank = 10**6  # metal, metal-24xl and sizes not known yet go last
    return family, rank, size


def suggested_gpu_types(offerings: List[Dict[str, Any]]) -> List[str]:
    """The GPU instance types among offerings, smallest first within each family."""
    offered = {offering["InstanceType"] for offering in offerings}
    gpu_types = [name for name in offered if name.partition(".")[0] in GPU_FAMILIES]
    return sorted(gpu_types, key=instance_type_sort_key)


def not_offered_message(candidates: List[str], where: str, suggestions: List[str]) -> str:
    """The one-line failure when no candidate is offered, with the types that would work."""
    if len(candidates) == 1:
        problem = f"instance type {candidates[0]} is not offered in {where} and {FALLBACKS_VARIABLE} is empty"
    else:
        problem = f"none of the instance types {', '.join(candidates)} (instance_type and {FALLBACKS_VARIABLE}) is offered in {where}"
    if not suggestions:
        return f"{problem}; no GPU instance type ({', '.join(GPU_FAMILIES)}) is offered there either: choose another region or availability_zone"
    listed = ", ".join(suggestions[:MAX_SUGGESTIONS])
    if len(suggestions) > MAX_SUGGESTIONS:
        listed += f" (and {len(suggestions) - MAX_SUGGESTIONS} more)"
    return f"{problem}; set instance_type to one of: {listed} or add them to {FALLBACKS_VARIABLE}"


def fallback_warning(requested: str, chosen: str, where: str) -> str:
    return f"instance type {requested} is not offered in {where}; falling back to {chosen} (first offered type in {FALLBACKS_VARIABLE})"


def instance_type_facts(description: Dict[str, Any]) -> Dict[str, Any]:
    """One DescribeInstanceTypes entry as the snake_case facts the cluster roles use."""
    vcpu_info = description.get("VCpuInfo", {})
    vcpus = vcpu_info.get("DefaultVCpus")
    threads_per_core = vcpu_info.get("DefaultThreadsPerCore", 1)
    cores = vcpu_info.get("DefaultCores", vcpus // threads_per_core if vcpus else None)
    gpus = [
        {
            "count": gpu.get("Count", 0),
            "manufacturer": gpu.get("Manufacturer"),
            "name": gpu.get("Name"),
            "memory_mib": gpu.get("MemoryInfo", {}).get("SizeInMiB"),
        }
        for gpu in description.get("GpuInfo", {}).get("Gpus", [])
    ]
    return {
        "vcpus": vcpus,
        "cores": cores,
        "threads_per_core": threads_per_core,
        "memory_mib": description.get("MemoryInfo", {}).get("SizeInMiB"),
        "gpus": gpus,
        "gpu_count": sum(gpu["count"] for gpu in gpus),
        "efa_supported": bool(description.get("NetworkInfo", {}).get("EfaSupported", False)),
        "placement_group_strategies": sorted(description.get("PlacementGroupInfo", {}).get("SupportedStrategies", [])),
        "architectures": sorted(description.get("ProcessorInfo", {}).get("SupportedArchitectures", [])),
        "virtualization_types": sorted(description.get("SupportedVirtualizationTypes", [])),
        "facts_source": "api",
    }


def builtin_instance_type_facts(instance_type: str) -> Optional[Dict[str, Any]]:
    """Facts from BUILTIN_INSTANCE_TYPES, shaped like instance_type_facts(), or None."""
    if instance_type not in BUILTIN_INSTANCE_TYPES:
        return None
    vcpus, cores, memory_gib, gpu_count, gpu_name, gpu_memory_gib = BUILTIN_INSTANCE_TYPES[instance_type]
    return {
        "vcpus": vcpus,
        "cores": cores,
        "threads_per_core": vcpus // cores,
        "memory_mib": memory_gib * 1024,
        "gpus": [{"count": gpu_count, "manufacturer": "NVIDIA", "name": gpu_name, "memory_mib": gpu_memory_gib * 1024}],
        "gpu_count": gpu_count,
        "efa_supported": False,
        "placement_group_strategies": list(BUILTIN_PLACEMENT_STRATEGIES),
        # P2 and P3 are Intel Xeon types that take HVM images only.
        "architectures": ["x86_64"],
        "virtualization_types": ["hvm"],
        "facts_source": "builtin",
    }
