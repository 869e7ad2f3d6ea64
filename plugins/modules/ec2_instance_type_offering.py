#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ec2_instance_type_offering
version_added: 0.1.0
short_description: Resolve the instance type a cluster uses in a region, falling back when it is not offered
description:
  - Finds the first of O(instance_type) and O(fallbacks) that the region (or O(availability_zone)) offers,
    and describes it (vCPUs, cores, memory, GPUs, EFA, placement group strategies).
  - Only the region's standard availability zones count (zone type C(availability-zone), state C(available),
    no opt-in). Local Zones and Wavelength Zones, which offerings list too, are no place for a cluster's subnet.
  - Also returns the later candidates offered in the first of those zones (RV(zone_fallbacks)), for capacity
    fallbacks there, so no second run per fallback is needed.
  - Falling back emits a warning. When no candidate is offered the module fails with the GPU instance
    types the region does offer.
  - AWS no longer describes the retired P2 family; for it (and P3) facts come from a built-in table of
    AWS's published specifications, and RV(instance_type_info.facts_source) says so.
  - Read-only; never changes anything. Check mode returns the same result.
author:
  - ec2mpi developers (@ec2mpi)
options:
  instance_type:
    description:
      - The instance type wanted, for example V(p2.xlarge).
    required: true
    type: str
  fallbacks:
    description:
      - Instance types to try in order when O(instance_type) is not offered.
      - Empty means fail instead of falling back.
      - The playbooks set this from the variable C(instance_type_fallbacks).
    type: list
    elements: str
    default: []
  availability_zone:
    description:
      - Only consider offerings in this availability zone, which must be a standard one (not a Local Zone or
        Wavelength Zone).
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Resolve the cluster's instance type, falling back from the retired P2 family
  ec2mpi.cluster.ec2_instance_type_offering:
    region: us-west-2
    instance_type: p2.xlarge
    fallbacks: [g4dn.xlarge, g5.xlarge]
  register: offering

- name: Require an instance type in one availability zone (fails if it is not offered there)
  ec2mpi.cluster.ec2_instance_type_offering:
    region: us-west-2
    instance_type: g4dn.12xlarge
    availability_zone: us-west-2b

- name: Use what was resolved
  ansible.builtin.debug:
    msg: "{{ offering.instance_type }} in {{ offering.availability_zones | join(', ') }}: {{ offering.instance_type_info.gpu_count }} GPU(s)"
"""

RETURN = r"""
instance_type:
  description: The resolved instance type, the first candidate offered.
  returned: success
  type: str
  sample: g4dn.xlarge
requested_instance_type:
  description: The value of O(instance_type).
  returned: success
  type: str
  sample: p2.xlarge
fell_back:
  description: Whether the resolved type is one of O(fallbacks) rather than O(instance_type).
  returned: success
  type: bool
  sample: true
availability_zones:
  description:
    - The standard availability zones that offer the resolved type (only O(availability_zone) when set), sorted.
    - Never a Local Zone or a Wavelength Zone, even where those offer the type.
  returned: success
  type: list
  elements: str
  sample: [us-west-2a, us-west-2b, us-west-2c]
passed_over:
  description:
    - The candidates passed over, in order, and why.
    - Not named C(skipped), which Ansible reads as the task being skipped (and then ignores C(failed_when)).
  returned: success
  type: list
  elements: dict
  sample: [{instance_type: p2.xlarge, reason: not offered in us-west-2}]
  contains:
    instance_type:
      description: The candidate.
      returned: always
      type: str
      sample: p2.xlarge
    reason:
      description: Why it was passed over.
      returned: always
      type: str
      sample: not offered in us-west-2
