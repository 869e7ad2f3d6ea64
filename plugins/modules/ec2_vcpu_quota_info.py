#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ec2_vcpu_quota_info
version_added: 0.2.0
short_description: Tell whether a cluster's nodes fit in the region's On-Demand vCPU quota of their instance family
description:
  - AWS limits running On-Demand instances by vCPUs per family group (Standard, G and VT, P, ...), one Service
    Quotas quota each. A new account's G and P quotas are often 0, and C(RunInstances) then fails with
    C(VcpuLimitExceeded) after everything else exists. This module tells before anything is created.
  - Reads the quota the type counts against (C(GetServiceQuota)) and the vCPUs of that group already running
    or pending in the region outside the cluster, and compares O(count) x O(vcpus) plus those with the quota.
  - RV(sufficient) is V(false) with a one-line RV(message) naming the quota, the need, the limit and how to ask
    for more. Where the quota cannot be checked (no permission, no such quota, an unknown family, a running
    instance of a type nothing describes), RV(sufficient) is V(null), and RV(message) says why, also as a
    warning; the module never fails on that.
  - Read-only; never changes anything. Check mode returns the same result.
author:
  - ec2mpi developers (@ec2mpi)
options:
  instance_type:
    description: The instance type of the cluster's nodes.
    type: str
    required: true
  vcpus:
    description: vCPUs of one node of O(instance_type) (what M(ec2mpi.cluster.ec2_instance_type_offering) returns).
    type: int
    required: true
  count:
    description: How many nodes the cluster runs.
    type: int
    required: true
  cluster_name:
    description:
      - The cluster (the value of the C(ec2mpi:cluster) tag). Its own running nodes are part of O(count),
        so they are not counted again as running elsewhere.
    type: str
    required: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Read the vCPU quota four g4dn.xlarge nodes count against
  ec2mpi.cluster.ec2_vcpu_quota_info:
    region: us-west-2
    instance_type: g4dn.xlarge
    vcpus: 4
    count: 4
    cluster_name: mpi
  register: quota

- name: Stop when the nodes do not fit
  ansible.builtin.fail:
    msg: "{{ quota.message }}"
  when: quota.sufficient is false
"""

RETURN = r"""
quota_code:
  description: The Service Quotas code of the quota the type counts against; null for a family the module does not know.
  returned: always
  type: str
  sample: L-DB2E81BA
quota_name:
  description: The quota's name as Service Quotas gives it; null when it could not be read.
  returned: always
  type: str
  sample: Running On-Demand G and VT instances
limit:
  description: The quota's value in vCPUs; null when it could not be read.
  returned: always
  type: int
  sample: 8
running_vcpus:
  description: vCPUs of running and pending instances outside the cluster that count against the same quota.
  returned: always
  type: int
  sample: 0
needed_vcpus:
  description: O(count) x O(vcpus) + RV(running_vcpus).
  returned: always
  type: int
  sample: 16
sufficient:
  description: Whether RV(needed_vcpus) fits in RV(limit); null when the quota could not be read.
  returned: always
  type: bool
  sample: false
message:
  description: Why the nodes do not fit, or why the quota was not checked; empty when they fit.
  returned: always
  type: str
"""

from typing import Any
from typing import Dict
from typing import List
from typing import Optional
from typing import Tuple

from ansible.module_utils.common.warnings import warn

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.ec2mpi.cluster.plugins.module_utils import cluster_resources as cr
from ansible_collections.ec2mpi.cluster.plugins.module_utils import vcpu_quotas as vq
from ansible_collections.ec2mpi.cluster.plugins.module_utils.instance_types import builtin_instance_type_facts

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing botocore


@AWSRetry.jittered_backoff()
def get_quota(client, code: str) -> Dict[str, Any]:
    return client.get_service_quota(ServiceCode=vq.SERVICE_CODE, QuotaCode=code)["Quota"]


def read_quota(client, code: str) -> Tuple[Optional[Dict[str, Any]], str]:
    """The quota, or None and why it could not be read (the check is advisory: an error here never fails)."""
    try:
        return get_quota(client, code), ""
    except botocore.exceptions.ClientError as e:
        return None, e.response["Error"]["Code"]
    except botocore.exceptions.BotoCoreError as e:
        return None, str(e)


@AWSRetry.jittered_backoff()
def describe_vcpus(client, instance_types: List[str]) -> Dict[str, int]:
    """{type: default vCPUs} of types DescribeInstanceTypes knows (at most 100 named types: one page)."""
    found = client.describe_instance_types(InstanceTypes=instance_types)["InstanceTypes"]
    return {t["InstanceType"]: t["VCpuInfo"]["DefaultVCpus"] for t in found}


def vcpus_by_type(client, instance_types: List[str]) -> Dict[str, int]:
    """vCPUs of each type; the retired types DescribeInstanceTypes refuses come from the built-in table."""
    builtin = {name: builtin_instance_type_facts(name) for name in instance_types}
    known = {name: facts["vcpus"] for name, facts in builtin.items() if facts}
    described = sorted(name for name in instance_types if name not in known)
    return dict(known, **(describe_vcpus(client, described) if described else {}))


def running_elsewhere(client, cluster_name: str, code: str) -> int:
    """vCPUs of the region's running and pending instances outside the cluster that count against the quota."""
    others = [i for i in cr.find_instances(client, [], ("pending", "running")) if not cr.in_cluster(i, cluster_name)]
    counted = sorted({i["InstanceType"] for i in others if vq.quota_code(i["InstanceType"]) == code})
    return vq.running_vcpus(others, vcpus_by_type(client, counted), code)


def not_checked(result: Dict[str, Any], message: str) -> Dict[str, Any]:
    """The result of a check that could not be made: a warning, never a failure."""
    # core's warn(), not module.warn(): see ec2_instance_type_offering.
    warn(message)
    return dict(result, message=message)


def check(module: AnsibleAWSModule) -> Dict[str, Any]:
    params = module.params
    code = vq.quota_code(params["instance_type"])
    result = dict(quota_code=code, quota_name=None, limit=None, sufficient=None, message="",
                  running_vcpus=0, needed_vcpus=vq.needed_vcpus(params["count"], params["vcpus"], 0))
    quota, reason = read_quota(module.client("service-quotas"), code) if code else (None, "")
    if quota is None:
        return not_checked(result, vq.unchecked_message(params["instance_type"], code, reason))
    try:
        elsewhere = running_elsewhere(module.client("ec2"), params["cluster_name"], code)
    except botocore.exceptions.ClientError as e:
        # A running instance of a type neither DescribeInstanceTypes nor the built-in table knows: usage unknown.
        return not_checked(result, vq.unchecked_message(params["instance_type"], code, e.response["Error"]["Code"]))
    need = vq.needed_vcpus(params["count"], params["vcpus"], elsewhere)
    sufficient = need <= int(quota["Value"])
    message = "" if sufficient else vq.insufficient_message(
        params["instance_type"], params["count"], params["vcpus"], elsewhere, quota, module.region)
    return dict(result, quota_name=quota["QuotaName"], limit=int(quota["Value"]), running_vcpus=elsewhere,
                needed_vcpus=need, sufficient=sufficient, message=message)


def main():
    argument_spec = dict(
        instance_type=dict(type="str", required=True),
        vcpus=dict(type="int", required=True),
        count=dict(type="int", required=True),
        cluster_name=dict(type="str", required=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    problem = cr.invalid_cluster_name_message(module.params["cluster_name"])
    if problem:
        module.fail_json(msg=problem)
    try:
        result = check(module)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