instance_type_info:
  description: Facts about the resolved type.
  returned: success
  type: dict
  contains:
    vcpus:
      description: Default number of vCPUs.
      returned: always
      type: int
      sample: 4
    cores:
      description: Default number of physical cores.
      returned: always
      type: int
      sample: 2
    threads_per_core:
      description: Default number of threads per core.
      returned: always
      type: int
      sample: 2
    memory_mib:
      description: Memory in MiB.
      returned: always
      type: int
      sample: 16384
    gpus:
      description: The GPUs, one entry per GPU model; empty for types without GPUs.
      returned: always
      type: list
      elements: dict
      sample: [{count: 1, manufacturer: NVIDIA, name: T4, memory_mib: 16384}]
      contains:
        count:
          description: Number of GPUs of this model.
          returned: always
          type: int
          sample: 1
        manufacturer:
          description: GPU manufacturer.
          returned: always
          type: str
          sample: NVIDIA
        name:
          description: GPU model.
          returned: always
          type: str
          sample: T4
        memory_mib:
          description: Memory of one GPU in MiB.
          returned: always
          type: int
          sample: 16384
    gpu_count:
      description: Total number of GPUs.
      returned: always
      type: int
      sample: 1
    efa_supported:
      description: Whether the type supports Elastic Fabric Adapter.
      returned: always
      type: bool
      sample: false
    placement_group_strategies:
      description: The placement group strategies the type supports, sorted.
      returned: always
      type: list
      elements: str
      sample: [cluster, partition, spread]
    architectures:
      description: The processor architectures of the images the type runs, sorted.
      returned: always
      type: list
      elements: str
      sample: [x86_64]
    virtualization_types:
      description: The virtualization types of the images the type runs, sorted.
      returned: always
      type: list
      elements: str
      sample: [hvm]
    facts_source:
      description:
        - V(api) when the facts come from DescribeInstanceTypes.
        - V(builtin) when they come from the module's table of AWS's published specifications
          for types DescribeInstanceTypes no longer describes (P2, P3).
      returned: always
      type: str
      sample: api
zone_fallbacks:
  description:
    - The candidates after RV(instance_type), in order, that the first of RV(availability_zones) offers (the zone the
      playbooks put the cluster's subnet in), each with its facts as in RV(instance_type_info).
    - What to launch there when AWS has no capacity for RV(instance_type). A type that neither DescribeInstanceTypes
      nor the built-in table knows is left out.
  returned: success
  type: list
  elements: dict
  sample: [{instance_type: g5.xlarge, instance_type_info: {vcpus: 4, gpu_count: 1, facts_source: api}}]
  contains:
    instance_type:
      description: The fallback.
      returned: always
      type: str
      sample: g5.xlarge
    instance_type_info:
      description: Its facts, with the keys of RV(instance_type_info).
      returned: always
      type: dict
      sample: {vcpus: 4, gpu_count: 1, facts_source: api}
"""

from typing import Any
from typing import Dict
from typing import List
from typing import Optional

from ansible.module_utils.common.warnings import warn

from ansible_collections.amazon.aws.plugins.module_utils import ec2
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import AnsibleEC2Error
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.ec2mpi.cluster.plugins.module_utils import instance_types as it


class InstanceTypeErrorHandler(AWSErrorHandler):
    """DescribeInstanceTypes answers InvalidInstanceType for a type it does not describe (the retired P2, for one)."""

    _CUSTOM_EXCEPTION = AnsibleEC2Error

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("InvalidInstanceType")


@InstanceTypeErrorHandler.list_error_handler("describe instance type offerings", [])
@AWSRetry.jittered_backoff()
def describe_offerings(client, **params) -> List[Dict[str, Any]]:
    paginator = client.get_paginator("describe_instance_type_offerings")
    return paginator.paginate(**params).build_full_result()["InstanceTypeOfferings"]


@InstanceTypeErrorHandler.common_error_handler("describe availability zones")
def describe_standard_zones(client) -> List[str]:
    """The names of the region's standard availability zones that can be used now."""
    filters = [
        {"Name": "zone-type", "Values": ["availability-zone"]},
        {"Name": "state", "Values": ["available"]},
        {"Name": "opt-in-status", "Values": ["opt-in-not-required"]},
    ]
    return [zone["ZoneName"] for zone in ec2.describe_availability_zones(client, Filters=filters)]


@InstanceTypeErrorHandler.list_error_handler("describe instance type", None)
@AWSRetry.jittered_backoff()
def describe_instance_type(client, instance_type: str) -> Optional[Dict[str, Any]]:
    # One named type: a single page, no paginator needed.
    found = client.describe_instance_types(InstanceTypes=[instance_type])["InstanceTypes"]
    return found[0] if found else None


def offered_gpu_types(client, module: AnsibleAWSModule) -> List[str]:
    """The GPU types offered where the cluster looks, to suggest when no candidate is."""
    availability_zone = module.params["availability_zone"]
    if availability_zone:
        location = {
            "LocationType": "availability-zone",
            "Filters": [{"Name": "location", "Values": [availability_zone]}],
        }
    else:
        location = {"LocationType": "region"}
    # moto (our local emulator) matches instance-type filters exactly, without wildcards such as
    # g4dn.*: list everything offered there (one paginated call) and keep the GPU types here.
    return it.suggested_gpu_types(describe_offerings(client, **location))


def describe_facts(client, instance_type: str) -> Optional[Dict[str, Any]]:
    """The type's facts from DescribeInstanceTypes, else from the built-in table; None when neither knows it."""
    description = describe_instance_type(client, instance_type)
    return it.instance_type_facts(description) if description else it.builtin_instance_type_facts(instance_type)


def zone_fallbacks(client, later: List[str], zones_by_type: Dict[str, List[str]], zone: str) -> List[Dict[str, Any]]:
    """The later candidates offered in zone, with their facts: launched there when it has no capacity for the chosen type.

    The offerings read already cover every candidate, so this costs one DescribeInstanceTypes per such type and
    spares the playbook a module run per fallback. A type no one describes is no fallback."""
    found = [
        {"instance_type": candidate, "instance_type_info": describe_facts(client, candidate)}
        for candidate in later
        if zone in zones_by_type.get(candidate, [])
    ]
    return [fallback for fallback in found if fallback["instance_type_info"] is not None]


def resolve(client, module: AnsibleAWSModule, candidates: List[str]) -> Dict[str, Any]:
    availability_zone = module.params["availability_zone"]
    where = it.location_text(module.region, availability_zone)
    standard_zones = describe_standard_zones(client)
    offerings = describe_offerings(
        client, LocationType="availability-zone", Filters=[{"Name": "instance-type", "Values": candidates}]
    )
    zones_by_type = it.offered_zones(offerings, standard_zones, availability_zone)
    chosen, zones, skipped = it.choose_instance_type(candidates, zones_by_type, where)
    if chosen is None:
        suggestions = offered_gpu_types(client, module)
        module.fail_json(msg=it.not_offered_message(candidates, where, suggestions), passed_over=skipped)

    facts = describe_facts(client, chosen)
    if facts is None:
        module.fail_json(
            msg=f"instance type {chosen} is offered in {where} but neither DescribeInstanceTypes nor the built-in table "
            f"in plugins/module_utils/instance_types.py knows it: choose another instance_type or add {chosen} to that table"
        )
    if skipped:
        # Not module.warn(): AnsibleAWSModule.warn() also hands its warnings to exit_json(), which
        # ansible-core 2.19 answers with a deprecation warning. core's warn() alone reaches the result.
        warn(it.fallback_warning(candidates[0], chosen, where))
    return {
        "instance_type": chosen,
        "requested_instance_type": candidates[0],
        "fell_back": chosen != candidates[0],
        "availability_zones": zones,
        "passed_over": skipped,
        "instance_type_info": facts,
        "zone_fallbacks": zone_fallbacks(client, candidates[candidates.index(chosen) + 1:], zones_by_type, zones[0]),
    }


def main():
    argument_spec = dict(
        instance_type=dict(type="str", required=True),
        fallbacks=dict(type="list", elements="str", default=[]),
        availability_zone=dict(type="str"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)

    instance_type = module.params["instance_type"]
    fallbacks = module.params["fallbacks"] or []
    problem = it.invalid_input_message(instance_type, fallbacks, module.params["availability_zone"], module.region)
    if problem:
        module.fail_json(msg=problem)

    client = module.client("ec2")
    try:
        result = resolve(client, module, it.candidate_instance_types(instance_type, fallbacks))
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
